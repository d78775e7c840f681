import { isRetryable } from "../github/http-status.js";
import type { ModelClient } from "../llm/types.js";
import type { CountTokens } from "../review/count-tokens.js";
import type { PlanChunks } from "../review/plan-chunks.js";
import {
  type ReviewOutcome,
  type ReviewSettings,
  type ReviewTrigger,
  reviewPullRequest,
} from "../review/review-pull-request.js";
import type { PullRequestGateway, PullRequestInfo } from "../review/types.js";
import type { Limit, Logger } from "../runtime/types.js";

/** What a review needs once the job knows its pull request, or why there is nothing to do. */
export type PreparedReview =
  | { pr: PullRequestInfo; github: PullRequestGateway; settings: ReviewSettings }
  | { skip: string; pr?: PullRequestInfo };

/** How one run ended, as its outcome line says. */
export type RunResult =
  | { status: "completed" | "failed"; outcome: ReviewOutcome; reason?: string; fields: OutcomeFields }
  | { status: "skipped"; reason: string; fields: OutcomeFields; outcome?: ReviewOutcome }
  | { status: "failed"; reason: string; fields: OutcomeFields; outcome?: undefined };

export type OutcomeFields = Record<string, unknown>;

export interface RunReviewParams {
  /** The pull request as the job knows it before reading it (for the outcome line if reading fails). */
  ref: { owner: string; repo: string; number: number };
  trigger: ReviewTrigger;
  /** Reads the pull request, the configuration and decides; a failure here is logged like any. */
  prepare: () => Promise<PreparedReview>;
  model: ModelClient;
  limit: Limit;
  countTokens: CountTokens;
  planChunks?: PlanChunks;
  log: Logger;
  /** The job's last attempt: a failure GitHub may get over is otherwise thrown, so the queue tries again later. */
  final?: boolean;
  /** With the "retry" trigger: the files to review again. */
  onlyPaths?: readonly string[];
  now?: () => Date;
  clock?: () => number;
}

/**
 * Runs one review and ends it in exactly one structured log line: `review.completed` with what it did and cost,
 * `review.skipped` with why nothing was done, or `review.failed` with the reason — and what was spent before it
 * failed. A failure worth another attempt (GitHub unreachable, a server error) is logged as `review.retrying`
 * and thrown, unless this is the last attempt.
 */
export async function runReview(params: RunReviewParams): Promise<RunResult> {
  const clock = params.clock ?? Date.now;
  const started = clock();
  let base: OutcomeFields = { ...refFields(params.ref), trigger: params.trigger };
  try {
    const prepared = await params.prepare();
    if (prepared.pr !== undefined)
      base = { ...refFields(prepared.pr), headSha: prepared.pr.headSha, trigger: params.trigger };
    if ("skip" in prepared) {
      params.log.info({ ...base, reason: prepared.skip }, "review.skipped");
      return { status: "skipped", reason: prepared.skip, fields: base };
    }
    const outcome = await reviewPullRequest({
      pr: prepared.pr,
      github: prepared.github,
      settings: prepared.settings,
      model: params.model,
      limit: params.limit,
      countTokens: params.countTokens,
      log: params.log,
      trigger: params.trigger,
      ...(params.planChunks === undefined ? {} : { planChunks: params.planChunks }),
      ...(params.now === undefined ? {} : { now: params.now }),
      ...(params.onlyPaths === undefined ? {} : { onlyPaths: params.onlyPaths }),
    });
    if (outcome.status === "skipped") {
      const reason = outcome.skippedReason ?? "nothing to do";
      params.log.info({ ...base, reason }, "review.skipped");
      return { status: "skipped", reason, fields: base, outcome };
    }
    const fields = { ...base, ...outcomeFields(outcome), durationMs: clock() - started };
    if (outcome.failed) {
      const reason = outcome.failures[0]?.reason ?? "no chunk could be reviewed";
      params.log.error({ ...fields, reason }, "review.failed");
      return { status: "failed", outcome, reason, fields };
    }
    const completed = {
      ...fields,
      ...(outcome.failures.length > 0 ? { chunksFailed: outcome.failures.length } : {}),
    };
    params.log.info(completed, "review.completed");
    return { status: "completed", outcome, fields: completed };
  } catch (error) {
    const fields = { ...base, durationMs: clock() - started, reason: describe(error) };
    if (params.final === false && isRetryable(error)) {
      params.log.warn(fields, "review.retrying");
      throw error;
    }
    params.log.error(fields, "review.failed");
    return { status: "failed", reason: fields.reason, fields };
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

function refFields(ref: { owner: string; repo: string; number: number }) {
  return { repo: `${ref.owner}/${ref.repo}`, pr: ref.number };
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
