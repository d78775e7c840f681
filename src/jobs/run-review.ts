import {
  type ReviewPullRequestParams,
  type ReviewSettings,
  reviewPullRequest,
} from "../review/review-pull-request.js";
import type { Logger, PullRequestGateway, PullRequestInfo } from "../review/types.js";

export interface RunReviewParams extends Omit<ReviewPullRequestParams, "github" | "log" | "settings"> {
  github: PullRequestGateway;
  settings: ReviewSettings;
  log: Logger;
  clock?: () => number;
}

/**
 * Runs one review as a queued job and ends it in exactly one structured log line:
 * `review.completed` with what it did and cost, or `review.failed` with the reason. Never throws.
 */
export async function runReview(params: RunReviewParams): Promise<void> {
  const clock = params.clock ?? Date.now;
  const started = clock();
  const base = baseFields(params.pr);
  try {
    const outcome = await reviewPullRequest(params);
    const fields = {
      ...base,
      model: outcome.model,
      requests: outcome.requests,
      promptCacheHitTokens: outcome.usage.promptCacheHitTokens,
      promptCacheMissTokens: outcome.usage.promptCacheMissTokens,
      completionTokens: outcome.usage.completionTokens,
      costUsd: outcome.costUsd,
      durationMs: clock() - started,
      findingsPosted: outcome.findingsPosted,
      findingsNotInline: outcome.findingsNotInline,
      reviewId: outcome.reviewId,
    };
    if (outcome.failed) {
      const reason = outcome.failures[0]?.reason ?? "no chunk could be reviewed";
      params.log.error({ ...fields, reason }, "review.failed");
    } else {
      params.log.info(
        { ...fields, ...(outcome.failures.length > 0 ? { chunksFailed: outcome.failures.length } : {}) },
        "review.completed",
      );
    }
  } catch (error) {
    params.log.error({ ...base, durationMs: clock() - started, reason: describe(error) }, "review.failed");
  }
}

function baseFields(pr: PullRequestInfo) {
  return { repo: `${pr.owner}/${pr.repo}`, pr: pr.number, headSha: pr.headSha };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    return typeof status === "number"
      ? `${error.name} (HTTP ${status}): ${firstLine(error.message)}`
      : `${error.name}: ${firstLine(error.message)}`;
  }
  return String(error);
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}
