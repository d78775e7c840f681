import type { PullRequestFile, PullRequestGateway } from "./types.js";

/** The last review's base and head: what the pull request looked like then. */
export interface ReviewedPoint {
  head: string;
  base: string;
}

/**
 * The pull request's own diff as it was at the last review (`base...head` then: from their merge base, as GitHub
 * shows a pull request), to tell what it adds or removes now that it did not then (`linesNewSince`). A full review
 * is needed instead when GitHub cannot compare them (a commit is gone) or its comparison is incomplete.
 */
export type ChangesSince = { before: PullRequestFile[] } | { fullReviewBecause: string };

export async function findChangesSince(params: {
  github: PullRequestGateway;
  last: ReviewedPoint;
}): Promise<ChangesSince> {
  const short = params.last.head.slice(0, 7);
  const comparison = await params.github.compare(params.last.base, params.last.head);
  if (comparison === undefined) {
    return { fullReviewBecause: `the last reviewed commit ${short} could not be found` };
  }
  if (!comparison.complete) {
    return {
      fullReviewBecause: `too many files in the pull request at the last reviewed commit ${short} to compare`,
    };
  }
  return { before: comparison.files };
}
