import type { LineRange, SyntaxParser } from "../syntax/create-syntax-parser.js";
import type { CountTokens } from "./count-tokens.js";
import type { MaskLines } from "./create-masker.js";
import { LINE_NUMBER_WIDTH, sanitizeContent, sanitizePath } from "./format-diff.js";
import { neutraliseDelimiters } from "./neutralise-delimiters.js";

/** One hunk of a file's diff, in new-file lines: all the lines it shows, and its changed lines within them. */
export interface HunkSpan {
  /** First and last new-file line the hunk shows (context lines included). */
  shown: LineRange;
  /** First and last new-file line of its added lines (for a deletion only: the lines around the deletion). */
  changed: LineRange;
}

/** One file to give context for: its content at the reviewed head and its hunks. */
export interface ContextFileRequest {
  path: string;
  text: string;
  hunks: HunkSpan[];
}

export interface ContextRequest {
  files: ContextFileRequest[];
  /** Lines shown before and after a hunk when no enclosing function is known. */
  contextLines: number;
  /** A file of at most this many tokens is shown whole; no file gets more context than this. 0: no context. */
  maxFileTokens: number;
}

export type ContextKind = "whole file" | "enclosing code" | "surrounding lines";

/** A run of context lines as sent, for the hunks whose new-file lines lie in `near`. */
export interface ContextBlock {
  kind: ContextKind;
  /** The lines of the hunk(s) this block was made for: a chunk that shows any of them shows the block. */
  near: LineRange;
  /** The block as sent: a `--- lines a-b (kind) ---` line, then each line as `number: code`, newline-ended. */
  text: string;
  tokens: number;
}

export interface FileContext {
  path: string;
  /** The `=== CONTEXT: path ===` line as sent (path masked and made safe), with its newline. */
  header: string;
  headerTokens: number;
  blocks: ContextBlock[];
}

export interface ContextResult {
  files: FileContext[];
}

/**
 * The code around each hunk, at the reviewed head, for the model to read and never to comment on: the whole file
 * when it fits `maxFileTokens`, else for each hunk its enclosing function or class when the parser knows the
 * language, else `contextLines` lines before and after it. Lines the diff already shows are left out. Every line
 * is masked like the diff's and rendered with its new-file number and a `:` (the diff's lines have a `|`).
 */
export async function extractContext(
  request: ContextRequest,
  deps: { parser: SyntaxParser; countTokens: CountTokens; mask: MaskLines },
): Promise<ContextResult> {
  const files: FileContext[] = [];
  if (request.maxFileTokens <= 0) return { files };
  for (const file of request.files) {
    const context = await extractFileContext(file, request, deps);
    if (context !== undefined) files.push(context);
  }
  return { files };
}

async function extractFileContext(
  file: ContextFileRequest,
  request: ContextRequest,
  deps: { parser: SyntaxParser; countTokens: CountTokens; mask: MaskLines },
): Promise<FileContext | undefined> {
  const lines = splitLines(file.text);
  if (lines.length === 0 || file.hunks.length === 0) return undefined;
  const shown = file.hunks.map((hunk) => hunk.shown);
  const maxTokens = request.maxFileTokens;
  const render = (kind: ContextKind, range: LineRange, near: LineRange) =>
    renderBlock({ path: file.path, lines, kind, range, near, shown, deps });
  const [maskedPath] = await deps.mask([file.path], { independent: true });
  const header = `${neutraliseDelimiters(`=== CONTEXT: ${sanitizePath(maskedPath ?? "")} ===`)}\n`;
  const headerTokens = deps.countTokens(header);

  // A text this long cannot fit (a token is rarely more than 16 characters): not worth counting.
  if (file.text.length <= maxTokens * 16) {
    const whole = await render(
      "whole file",
      { start: 1, end: lines.length },
      { start: 1, end: lines.length },
    );
    if (whole === undefined) return undefined;
    if (whole.tokens + headerTokens <= maxTokens)
      return { path: file.path, header, headerTokens, blocks: [whole] };
  }

  const analysis = await deps.parser.analyse({
    path: file.path,
    text: file.text,
    ranges: file.hunks.map((hunk) => hunk.changed),
  });
  const blocks: ContextBlock[] = [];
  const texts = new Set<string>();
  let tokens = headerTokens;
  // Once a hunk's context no longer fits, the file's context is full: later hunks are not rendered at all, so the
  // work is bounded by the cap, not by the number of hunks.
  let full = false;
  for (const [index, hunk] of file.hunks.entries()) {
    if (full) break;
    const window = {
      start: Math.max(1, hunk.shown.start - request.contextLines),
      end: Math.min(lines.length, hunk.shown.end + request.contextLines),
    };
    const enclosing = analysis?.enclosing[index];
    const tries: [ContextKind, LineRange][] =
      enclosing === undefined
        ? [["surrounding lines", window]]
        : [
            ["enclosing code", enclosing],
            ["surrounding lines", window],
          ];
    let fitted = false;
    for (const [kind, range] of tries) {
      const block = await render(kind, clip(range, lines.length), hunk.shown);
      if (block === undefined) {
        fitted = true;
        break;
      }
      if (tokens + block.tokens > maxTokens) continue;
      fitted = true;
      // The same code around two hunks of one function is sent once.
      if (texts.has(block.text)) break;
      texts.add(block.text);
      blocks.push(block);
      tokens += block.tokens;
      break;
    }
    full = !fitted;
  }
  return blocks.length === 0 ? undefined : { path: file.path, header, headerTokens, blocks };
}

