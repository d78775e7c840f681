import type { EvalCase } from "./load-cases.js";

/** A defect counts as found when a comment's lines come within this many lines of it. */
export const LINE_TOLERANCE = 2;

export interface PostedComment {
  path: string;
  line: number;
  startLine?: number;
}

export interface CaseResult {
  id: string;
  comments: PostedComment[];
  costUsd: number;
  /** Undefined when the review ran; else why it did not. */
  error?: string;
  verification?: { checked: number; rejected: number; costUsd: number };
}

export interface Score {
  cases: number;
  defects: number;
  found: number;
  /** found / defects. */
  recall: number;
  comments: number;
  /** Comments on a defect's line (±LINE_TOLERANCE); every other comment, clean cases' included, is a false one. */
  correctComments: number;
  /** correctComments / comments (1 when there are none). */
  precision: number;
  commentsPerPr: number;
  costUsd: number;
  costPerPrUsd: number;
  /** Cases whose review did not run (failed calls, limits). */
  errors: number;
  verificationCostUsd: number;
  rejected: number;
}

/** Whether a comment is on the case's defect. */
export function hitsDefect(one: EvalCase, comment: PostedComment): boolean {
  if (one.defect === null || comment.path !== one.path) return false;
  const start = (comment.startLine ?? comment.line) - LINE_TOLERANCE;
  const end = comment.line + LINE_TOLERANCE;
  return one.defect.line >= start && one.defect.line <= end;
}

export function scoreCases(cases: readonly EvalCase[], results: readonly CaseResult[]): Score {
  const byId = new Map(results.map((result) => [result.id, result]));
  let defects = 0;
  let found = 0;
  let comments = 0;
  let correct = 0;
  let costUsd = 0;
  let errors = 0;
  let verificationCostUsd = 0;
  let rejected = 0;
  for (const one of cases) {
    const result = byId.get(one.id);
    if (one.defect !== null) defects += 1;
    if (result === undefined) continue;
    if (result.error !== undefined) errors += 1;
    costUsd += result.costUsd;
    verificationCostUsd += result.verification?.costUsd ?? 0;
    rejected += result.verification?.rejected ?? 0;
    comments += result.comments.length;
    const hits = result.comments.filter((comment) => hitsDefect(one, comment)).length;
    correct += hits;
    if (hits > 0) found += 1;
  }
  return {
    cases: cases.length,
    defects,
    found,
    recall: defects === 0 ? 0 : found / defects,
    comments,
    correctComments: correct,
    precision: comments === 0 ? 1 : correct / comments,
    commentsPerPr: cases.length === 0 ? 0 : comments / cases.length,
    costUsd,
    costPerPrUsd: cases.length === 0 ? 0 : costUsd / cases.length,
    errors,
    verificationCostUsd,
    rejected,
  };
}
