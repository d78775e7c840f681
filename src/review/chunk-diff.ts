import type { FileDiff, Hunk } from "../diff/types.js";
import type { CountTokens } from "./count-tokens.js";
import { formatDiff, formatFileHeader, formatHunkHeader, formatLine } from "./format-diff.js";
import type { Chunk, ChunkFile } from "./types.js";

/** The lines `[start, end)` of hunk `hunk` of file `file` (indexes into the source list). */
interface Span {
  file: number;
  hunk: number;
  start: number;
  end: number;
}

/** A span and its estimated tokens when it is alone in a chunk (file header included). */
interface Unit {
  span: Span;
  tokens: number;
}

/** Tokens of the blank line between two file blocks. */
const FILE_SEPARATOR_TOKENS = 1;

/** A hunk whose estimate exceeds the budget by less than this factor is measured before being cut. */
const CLOSE_CALL = 1.1;

/**
 * The lines `[start, end)` of a hunk as a hunk of their own: same index and header, ranges moved to the slice.
 * The whole hunk is returned as is.
 */
function sliceHunk(hunk: Hunk, start: number, end: number): Hunk {
  if (start === 0 && end === hunk.lines.length) return hunk;
  let oldStart = hunk.oldStart;
  let newStart = hunk.newStart;
  for (const line of hunk.lines.slice(0, start)) {
    if (line.kind !== "add") oldStart += 1;
    if (line.kind !== "del") newStart += 1;
  }
  const lines = hunk.lines.slice(start, end);
  return {
    index: hunk.index,
    header: hunk.header,
    oldStart,
    oldLines: lines.filter((line) => line.kind !== "add").length,
    newStart,
    newLines: lines.filter((line) => line.kind !== "del").length,
    lines,
  };
}

function spanLength(span: Span): number {
  return span.end - span.start;
}

/** The files of a chunk from spans in source order; contiguous spans of one hunk are joined back together. */
function toChunkFiles(sources: readonly ChunkFile[], spans: readonly Span[]): ChunkFile[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last !== undefined && last.file === span.file && last.hunk === span.hunk && last.end === span.start) {
      last.end = span.end;
    } else {
      merged.push({ ...span });
    }
  }
  const files: ChunkFile[] = [];
  let lastFile = -1;
  for (const span of merged) {
    const source = sources[span.file];
    const hunk = source?.hunks[span.hunk];
    if (source === undefined || hunk === undefined) throw new Error("chunkDiff: span outside its source");
    if (span.file !== lastFile) {
      files.push({
        path: source.path,
        ...(source.previousPath === undefined ? {} : { previousPath: source.previousPath }),
        hunks: [],
      });
      lastFile = span.file;
    }
    files.at(-1)?.hunks.push(sliceHunk(hunk, span.start, span.end));
  }
  return files;
}

/**
 * The token counts of every printed line, measured once. The tokenizer splits text at line breaks, so their sums
 * estimate a chunk closely; each chunk is still measured whole before it is accepted.
 */
interface Plan {
  sources: readonly ChunkFile[];
  maxTokens: number;
  countTokens: CountTokens;
  fileHeaderTokens: number[];
  hunkHeaderTokens: number[][];
  lineTokens: number[][][];
}

function createPlan(params: {
  sources: readonly ChunkFile[];
  maxTokens: number;
  countTokens: CountTokens;
}): Plan {
  const { sources, countTokens } = params;
  return {
    ...params,
    fileHeaderTokens: sources.map((file) => countTokens(`${formatFileHeader(file)}\n`)),
    hunkHeaderTokens: sources.map((file) =>
      file.hunks.map((hunk) => countTokens(`${formatHunkHeader(hunk)}\n`)),
    ),
    lineTokens: sources.map((file) =>
      file.hunks.map((hunk) => hunk.lines.map((line) => countTokens(`${formatLine(line)}\n`))),
    ),
  };
}

