import type { DiffLine, Hunk } from "../diff/types.js";
import { maskSecretLines, maskSecrets } from "./mask-secrets.js";
import { neutraliseDelimiters } from "./neutralise-delimiters.js";
import type { ChunkFile, ChunkHunk } from "./types.js";

/**
 * The diff text the model reads. Rendering happens once, on the planning worker, from text already masked (see
 * mask-file-diff.ts): `renderFile` turns a file's masked texts into lines as sent; `formatDiff` only joins them.
 */

/** Width of the new-file line-number column; wider numbers simply widen their own line. */
export const LINE_NUMBER_WIDTH = 5;

/** Appended to the content of a line that `\ No newline at end of file` follows. Not part of the code. */
export const NO_NEWLINE_MARKER = " ⏎(no newline at end of file)";

const MARKERS: Record<DiffLine["kind"], string> = { add: "+", del: "-", context: " " };

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A file's texts once masked: its paths, each hunk's heading and each hunk's line contents. */
export interface MaskedFileText {
  path: string;
  previousPath?: string;
  headings: string[];
  lines: string[][];
}

/** A file as sent, before its lines are measured. */
export type RenderedFile = Pick<ChunkFile, "path" | "header"> & {
  hunks: Omit<ChunkHunk, "headerTokens" | "lineTokens">[];
};

/** git's section heading of a hunk: the text after the second `@@` (a function name, from the PR), unmasked. */
export function headingOf(header: string): string {
  return /^@@[^@]*@@(.*)$/s.exec(header)?.[1] ?? "";
}

/** A file path from the PR, made safe to print on one header line. */
export function sanitizePath(path: string): string {
  return path.replace(CONTROL_CHARACTERS, "");
}

/** A line's content on one output line: a CRLF file's trailing `\r` dropped, any other line break made visible. */
export function sanitizeContent(content: string): string {
  return content
    .replace(/\r$/, "")
    .replace(/\r/g, "␍")
    .replace(/[\n\u2028\u2029\u0085]/g, "␊");
}

function formatRange(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** How many old-side and new-side lines a hunk of these markers spans. */
function countSides(markers: string): { oldLines: number; newLines: number } {
  let oldLines = 0;
  let newLines = 0;
  for (const marker of markers) {
    if (marker !== "+") oldLines++;
    if (marker !== "-") newLines++;
  }
  return { oldLines, newLines };
}

/**
 * The `@@` line of a hunk, rebuilt from its numbers so that a piece of a split hunk shows its own range, then the
 * (masked) section heading, without control characters and with the prompt's delimiters neutralised.
 */
function renderHunkHeader(params: {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  heading: string;
}): string {
  const { oldStart, oldLines, newStart, newLines, heading } = params;
  return `@@ -${formatRange(oldStart, oldLines)} +${formatRange(newStart, newLines)} @@${heading}`;
}

/** A heading as sent: no control characters, delimiters neutralised. */
function renderHeading(maskedHeading: string): string {
  return neutraliseDelimiters(maskedHeading.replace(CONTROL_CHARACTERS, ""));
}

/**
 * One diff line without its newline: its new-file line number right-aligned (blank for deleted lines), `|`, the
 * marker, the masked content. The number column comes first so that no content can pass for a header or a line
 * number.
 */
function renderLine(line: DiffLine, maskedContent: string): string {
  const number = line.kind === "del" || line.newLine === undefined ? "" : String(line.newLine);
  const eof = line.noNewlineAtEof === true ? NO_NEWLINE_MARKER : "";
  const content = neutraliseDelimiters(sanitizeContent(maskedContent));
  return `${number.padStart(LINE_NUMBER_WIDTH)} |${MARKERS[line.kind]}${content}${eof}`;
}

/** The `=== FILE: … ===` line of a file from its masked paths, with its previous path when it was renamed. */
function renderFileHeader(path: string, previousPath: string | undefined): string {
  const renamed =
    previousPath !== undefined && previousPath !== path
      ? ` (renamed from ${sanitizePath(previousPath)})`
      : "";
  return neutraliseDelimiters(`=== FILE: ${sanitizePath(path)}${renamed} ===`);
}

/** A file as the model sees it, from its masked texts: pure string work, each line ending with a newline. */
export function renderFile(
  diff: { path: string; previousPath?: string; hunks: Hunk[] },
  masked: MaskedFileText,
): RenderedFile {
  const sameName = diff.previousPath === undefined || diff.previousPath === diff.path;
  return {
    path: diff.path,
    header: `${renderFileHeader(masked.path, sameName ? undefined : masked.previousPath)}\n`,
    hunks: diff.hunks.map((hunk, index) => ({
      oldStart: hunk.oldStart,
      newStart: hunk.newStart,
      heading: renderHeading(masked.headings[index] ?? ""),
      markers: hunk.lines.map((line) => MARKERS[line.kind]).join(""),
      lines: hunk.lines.map((line, at) => `${renderLine(line, masked.lines[index]?.[at] ?? "")}\n`),
    })),
  };
}

/** A hunk (or piece) as sent: its `@@` line, from its numbers and markers, then its lines. */
export function renderChunkHunk(
  hunk: Pick<ChunkHunk, "oldStart" | "newStart" | "heading" | "markers" | "lines">,
): string {
  const header = renderHunkHeader({ ...countSides(hunk.markers), ...hunk });
  return `${header}\n${hunk.lines.join("")}`;
}

/** The `@@` line of a hunk as sent, with its newline: what a hunk header's tokens measure. */
export function renderHunkHeaderLine(
  hunk: Pick<ChunkHunk, "oldStart" | "newStart" | "heading" | "markers">,
): string {
  return `${renderHunkHeader({ ...countSides(hunk.markers), ...hunk })}\n`;
}

/**
 * The diff text of a chunk: its file blocks separated by a blank line. Only joins text rendered on the worker:
 * no masking, no measuring.
 */
export function formatDiff(
  files: readonly {
    header: string;
    hunks: Pick<ChunkHunk, "oldStart" | "newStart" | "heading" | "markers" | "lines">[];
  }[],
): string {
  return files.map((file) => `${file.header}${file.hunks.map(renderChunkHunk).join("")}`).join("\n");
}

// ---- With the app's own masking rules only, synchronously: for the prompt's example diff and for tests. ----

/** A file's texts masked with the app's own rules (mask-file-diff.ts adds secretlint's on the worker). */
export function maskFileTextWithOwnRules(diff: {
  path: string;
  previousPath?: string;
  hunks: Hunk[];
}): MaskedFileText {
  return {
    path: maskSecrets(diff.path),
    ...(diff.previousPath === undefined ? {} : { previousPath: maskSecrets(diff.previousPath) }),
    headings: diff.hunks.map((hunk) => maskSecrets(headingOf(hunk.header))),
    lines: diff.hunks.map((hunk) =>
      maskSecretLines(
        hunk.lines.map((line) => line.content),
        { path: diff.path },
      ),
    ),
  };
}

/** One file's block, masked with the app's own rules: its header line then its hunks. */
export function formatChunkFile(diff: { path: string; previousPath?: string; hunks: Hunk[] }): string {
  const rendered = renderFile(diff, maskFileTextWithOwnRules(diff));
  return formatDiff([rendered]);
}

/** One diff line as sent, masked with the app's own rules, without its newline. */
export function formatLine(line: DiffLine): string {
  return renderLine(line, maskSecrets(line.content));
}
