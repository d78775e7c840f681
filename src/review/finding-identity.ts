import { createHash } from "node:crypto";
import type { FileDiff } from "../diff/types.js";
import { type FindingIdentity, MAX_CODE_HASHES } from "../records/record-schema.js";
import type { Category, ReviewComment } from "./types.js";

/** How many lines apart two findings on shared code may be and still be one finding said twice. */
export const NEAR_LINES = 5;
/** A line is significant when it holds a letter or a digit: `}` or a blank line tells no code apart. */
const SIGNIFICANT = /[\p{L}\p{N}]/u;

/**
 * A finding's identity, from the comment that carries it: a hash of its file, its side and lines, hashes of the
 * significant code it comments on (whitespace collapsed, so reindenting changes nothing), and its category. The
 * title and body, the model's words, are left out on purpose: the same defect said in other words is the same.
 */
export function findingIdentity(params: {
  comment: ReviewComment;
  category: Category | undefined;
  diff: FileDiff;
}): FindingIdentity {
  const { comment, diff } = params;
  const first = comment.startLine ?? comment.line;
  return {
    file: hashText(comment.path, 16),
    side: comment.side,
    lines: [first, comment.line],
    code: codeHashes(diff, comment.side, first, comment.line),
    category: params.category ?? "other",
  };
}

/**
 * Whether `a` and `b` are the same finding: same file, side and category, and commenting on shared code that is
 * either near (ranges overlapping or at most NEAR_LINES apart: a reworded finding, a range widened or narrowed) or
 * exactly the same lines (the code moved, e.g. after a rebase). Two findings on lines without significant code
 * are the same when near. Symmetric; at most MAX_CODE_HASHES² comparisons, whatever the findings' text.
 */
export function isSameFinding(a: FindingIdentity, b: FindingIdentity): boolean {
  if (a.file !== b.file || a.side !== b.side || a.category !== b.category) return false;
  const near = gapBetween(a.lines, b.lines) <= NEAR_LINES;
  if (a.code.length === 0 && b.code.length === 0) return near;
  const shared = a.code.some((hash) => b.code.includes(hash));
  return shared && (near || sameCode(a.code, b.code));
}

/** A short hex digest of `text`. */
export function hashText(text: string, chars: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, chars);
}

/**
 * The hash a finding's identity keeps of one line of code (whitespace collapsed), or undefined when the line holds
 * no letter or digit and so tells no code apart.
 */
export function codeLineHash(content: string): string | undefined {
  const code = content.replace(/\s+/g, " ").trim();
  return SIGNIFICANT.test(code) ? hashText(code, 8) : undefined;
}

/** Hashes of the significant lines from `first` to `last` on `side`, unique, in order, at most MAX_CODE_HASHES. */
function codeHashes(diff: FileDiff, side: ReviewComment["side"], first: number, last: number): string[] {
  const hunkIndex = (side === "RIGHT" ? diff.right : diff.left).get(last);
  const hunk = hunkIndex === undefined ? undefined : diff.hunks[hunkIndex];
  const hashes: string[] = [];
  for (const line of hunk?.lines ?? []) {
    const number = side === "RIGHT" ? line.newLine : line.kind === "del" ? line.oldLine : undefined;
    if (number === undefined || number < first || number > last) continue;
    const hash = codeLineHash(line.content);
    if (hash === undefined) continue;
    if (!hashes.includes(hash)) hashes.push(hash);
    if (hashes.length === MAX_CODE_HASHES) break;
  }
  return hashes;
}

/** How far apart the closest lines of two ranges are (1 for adjacent lines); 0 when they overlap. */
function gapBetween(a: readonly [number, number], b: readonly [number, number]): number {
  return Math.max(0, a[0] - b[1], b[0] - a[1]);
}

function sameCode(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((hash) => b.includes(hash));
}