function fileHeaderTokens(plan: Plan, span: Span): number {
  return plan.fileHeaderTokens[span.file] ?? 0;
}

/** Estimated tokens of a chunk holding only this span: file header, hunk header and lines. */
function toUnit(plan: Plan, span: Span): Unit {
  const lines = plan.lineTokens[span.file]?.[span.hunk]?.slice(span.start, span.end) ?? [];
  const headers = fileHeaderTokens(plan, span) + (plan.hunkHeaderTokens[span.file]?.[span.hunk] ?? 0);
  return { span, tokens: lines.reduce((sum, tokens) => sum + tokens, headers) };
}

function render(plan: Plan, spans: readonly Span[]): { files: ChunkFile[]; tokens: number } {
  const files = toChunkFiles(plan.sources, spans);
  return { files, tokens: plan.countTokens(formatDiff(files)) };
}

/** Cuts a hunk too big for the budget into consecutive pieces that each fit; a line too big alone is a piece. */
function splitHunk(plan: Plan, span: Span): Unit[] {
  const overhead = toUnit(plan, { ...span, end: span.start }).tokens;
  const lineTokens = plan.lineTokens[span.file]?.[span.hunk] ?? [];
  const units: Unit[] = [];
  let start = span.start;
  while (start < span.end) {
    let end = start + 1;
    let estimate = overhead + (lineTokens[start] ?? 0);
    while (end < span.end && estimate + (lineTokens[end] ?? 0) <= plan.maxTokens) {
      estimate += lineTokens[end] ?? 0;
      end += 1;
    }
    units.push({ span: { ...span, start, end }, tokens: estimate });
    start = end;
  }
  return units;
}

/** Every non-empty hunk of a file as one unit when it fits the budget alone, else as several pieces. */
function unitsOfFile(plan: Plan, fileIndex: number): Unit[] {
  const file = plan.sources[fileIndex];
  if (file === undefined) return [];
  return file.hunks.flatMap((hunk, hunkIndex) => {
    if (hunk.lines.length === 0) return [];
    const unit = toUnit(plan, { file: fileIndex, hunk: hunkIndex, start: 0, end: hunk.lines.length });
    if (unit.tokens <= plan.maxTokens) return [unit];
    if (unit.tokens <= plan.maxTokens * CLOSE_CALL) {
      const { tokens } = render(plan, [unit.span]);
      if (tokens <= plan.maxTokens) return [{ span: unit.span, tokens }];
    }
    return splitHunk(plan, unit.span);
  });
}

/** How many units from `start` fit in one chunk by their estimates (at least one). */
function countFitting(plan: Plan, units: readonly Unit[], start: number): number {
  let end = start + 1;
  let estimate = units[start]?.tokens ?? 0;
  for (; end < units.length; end += 1) {
    const unit = units[end];
    const previous = units[end - 1];
    if (unit === undefined || previous === undefined) break;
    const extra =
      unit.span.file === previous.span.file
        ? unit.tokens - fileHeaderTokens(plan, unit.span)
        : unit.tokens + FILE_SEPARATOR_TOKENS;
    if (estimate + extra > plan.maxTokens) break;
    estimate += extra;
  }
  return end - start;
}

/**
 * Packs units greedily, in order. Each chunk is measured whole; when the estimate was short, the chunk gives back
 * its last unit, or, when it holds one unit of several lines, cuts that unit and gives back the rest.
 */
function packUnits(plan: Plan, units: readonly Unit[]): Chunk[] {
  const queue = [...units];
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < queue.length) {
    let end = start + countFitting(plan, queue, start);
    let chunk = render(
      plan,
      queue.slice(start, end).map((unit) => unit.span),
    );
    while (chunk.tokens > plan.maxTokens) {
      const only = queue[start];
      if (end - start > 1) {
        end -= 1;
      } else if (only !== undefined && spanLength(only.span) > 1) {
        const length = spanLength(only.span);
        const keep = Math.max(1, Math.min(length - 1, Math.floor((length * plan.maxTokens) / chunk.tokens)));
        const cut = only.span.start + keep;
        queue.splice(
          start,
          1,
          toUnit(plan, { ...only.span, end: cut }),
          toUnit(plan, { ...only.span, start: cut }),
        );
      } else {
        break;
      }
      chunk = render(
        plan,
        queue.slice(start, end).map((unit) => unit.span),
      );
    }
    chunks.push(chunk);
    start = end;
  }
  return chunks;
}

