import type { FileDiff } from "../diff/types.js";
import type { CountTokens } from "./count-tokens.js";
import { formatChunkFile } from "./format-diff.js";
import type { SkippedFile } from "./types.js";

const TEST = /(^|\/)(__tests__|tests?|spec|e2e)\/|[._-](test|spec)\.[^/]+$/i;
const CONFIG = /\.(ya?ml|json|toml|ini|cfg|conf|xml|properties)$/i;
const DOCS = /\.(md|mdx|rst|txt|adoc)$/i;

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
 * Enforces the per-PR token budget before any model call: files are taken in order of importance while their
 * diff text fits; the others are listed as not reviewed. Kept files stay in their original order.
 */
export function applyTokenBudget(params: {
  diffs: readonly FileDiff[];
  maxTokens: number;
  countTokens: CountTokens;
}): { kept: FileDiff[]; overBudget: SkippedFile[]; tokens: number } {
  const chosen = new Set<FileDiff>();
  const overBudget: SkippedFile[] = [];
  let tokens = 0;
  for (const diff of rankByImportance(params.diffs)) {
    const cost = params.countTokens(formatChunkFile({ path: diff.path, hunks: diff.hunks }));
    if (tokens + cost <= params.maxTokens) {
      chosen.add(diff);
      tokens += cost;
    } else {
      overBudget.push({
        path: diff.path,
        reason: `not reviewed: over the per-PR budget of ${params.maxTokens.toLocaleString("en-US")} tokens (max_pr_tokens)`,
      });
    }
  }
  return { kept: params.diffs.filter((diff) => chosen.has(diff)), overBudget, tokens };
}
