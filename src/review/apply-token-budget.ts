import type { FileDiff } from "../diff/types.js";
import type { CountTokens } from "./count-tokens.js";
import type { MaskLines } from "./create-masker.js";
import { type RenderedFile, renderFile, renderHunkHeaderLine } from "./format-diff.js";
import { maskFileDiff } from "./mask-file-diff.js";
import type { ChunkFile, SkippedFile } from "./types.js";

const TEST = /(^|\/)(__tests__|tests?|spec|e2e)\/|[._-](test|spec)\.[^/]+$/i;
const CONFIG = /\.(ya?ml|json|toml|ini|cfg|conf|xml|properties)$/i;
const DOCS = /\.(md|mdx|rst|txt|adoc)$/i;

/**
 * Planning reads (masks, renders and tokenizes) at most this many characters per token of the budget; files past
 * that are listed as over budget without being read. Code averages 3 to 4 characters a token, so this only stops a
 * pull request built to waste planning time (long runs of whitespace cost a token per 128 characters).
 */
export const MAX_READ_CHARS_PER_TOKEN = 16;

/** 0 source code, 1 tests, 2 configuration, 3 docs: the order in which a reviewer's budget is spent. */
function importance(path: string): number {
  if (TEST.test(path)) return 1;
  if (CONFIG.test(path)) return 2;
  if (DOCS.test(path)) return 3;
  return 0;
}

function changedLines(diff: FileDiff): number {
  return diff.hunks.reduce(
    (sum, hunk) => sum + hunk.lines.filter((line) => line.kind !== "context").length,
    0,
  );
}

/** Source code first, then tests, configuration and docs; within a kind, the most changed lines first. */
export function rankByImportance(diffs: readonly FileDiff[]): FileDiff[] {
  return [...diffs].sort(
    (a, b) =>
      importance(a.path) - importance(b.path) ||
      changedLines(b) - changedLines(a) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

/**
 * The least a file can cost: every printed line (file header, hunk headers, diff lines) is a non-empty text, and a
 * non-empty text costs at least one token. Known without masking or tokenizing anything.
 */
function lowerBound(diff: FileDiff): number {
  return diff.hunks.reduce((sum, hunk) => sum + 1 + hunk.lines.length, 1);
}

/**
 * Enforces the per-PR token budget before any model call: files are taken in order of importance while their
 * diff text fits; the others are listed as not reviewed. Kept files stay in their original order.
 *
 * Each file is masked and rendered once and each of its lines counted once; the chunks reuse those counts. Work
 * stops with the budget: a file whose lower bound does not fit is not read, a file is no longer counted once it is
 * over what is left, and after `MAX_READ_CHARS_PER_TOKEN` characters per budget token nothing more is read.
 */
export async function applyTokenBudget(params: {
  diffs: readonly FileDiff[];
  maxTokens: number;
  countTokens: CountTokens;
  mask: MaskLines;
}): Promise<{ kept: ChunkFile[]; overBudget: SkippedFile[]; tokens: number }> {
  const { maxTokens, countTokens } = params;
  const chosen = new Map<FileDiff, ChunkFile>();
  const overBudget: SkippedFile[] = [];
  const reason = `not reviewed: over the per-PR budget of ${maxTokens.toLocaleString("en-US")} tokens (max_pr_tokens)`;
  const maxReadChars = maxTokens * MAX_READ_CHARS_PER_TOKEN;
  let tokens = 0;
  let readChars = 0;
  for (const diff of rankByImportance(params.diffs)) {
    const left = maxTokens - tokens;
    if (lowerBound(diff) > left || readChars >= maxReadChars) {
      overBudget.push({ path: diff.path, reason });
      continue;
    }
    const rendered = renderFile(diff, await maskFileDiff(diff, params.mask));
    readChars += renderedChars(rendered);
    const measured = measureFile({ file: rendered, countTokens, limit: left });
    if (measured.file === undefined) {
      overBudget.push({ path: diff.path, reason });
      continue;
    }
    chosen.set(diff, measured.file);
    tokens += measured.tokens;
  }
  const kept = params.diffs.flatMap((diff) => chosen.get(diff) ?? []);
  return { kept, overBudget, tokens };
}

/** How many characters of text a rendered file holds: what masking and rendering it read. */
function renderedChars(file: RenderedFile): number {
  return file.hunks.reduce(
    (sum, hunk) => hunk.lines.reduce((inner, line) => inner + line.length, sum + hunk.heading.length),
    file.header.length,
  );
}

/**
 * Counts the tokens of a rendered file's header, hunk headers and lines, one text at a time, and stops as soon as
 * the total passes `limit` (the file does not fit; nothing further is counted).
 */
function measureFile(params: { file: RenderedFile; countTokens: CountTokens; limit: number }): {
  file?: ChunkFile;
  tokens: number;
} {
  const { file, countTokens, limit } = params;
  let tokens = countTokens(file.header);
  const headerTokens = tokens;
  const hunks: ChunkFile["hunks"] = [];
  for (const hunk of file.hunks) {
    if (tokens > limit) return { tokens };
    const hunkHeaderTokens = countTokens(renderHunkHeaderLine(hunk));
    tokens += hunkHeaderTokens;
    const lineTokens: number[] = [];
    for (const line of hunk.lines) {
      if (tokens > limit) return { tokens };
      const count = countTokens(line);
      lineTokens.push(count);
      tokens += count;
    }
    hunks.push({ ...hunk, headerTokens: hunkHeaderTokens, lineTokens });
  }
  if (tokens > limit) return { tokens };
  return { file: { path: file.path, header: file.header, headerTokens, hunks }, tokens };
}
