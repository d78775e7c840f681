import type { Chunk, ChunkFile, ChunkHunk } from "./types.js";

/**
 * Packs rendered files (masked, rendered and measured once, see apply-token-budget.ts) into chunks, and halves a
 * chunk. Pure slicing and adding of counts: no masking and no tokenizer, so splitting a chunk on the main thread
 * costs only the lines it copies.
 */

/** The lines `[start, end)` of hunk `hunk` of file `file` (indexes into the source list). */
interface Span {
  file: number;
  hunk: number;
  start: number;
  end: number;
}

/** A span and its tokens when it is alone in a chunk (file header included). */
interface Unit {
  span: Span;
  tokens: number;
}

/** Tokens of the blank line between two file blocks. */
const FILE_SEPARATOR_TOKENS = 1;

/** The sum of a list of counts. */
function sum(counts: readonly number[]): number {
  return counts.reduce((total, count) => total + count, 0);
}

/**
 * The lines `[start, end)` of a hunk as a hunk of their own: same heading, first numbers moved to the slice, its
 * header counted as the whole hunk's. The whole hunk is returned as is.
 */
function sliceHunk(hunk: ChunkHunk, start: number, end: number): ChunkHunk {
  if (start === 0 && end === hunk.lines.length) return hunk;
  let oldStart = hunk.oldStart;
  let newStart = hunk.newStart;
  for (const marker of hunk.markers.slice(0, start)) {
    if (marker !== "+") oldStart += 1;
    if (marker !== "-") newStart += 1;
  }
  return {
    oldStart,
    newStart,
    heading: hunk.heading,
    headerTokens: hunk.headerTokens,
    markers: hunk.markers.slice(start, end),
    lines: hunk.lines.slice(start, end),
    lineTokens: hunk.lineTokens.slice(start, end),
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
      files.push({ path: source.path, header: source.header, headerTokens: source.headerTokens, hunks: [] });
      lastFile = span.file;
    }
    files.at(-1)?.hunks.push(sliceHunk(hunk, span.start, span.end));
  }
  return files;
}

/** Tokens of a chunk's files: headers, hunk headers, lines, and the blank lines between files. */
function tokensOf(files: readonly ChunkFile[]): number {
  const separators = Math.max(0, files.length - 1) * FILE_SEPARATOR_TOKENS;
  return files.reduce(
    (total, file) =>
      file.hunks.reduce(
        (inner, hunk) => inner + hunk.headerTokens + sum(hunk.lineTokens),
        total + file.headerTokens,
      ),
    separators,
  );
}

function toChunk(sources: readonly ChunkFile[], spans: readonly Span[]): Chunk {
  const files = toChunkFiles(sources, spans);
  return { files, tokens: tokensOf(files) };
}

/** Tokens of a chunk holding only this span: file header, hunk header and lines. */
function toUnit(sources: readonly ChunkFile[], span: Span): Unit {
  const file = sources[span.file];
  const hunk = file?.hunks[span.hunk];
  const lines = sum(hunk?.lineTokens.slice(span.start, span.end) ?? []);
  return { span, tokens: (file?.headerTokens ?? 0) + (hunk?.headerTokens ?? 0) + lines };
}

/** Cuts a hunk too big for the budget into consecutive pieces that each fit; a line too big alone is a piece. */
function splitHunk(sources: readonly ChunkFile[], span: Span, maxTokens: number): Unit[] {
  const overhead = toUnit(sources, { ...span, end: span.start }).tokens;
  const lineTokens = sources[span.file]?.hunks[span.hunk]?.lineTokens ?? [];
  const units: Unit[] = [];
  let start = span.start;
  while (start < span.end) {
    let end = start + 1;
    let tokens = overhead + (lineTokens[start] ?? 0);
    while (end < span.end && tokens + (lineTokens[end] ?? 0) <= maxTokens) {
      tokens += lineTokens[end] ?? 0;
      end += 1;
    }
    units.push({ span: { ...span, start, end }, tokens });
    start = end;
  }
  return units;
}

/** Every non-empty hunk of a file as one unit when it fits the budget alone, else as several pieces. */
function unitsOfFile(sources: readonly ChunkFile[], fileIndex: number, maxTokens: number): Unit[] {
  const file = sources[fileIndex];
  if (file === undefined) return [];
  return file.hunks.flatMap((hunk, hunkIndex) => {
    if (hunk.lines.length === 0) return [];
    const unit = toUnit(sources, { file: fileIndex, hunk: hunkIndex, start: 0, end: hunk.lines.length });
    return unit.tokens <= maxTokens ? [unit] : splitHunk(sources, unit.span, maxTokens);
  });
}

/** Packs units greedily, in order: a unit joins the chunk while the chunk's tokens stay within the budget. */
function packUnits(sources: readonly ChunkFile[], units: readonly Unit[], maxTokens: number): Chunk[] {
  const chunks: Chunk[] = [];
  let spans: Span[] = [];
  let tokens = 0;
  let previous: Unit | undefined;
  for (const unit of units) {
    const extra =
      previous === undefined
        ? unit.tokens
        : unit.span.file === previous.span.file
          ? unit.tokens - (sources[unit.span.file]?.headerTokens ?? 0)
          : unit.tokens + FILE_SEPARATOR_TOKENS;
    if (previous !== undefined && tokens + extra > maxTokens) {
      chunks.push(toChunk(sources, spans));
      spans = [unit.span];
      tokens = unit.tokens;
    } else {
      spans.push(unit.span);
      tokens += extra;
    }
    previous = unit;
  }
  if (spans.length > 0) chunks.push(toChunk(sources, spans));
  return chunks;
}

/**
 * Packs a PR's hunks, in file and hunk order, into chunks whose tokens (the sum of their lines' and headers'
 * counts) stay within `maxTokens`. Small files share a chunk; a hunk stays whole when it fits a chunk alone, else it
 * is cut at line boundaries; a single line bigger than the budget still gets a chunk of its own (lines are never
 * dropped or cut). Every line of every hunk is in exactly one chunk. Files without hunks produce nothing.
 */
export function chunkDiff(params: { files: readonly ChunkFile[]; maxTokens: number }): Chunk[] {
  const { files, maxTokens } = params;
  if (!Number.isFinite(maxTokens) || maxTokens <= 0) {
    throw new RangeError(`Expected \`maxTokens\` to be a positive finite number, got ${maxTokens}`);
  }
  const units = files.flatMap((_, fileIndex) => unitsOfFile(files, fileIndex, maxTokens));
  return packUnits(files, units, maxTokens);
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
 * the middle, else inside a hunk at a line boundary. Used when the model's answer for a chunk was cut off. Pure
 * slicing of the chunk's rendered lines and counts. Throws when the chunk has fewer than two lines.
 */
export function splitChunk(chunk: Chunk): [Chunk, Chunk] {
  const spans = spansOfChunk(chunk);
  const total = spans.reduce((count, span) => count + spanLength(span), 0);
  if (total < 2) {
    throw new Error(
      `Cannot split a chunk of ${total} line${total === 1 ? "" : "s"}: it is already as small as it gets`,
    );
  }
  const [first, second] = cutSpans(spans, total);
  return [toChunk(chunk.files, first), toChunk(chunk.files, second)];
}