/**
 * Packs a PR's hunks, in file and hunk order, into chunks whose rendered diff (see `formatDiff`) stays within
 * `maxTokens`. Small files share a chunk; a hunk stays whole when it fits a chunk alone, else it is cut at line
 * boundaries; a single line bigger than the budget still gets a chunk of its own (lines are never dropped or cut).
 * Every line of every hunk is in exactly one chunk. Files without hunks produce nothing.
 */
export function chunkDiff(params: {
  files: FileDiff[];
  maxTokens: number;
  countTokens: CountTokens;
}): Chunk[] {
  const { files, maxTokens, countTokens } = params;
  if (!Number.isFinite(maxTokens) || maxTokens <= 0) {
    throw new RangeError(`Expected \`maxTokens\` to be a positive finite number, got ${maxTokens}`);
  }
  const plan = createPlan({ sources: files, maxTokens, countTokens });
  const units = files.flatMap((_, fileIndex) => unitsOfFile(plan, fileIndex));
  return packUnits(plan, units);
}

/** Every hunk of the chunk as a span, in order. */
function spansOfChunk(chunk: Chunk): Span[] {
  return chunk.files.flatMap((file, fileIndex) =>
    file.hunks.map((hunk, hunkIndex) => ({
      file: fileIndex,
      hunk: hunkIndex,
      start: 0,
      end: hunk.lines.length,
    })),
  );
}

/** Where to cut: between hunks when a hunk boundary lies in the middle half, else inside a hunk at the middle line. */
function cutSpans(spans: readonly Span[], total: number): [Span[], Span[]] {
  const middle = total / 2;
  let best: { index: number; distance: number } | undefined;
  let seen = 0;
  for (const [index, span] of spans.entries()) {
    seen += spanLength(span);
    const distance = Math.abs(seen - middle);
    if (seen > 0 && seen < total && (best === undefined || distance < best.distance)) {
      best = { index: index + 1, distance };
    }
  }
  if (best !== undefined && best.distance <= total / 4) {
    return [spans.slice(0, best.index), spans.slice(best.index)];
  }
  const cut = Math.floor(middle);
  seen = 0;
  for (const [index, span] of spans.entries()) {
    const length = spanLength(span);
    if (seen < cut && cut < seen + length) {
      const at = span.start + (cut - seen);
      return [
        [...spans.slice(0, index), { ...span, end: at }],
        [{ ...span, start: at }, ...spans.slice(index + 1)],
      ];
    }
    seen += length;
  }
  throw new Error("splitChunk: no cut found");
}

/**
 * Splits a chunk into two halves of about the same number of lines, between hunks when that is close enough to
 * the middle, else inside a hunk at a line boundary. Used when the model's answer for a chunk was cut off.
 * Throws when the chunk has fewer than two lines.
 */
export function splitChunk(chunk: Chunk, countTokens: CountTokens): [Chunk, Chunk] {
  const spans = spansOfChunk(chunk);
  const total = spans.reduce((sum, span) => sum + spanLength(span), 0);
  if (total < 2) {
    throw new Error(
      `Cannot split a chunk of ${total} line${total === 1 ? "" : "s"}: it is already as small as it gets`,
    );
  }
  const [first, second] = cutSpans(spans, total);
  const toChunk = (part: Span[]): Chunk => {
    const files = toChunkFiles(chunk.files, part);
    return { files, tokens: countTokens(formatDiff(files)) };
  };
  return [toChunk(first), toChunk(second)];
}