/** The lines of a text, without a last empty line after a final newline. Linear. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function clip(range: LineRange, count: number): LineRange {
  return { start: Math.max(1, range.start), end: Math.min(count, range.end) };
}

/**
 * `range` less the lines the diff shows, rendered as runs of numbered lines; undefined when nothing is left. Each run
 * is masked on its own (its lines are consecutive lines of the file).
 */
async function renderBlock(params: {
  path: string;
  lines: readonly string[];
  kind: ContextKind;
  range: LineRange;
  near: LineRange;
  shown: readonly LineRange[];
  deps: { countTokens: CountTokens; mask: MaskLines };
}): Promise<ContextBlock | undefined> {
  const { lines, range, shown } = params;
  const runs: LineRange[] = [];
  let runStart: number | undefined;
  // `shown` is small (a file's hunks) and sorted: one pointer walks it with the lines.
  const sorted = [...shown].sort((a, b) => a.start - b.start);
  let next = 0;
  for (let line = range.start; line <= range.end + 1; line++) {
    while (next < sorted.length && (sorted[next] as LineRange).end < line) next++;
    const inDiff = next < sorted.length && (sorted[next] as LineRange).start <= line;
    const keep = line <= range.end && !inDiff;
    if (keep && runStart === undefined) runStart = line;
    if (!keep && runStart !== undefined) {
      runs.push({ start: runStart, end: line - 1 });
      runStart = undefined;
    }
  }
  if (runs.length === 0) return undefined;
  const parts = [`--- lines ${range.start}-${range.end} (${params.kind}) ---\n`];
  for (const [index, run] of runs.entries()) {
    if (index > 0) parts.push("  ...\n");
    const masked = await params.deps.mask(lines.slice(run.start - 1, run.end), { path: params.path });
    for (const [at, content] of masked.entries()) {
      const number = String(run.start + at).padStart(LINE_NUMBER_WIDTH);
      parts.push(`${number}: ${neutraliseDelimiters(sanitizeContent(content))}\n`);
    }
  }
  const text = parts.join("");
  return { kind: params.kind, near: params.near, text, tokens: params.deps.countTokens(text) };
}

/** The spans of a parsed file's hunks, in new-file lines. */
export function hunkSpans(diff: {
  hunks: readonly {
    newStart: number;
    newLines: number;
    lines: readonly { kind: string; newLine?: number }[];
  }[];
}): HunkSpan[] {
  return diff.hunks.map((hunk) => {
    const shown = { start: hunk.newStart, end: Math.max(hunk.newStart, hunk.newStart + hunk.newLines - 1) };
    let first: number | undefined;
    let last: number | undefined;
    for (const line of hunk.lines) {
      if (line.kind !== "add" || line.newLine === undefined) continue;
      first ??= line.newLine;
      last = line.newLine;
    }
    return {
      shown,
      changed: first === undefined || last === undefined ? shown : { start: first, end: last },
    };
  });
}
