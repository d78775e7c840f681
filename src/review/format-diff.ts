import type { DiffLine, Hunk } from "../diff/types.js";
import { maskSecretLines, maskSecrets } from "./mask-secrets.js";
import type { ChunkFile } from "./types.js";

/** Width of the new-file line-number column; wider numbers simply widen their own line. */
const LINE_NUMBER_WIDTH = 5;

/** Appended to the content of a line that `\ No newline at end of file` follows. Not part of the code. */
export const NO_NEWLINE_MARKER = " ⏎(no newline at end of file)";

const MARKERS: Record<DiffLine["kind"], string> = { add: "+", del: "-", context: " " };

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A file path from the PR, made safe to print on one header line. */
function sanitizePath(path: string): string {
  return path.replace(CONTROL_CHARACTERS, "");
}

/** A line's content on one output line: a CRLF file's trailing `\r` dropped, any other line break made visible. */
function sanitizeContent(content: string): string {
  return content
    .replace(/\r$/, "")
    .replace(/\r/g, "␍")
    .replace(/[\n\u2028\u2029\u0085]/g, "␊");
}

function formatRange(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/**
 * The `@@` line of a hunk, rebuilt from its numbers so that a piece of a split hunk shows its own range;
 * the section heading after the second `@@` (a function name, from the PR) is kept without control characters.
 */
export function formatHunkHeader(hunk: Hunk): string {
  const heading = /^@@[^@]*@@(.*)$/s.exec(hunk.header)?.[1] ?? "";
  const ranges = `@@ -${formatRange(hunk.oldStart, hunk.oldLines)} +${formatRange(hunk.newStart, hunk.newLines)} @@`;
  return `${ranges}${heading.replace(CONTROL_CHARACTERS, "")}`;
}

/**
 * One diff line: its new-file line number right-aligned (blank for deleted lines), `|`, the marker, the content
 * with its recognisable secrets masked. The number column comes first so that no content can pass for a header or
 * a line number.
 */
export function formatLine(line: DiffLine): string {
  return renderLine(line, maskSecrets(line.content));
}

/** `formatLine` for content whose secrets are already masked. */
function renderLine(line: DiffLine, maskedContent: string): string {
  const number = line.kind === "del" || line.newLine === undefined ? "" : String(line.newLine);
  const eof = line.noNewlineAtEof === true ? NO_NEWLINE_MARKER : "";
  return `${number.padStart(LINE_NUMBER_WIDTH)} |${MARKERS[line.kind]}${sanitizeContent(maskedContent)}${eof}`;
}

/**
 * A hunk as the model sees it: the `@@` line then every line, each ending with a newline. Secrets are masked across
 * the hunk's lines too, so that the lines of a private key block are masked, not only its recognisable tokens.
 */
export function formatHunk(hunk: Hunk): string {
  const contents = maskSecretLines(hunk.lines.map((line) => line.content));
  const lines = hunk.lines.map((line, index) => renderLine(line, contents[index] ?? ""));
  return [formatHunkHeader(hunk), ...lines].map((line) => `${line}\n`).join("");
}

/** The `=== FILE: … ===` line of a file, with its previous path when it was renamed. */
export function formatFileHeader(file: Pick<ChunkFile, "path" | "previousPath">): string {
  const renamed =
    file.previousPath !== undefined && file.previousPath !== file.path
      ? ` (renamed from ${sanitizePath(file.previousPath)})`
      : "";
  return `=== FILE: ${sanitizePath(file.path)}${renamed} ===`;
}

/** One file's block: its header line then its hunks. */
export function formatChunkFile(file: ChunkFile): string {
  return `${formatFileHeader(file)}\n${file.hunks.map(formatHunk).join("")}`;
}

/** The diff text of a chunk: its file blocks separated by a blank line. This is what chunk budgets measure. */
export function formatDiff(files: readonly ChunkFile[]): string {
  return files.map(formatChunkFile).join("\n");
}
