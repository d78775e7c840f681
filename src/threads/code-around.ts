/** Lines of the file shown around the commented line, on each side. */
export const CONTEXT_LINES = 20;

/**
 * The code an answer shows the model: the comment's diff hunk, then the file's lines around `line` (numbered),
 * when the file could be read. Linear in the file.
 */
export function codeAround(params: { diffHunk: string; file?: string; line?: number }): string {
  const parts = [params.diffHunk.trim() === "" ? "(no diff hunk)" : params.diffHunk];
  if (params.file !== undefined && params.line !== undefined) {
    const lines = params.file.split("\n");
    const first = Math.max(1, params.line - CONTEXT_LINES);
    const last = Math.min(lines.length, params.line + CONTEXT_LINES);
    const shown: string[] = [];
    for (let number = first; number <= last; number++) shown.push(`${number}| ${lines[number - 1] ?? ""}`);
    if (shown.length > 0) parts.push(shown.join("\n"));
  }
  return parts.join("\n\n");
}
