import type { PullRequestGateway, ReviewComment } from "../review/types.js";
import type { LocalDiff } from "./read-local-diff.js";

/** The review the pipeline would have posted: its body and inline comments (without records). */
export interface CapturedReview {
  body: string;
  comments: ReviewComment[];
  complete: boolean;
}

/**
 * The pipeline's `PullRequestGateway` over a local diff: the files are the diff's (read at the head through git for
 * context, when the diff came from a checkout), nothing was reviewed before (every
 * run reviews the whole diff), and the review is kept instead of posted (`captured()`).
 */
export function createLocalGateway(diff: LocalDiff): PullRequestGateway & {
  captured(): CapturedReview | undefined;
} {
  let captured: CapturedReview | undefined;
  return {
    listFiles: async () => diff.files,
    // The files at the head, for the code around each hunk (the checkout's git; the diff alone has no `ref`).
    ...(diff.readFile === undefined ? {} : { readFile: diff.readFile }),
    readHead: async () => ({ headSha: diff.pr.headSha, baseSha: diff.pr.baseSha }),
    async createReview(review) {
      captured = { body: review.body, comments: review.comments, complete: review.record.complete };
      return { id: 0 };
    },
    listOwnReviews: async () => [],
    listPostedFindings: async () => [],
    compare: async () => undefined,
    captured: () => captured,
  };
}
