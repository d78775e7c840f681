import type { FileDiff } from "../diff/types.js";
import type { Logger } from "../runtime/types.js";
import { fitIndentation, type SuggestionCheckRequest } from "./check-suggestions.js";
import type { SyntaxTasks } from "./syntax-tasks.js";
import type { Finding } from "./types.js";

/**
 * Readies the findings' suggestions before they are placed: each one is re-indented to the lines it replaces
 * (`fitIndentation`), then applied to its file's content at the head and parsed; one that leaves a file that
 * parsed unparsable is flagged `suggestionBreaksSyntax`, so that it is shown as a plain code block with a note and
 * never as a one-click change. Without the file's content (not read) or a grammar, a suggestion goes as before.
 * A failed check flags nothing, and says so in the log.
 */
export async function prepareSuggestions(params: {
  findings: readonly Finding[];
  diffs: ReadonlyMap<string, FileDiff>;
  texts: ReadonlyMap<string, string>;
  syntax: SyntaxTasks;
  log: Logger;
}): Promise<Finding[]> {
  const findings = params.findings.map((finding) => {
    if (finding.suggestion === undefined) return finding;
    const replaced = replacedLines(params.diffs.get(finding.path), finding);
    if (replaced === undefined) return finding;
    return { ...finding, suggestion: fitIndentation({ replaced, suggestion: finding.suggestion }) };
  });
  const byPath = new Map<string, SuggestionCheckRequest["files"][number]>();
  for (const [id, finding] of findings.entries()) {
    const text = params.texts.get(finding.path);
    if (finding.suggestion === undefined || text === undefined) continue;
    let file = byPath.get(finding.path);
    if (file === undefined) {
      file = { path: finding.path, text, suggestions: [] };
      byPath.set(finding.path, file);
    }
    file.suggestions.push({
      id,
      start: finding.startLine ?? finding.line,
      end: finding.line,
      replacement: finding.suggestion,
    });
  }
  if (byPath.size === 0) return findings;
  const result = await params.syntax
    .checkSuggestions({ files: [...byPath.values()] })
    .catch((error: unknown) => {
      params.log.warn({ err: { name: (error as Error).name } }, "suggestions not checked");
      return { breaking: [] as number[] };
    });
  const breaking = new Set(result.breaking);
  if (breaking.size > 0)
    params.log.info({ suggestions: breaking.size }, "suggestions that break parsing shown as plain code");
  return findings.map((finding, id) =>
    breaking.has(id) ? { ...finding, suggestionBreaksSyntax: true } : finding,
  );
}

/** The contents of the new-file lines a suggestion replaces, when every one of them is a line of the diff. */
function replacedLines(diff: FileDiff | undefined, finding: Finding): string[] | undefined {
  if (diff === undefined) return undefined;
  const start = finding.startLine ?? finding.line;
  if (start > finding.line || finding.line - start > 1_000) return undefined;
  const contents = new Map<number, string>();
  for (const hunk of diff.hunks) {
    for (const line of hunk.lines) {
      if (line.newLine !== undefined && line.newLine >= start && line.newLine <= finding.line) {
        contents.set(line.newLine, line.content);
      }
    }
  }
  const lines: string[] = [];
  for (let line = start; line <= finding.line; line++) {
    const content = contents.get(line);
    if (content === undefined) return undefined;
    lines.push(content);
  }
  return lines;
}
