import type { LimitReached } from "../cost/limit-reached.js";
import { createSpendMeter, type SpendMeter, type SpendTotals } from "../cost/spend-meter.js";
import {
  type ReviewOutcome,
  type ReviewPullRequestParams,
  type ReviewSettings,
  reviewPullRequest,
} from "../review/review-pull-request.js";
import type { PullRequestInfo } from "../review/types.js";
import type { JobDeps, JobScope } from "./job-deps.js";

/** The ceilings a review is held to, and where its installation's and repository's spending is counted. */
export interface ReviewSpendControls extends NonNullable<JobDeps["spend"]> {
  installationId?: number;
}

export interface RunReviewParams extends Omit<ReviewPullRequestParams, "settings" | "meter"> {
  /** The review's settings, or why not to review; read inside the job so a failure here is logged like any. */
  settings: () => Promise<ReviewSettings | { skip: string }>;
  clock?: () => number;
  /** No ceilings when absent. */
  spend?: ReviewSpendControls;
}

/** The spend controls of a job: the process's ceilings and windows, with the installation the job is for. */
export function spendControlsOf(deps: JobDeps, scope: JobScope): { spend?: ReviewSpendControls } {
  if (deps.spend === undefined) return {};
  return {
    spend: {
      ...deps.spend,
      ...(scope.installationId === undefined ? {} : { installationId: scope.installationId }),
    },
  };
}

/**
 * Runs one review as a queued job and ends it in exactly one structured log line: `review.completed` with what
 * it did and cost, `review.skipped` with why nothing was done, or `review.failed` with the reason — and, once a
 * model may have been called, with what was spent, whatever failed (the spend meter is read, not the outcome).
 * Never throws.
 */
export async function runReview(params: RunReviewParams): Promise<void> {
  const clock = params.clock ?? Date.now;
  const started = clock();
  const base = { ...baseFields(params.pr), trigger: params.trigger ?? "auto" };
  // Created once the settings are known: from then on every line says what was spent.
  let metered: { model: string; meter: SpendMeter } | undefined;
  const spent = () => (metered === undefined ? {} : spendFields(metered.model, metered.meter.totals()));
  try {
    const settings = await params.settings();
    if ("skip" in settings) {
      params.log.info({ ...base, reason: settings.skip }, "review.skipped");
      return;
    }
    const meter = createMeter(params, settings);
    metered = { model: settings.model, meter };
    const outcome = await reviewPullRequest({ ...params, settings, meter });
    if (outcome.status === "skipped") {
      params.log.info({ ...base, reason: outcome.skippedReason }, "review.skipped");
      return;
    }
    const fields = { ...base, ...spent(), ...outcomeFields(outcome), durationMs: clock() - started };
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
    params.log.error(
      { ...base, ...spent(), durationMs: clock() - started, reason: describe(error) },
      "review.failed",
    );
  } finally {
    await metered?.meter.close().catch((error: unknown) => {
      params.log.warn({ ...base, err: { message: describe(error) } }, "spend hold not released");
    });
  }
}

function createMeter(params: RunReviewParams, settings: ReviewSettings): SpendMeter {
  const { spend, pr } = params;
  const scope = {
    repository: `${pr.owner}/${pr.repo}`,
    ...(spend?.installationId === undefined ? {} : { installation: spend.installationId }),
  };
  return createSpendMeter({
    prices: settings.prices,
    ...(params.now === undefined ? {} : { now: params.now }),
    ...(spend === undefined ? {} : { limits: spend.limits, windows: { store: spend.windows, scope } }),
  });
}

/** Model, requests, tokens and dollars, from the spend meter: what was billed, even when the review failed. */
function spendFields(model: string, totals: SpendTotals) {
  return {
    model,
    requests: totals.requests,
    promptCacheHitTokens: totals.usage.promptCacheHitTokens,
    promptCacheMissTokens: totals.usage.promptCacheMissTokens,
    completionTokens: totals.usage.completionTokens,
    costUsd: totals.costUsd,
    // Answers whose usage DeepSeek did not report, counted at the app's upper bound.
    ...(totals.estimatedRequests > 0 ? { estimatedRequests: totals.estimatedRequests } : {}),
    ...(totals.limitReached === undefined ? {} : { limitReached: limitFields(totals.limitReached) }),
    // Cost per model, when more than one reviewed (the Pro lane).
    ...(totals.models.length > 1
      ? {
          models: totals.models.map((one) => ({
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

/** Which ceiling stopped a call: whose, of what, how much, set by which variable, and when it resets. */
function limitFields(reached: LimitReached) {
  return {
    scope: reached.scope,
    unit: reached.unit,
    ceiling: reached.ceiling,
    ...(reached.setting === undefined ? {} : { setting: reached.setting }),
    ...(reached.window === undefined ? {} : { window: reached.window }),
    ...(reached.resetsAt === undefined ? {} : { resetsAt: reached.resetsAt.toISOString() }),
    ...(reached.estimate === undefined ? {} : { estimate: reached.estimate }),
  };
}

function outcomeFields(outcome: ReviewOutcome) {
  return {
    findingsPosted: outcome.findingsPosted,
    findingsNotInline: outcome.findingsNotInline,
    findingsAlreadyPosted: outcome.findingsAlreadyPosted,
    reviewId: outcome.reviewId,
    ...(outcome.incrementalSince === undefined ? {} : { incrementalSince: outcome.incrementalSince }),
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
