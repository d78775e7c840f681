import {
  type ReviewOutcome,
  type ReviewPullRequestParams,
  type ReviewSettings,
  reviewPullRequest,
} from "../review/review-pull-request.js";
import type { PullRequestInfo } from "../review/types.js";

export interface RunReviewParams extends Omit<ReviewPullRequestParams, "settings"> {
  /** The review's settings, or why not to review; read inside the job so a failure here is logged like any. */
  settings: () => Promise<ReviewSettings | { skip: string }>;
  clock?: () => number;
}

/**
 * Runs one review as a queued job and ends it in exactly one structured log line: `review.completed` with what
 * it did and cost, `review.skipped` with why nothing was done, or `review.failed` with the reason. Never throws.
 */
export async function runReview(params: RunReviewParams): Promise<void> {
  const clock = params.clock ?? Date.now;
  const started = clock();
  const base = { ...baseFields(params.pr), trigger: params.trigger ?? "auto" };
  try {
    const settings = await params.settings();
    if ("skip" in settings) {
      params.log.info({ ...base, reason: settings.skip }, "review.skipped");
      return;
    }
    const outcome = await reviewPullRequest({ ...params, settings });
    if (outcome.status === "skipped") {
      params.log.info({ ...base, reason: outcome.skippedReason }, "review.skipped");
      return;
    }
    const fields = { ...base, ...outcomeFields(outcome), durationMs: clock() - started };
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

function outcomeFields(outcome: ReviewOutcome) {
  return {
    model: outcome.model,
    requests: outcome.requests,
    promptCacheHitTokens: outcome.usage.promptCacheHitTokens,
    promptCacheMissTokens: outcome.usage.promptCacheMissTokens,
    completionTokens: outcome.usage.completionTokens,
    costUsd: outcome.costUsd,
    findingsPosted: outcome.findingsPosted,
    findingsNotInline: outcome.findingsNotInline,
    findingsAlreadyPosted: outcome.findingsAlreadyPosted,
    reviewId: outcome.reviewId,
    ...(outcome.incrementalSince === undefined ? {} : { incrementalSince: outcome.incrementalSince }),
    // Cost per model, when more than one reviewed (the Pro lane).
    ...(outcome.models.length > 1
      ? {
          models: outcome.models.map((one) => ({
            model: one.model,
            requests: one.requests,
            promptCacheHitTokens: one.usage.promptCacheHitTokens,
            promptCacheMissTokens: one.usage.promptCacheMissTokens,
            completionTokens: one.usage.completionTokens,
            costUsd: one.costUsd,
          })),
        }
      : {}),
  };
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
