import { type ChangedLines, changedLinesOf } from "../diff/changed-lines.js";
import { parsePatch } from "../diff/parse-patch.js";
import type { PullRequestGateway } from "./types.js";

export type ChangesSince = { changed: ChangedLines } | { fullReviewBecause: string };

/**
 * What changed between the last reviewed commit and the head. A full review is needed instead when the last
 * reviewed commit is no longer an ancestor of the head (a force push), cannot be found, or GitHub's comparison
 * is incomplete.
 */
export async function findChangesSince(params: {
  github: PullRequestGateway;
  lastSha: string;
  headSha: string;
}): Promise<ChangesSince> {
  const short = params.lastSha.slice(0, 7);
  const comparison = await params.github.compare(params.lastSha, params.headSha);
  if (comparison === undefined) {
    return { fullReviewBecause: `the last reviewed commit ${short} could not be found` };
  }
  if (comparison.status !== "ahead") {
    return {
      fullReviewBecause: `the last reviewed commit ${short} is no longer part of the branch (force push)`,
    };
  }
  if (!comparison.complete) {
    return { fullReviewBecause: `too many files changed since the last reviewed commit ${short} to compare` };
  }
  const diffs = comparison.files.map((file) => {
    if (!file.patch) return { path: file.path, patch: undefined };
    try {
      return parsePatch({ path: file.path, patch: file.patch });
    } catch {
      return { path: file.path, patch: undefined };
    }
  });
  return { changed: changedLinesOf(diffs) };
}
