import type { LimitReached } from "../cost/limit-reached.js";
import type { MonthlyBudgets } from "../cost/monthly-budgets.js";
import {
  createSpendMeter,
  flattenModelCost,
  type ReviewLimits,
  type SpendMeter,
  type SpendTotals,
} from "../cost/spend-meter.js";
import type { SpendWindows } from "../cost/spend-windows.js";
import { isRetryable } from "../github/http-status.js";
import type { CheckRunGateway } from "../github/types.js";
import type { ModelClient } from "../llm/types.js";
import { type CheckRunReport, type FailOn, renderCheckRun } from "../render/render-check-run.js";
import type { CountTokens } from "../review/count-tokens.js";
import type { ReviewedPoint } from "../review/find-changes-since.js";
import type { PlanChunks } from "../review/plan-chunks.js";
import {
  type ReviewOutcome,
  type ReviewSettings,
  type ReviewTrigger,
  reviewPullRequest,
} from "../review/review-pull-request.js";
import type { PullRequestGateway, PullRequestInfo } from "../review/types.js";
import type { Limit, Logger } from "../runtime/types.js";
import type { TendedThreads, TendThreads } from "../threads/tend-threads.js";
import { type CheckRunReporter, createCheckRunReporter } from "./create-check-run-reporter.js";

/** What a review needs once the job knows its pull request, or why there is nothing to do. */
export type PreparedReview =
  | {
      pr: PullRequestInfo;
      github: PullRequestGateway;
      settings: ReviewSettings;
      /** Tends the app's own review threads (src/threads/). */
      threads?: TendThreads;
      /** The app's check run on the head: in progress while the review runs, completed with its summary. */
      checks?: CheckRunGateway;
      /** `fail_on` of the repository's configuration; default "off". */
      failOn?: FailOn;
      /** The pull request's page, for the link to the posted review. */
      pullRequestUrl?: string;
      /** The last head reviewed, from the app's store. */
      lastReviewed?: ReviewedPoint & { complete: boolean };
    }
  | { skip: string; pr?: PullRequestInfo };

/** How one run ended, as its outcome line says; `spent` is what the model calls cost, whatever happened. */
export type RunResult = { fields: OutcomeFields; spent?: { model: string; totals: SpendTotals } } & (
  | { status: "completed" | "failed"; outcome: ReviewOutcome; reason?: string }
  | { status: "skipped"; reason: string; outcome?: ReviewOutcome }
  | { status: "failed"; reason: string; outcome?: undefined }
);

export type OutcomeFields = Record<string, unknown>;

/** The ceilings a review is held to, and where its installation's and repository's spending is counted. */
export interface ReviewSpendControls {
  limits: ReviewLimits;
  windows: SpendWindows;
  /** Monthly budgets read from the ledger, in front of the windows. */
  budgets?: MonthlyBudgets;
  installationId?: number;
}

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
  /** No ceilings when absent. */
  spend?: ReviewSpendControls;
  now?: () => Date;
  clock?: () => number;
  /**
   * Told of an attempt that will be thrown for the queue to try again, with what it spent, before it is thrown:
   * the ledger keeps every attempt's spend, not only the last one's.
   */
  onRetrying?: (result: RunResult & { status: "failed"; reason: string }) => Promise<void>;
}

/**
 * Runs one review and ends it in exactly one structured log line: `review.completed` with what it did and cost,
 * `review.skipped` with why nothing was done, or `review.failed` with the reason — and, once a model may have been
 * called, what was spent, whatever failed (the spend meter is read, not the outcome). A failure worth another
 * attempt (GitHub unreachable, a server error) is logged as `review.retrying` and thrown, unless this is the last
 * attempt.
 */
export async function runReview(params: RunReviewParams): Promise<RunResult> {
  const clock = params.clock ?? Date.now;
  const started = clock();
  let base: OutcomeFields = { ...refFields(params.ref), trigger: params.trigger };
  // Created once the settings are known: from then on every line says what was spent.
  let metered: { model: string; meter: SpendMeter } | undefined;
  let checkRun: { reporter: CheckRunReporter; showCost: boolean } | undefined;
  const spent = () => (metered === undefined ? {} : spendFields(metered.model, metered.meter.totals()));
  const spentResult = () =>
    metered === undefined ? {} : { spent: { model: metered.model, totals: metered.meter.totals() } };
  try {
    const prepared = await params.prepare();
    if (prepared.pr !== undefined)
      base = { ...refFields(prepared.pr), headSha: prepared.pr.headSha, trigger: params.trigger };
    if ("skip" in prepared) {
      params.log.info({ ...base, reason: prepared.skip }, "review.skipped");
      return { status: "skipped", reason: prepared.skip, fields: base };
    }
    const meter = createMeter(params, prepared.pr, prepared.settings);
    metered = { model: prepared.settings.model, meter };
    const { checks, settings } = prepared;
    if (checks !== undefined) {
      const reporter = createCheckRunReporter({
        checks,
        headSha: prepared.pr.headSha,
        render: (progress) => renderCheckRun({ kind: "progress", progress, model: settings.model }),
        log: params.log,
        ...(params.clock === undefined ? {} : { clock: params.clock }),
      });
      checkRun = { reporter, showCost: settings.showCost ?? true };
    }
    // What tending the threads found still open, for the check run's `fail_on`.
    let tended: TendedThreads | undefined;
    const { threads } = prepared;
    const tendThreads: TendThreads | undefined =
      threads === undefined
        ? undefined
        : async (input) => {
            tended = await threads(input);
            return tended;
          };
    const outcome = await reviewPullRequest({
      pr: prepared.pr,
      github: prepared.github,
      settings: prepared.settings,
      model: params.model,
      limit: params.limit,
      countTokens: params.countTokens,
      log: params.log,
      trigger: params.trigger,
      meter,
      ...(params.planChunks === undefined ? {} : { planChunks: params.planChunks }),
      ...(params.now === undefined ? {} : { now: params.now }),
      ...(params.onlyPaths === undefined ? {} : { onlyPaths: params.onlyPaths }),
      ...(tendThreads === undefined ? {} : { threads: tendThreads }),
      ...(prepared.lastReviewed === undefined ? {} : { lastReviewed: prepared.lastReviewed }),
      ...(checkRun === undefined ? {} : { onProgress: checkRun.reporter.progress }),
    });
    if (outcome.status !== "skipped") {
      const reviewUrl =
        outcome.reviewId === undefined || prepared.pullRequestUrl === undefined
          ? undefined
          : `${prepared.pullRequestUrl}#pullrequestreview-${outcome.reviewId}`;
      await checkRun?.reporter.complete(
        renderCheckRun({
          kind: "finished",
          outcome,
          failOn: prepared.failOn ?? "off",
          showCost: checkRun.showCost,
          ...(reviewUrl === undefined ? {} : { reviewUrl }),
          ...(tended === undefined ? {} : { openFindings: tended.open }),
        }),
      );
    }
    if (outcome.status === "skipped") {
      const reason = outcome.skippedReason ?? "nothing to do";
      params.log.info({ ...base, reason }, "review.skipped");
      return { status: "skipped", reason, fields: base, outcome, ...spentResult() };
    }
    const fields = { ...base, ...spent(), ...outcomeFields(outcome), durationMs: clock() - started };
    if (outcome.failed) {
      const reason = outcome.failures[0]?.reason ?? "no chunk could be reviewed";
      params.log.error({ ...fields, reason }, "review.failed");
      return { status: "failed", outcome, reason, fields, ...spentResult() };
    }
    const completed = {
      ...fields,
      ...(outcome.failures.length > 0 ? { chunksFailed: outcome.failures.length } : {}),
    };
    params.log.info(completed, "review.completed");
    return { status: "completed", outcome, fields: completed, ...spentResult() };
  } catch (error) {
    const fields = { ...base, ...spent(), durationMs: clock() - started, reason: describe(error) };
    const retrying = params.final === false && isRetryable(error);
    // A check run is never left in progress: a failed review completes it, saying why.
    const failed: CheckRunReport = {
      kind: "failed",
      reason: fields.reason,
      retrying,
      showCost: checkRun?.showCost ?? true,
    };
    await checkRun?.reporter.complete(renderCheckRun(failed));
    if (retrying) {
      params.log.warn(fields, "review.retrying");
      await params.onRetrying?.({ status: "failed", reason: fields.reason, fields, ...spentResult() });
      throw error;
    }
    params.log.error(fields, "review.failed");
    return { status: "failed", reason: fields.reason, fields, ...spentResult() };
  } finally {
    await metered?.meter.close().catch((error: unknown) => {
      params.log.warn({ ...base, err: { message: describe(error) } }, "spend hold not released");
    });
  }
}

function createMeter(params: RunReviewParams, pr: PullRequestInfo, settings: ReviewSettings): SpendMeter {
  const { spend } = params;
  const scope = {
    repository: `${pr.owner}/${pr.repo}`,
    ...(spend?.installationId === undefined ? {} : { installation: spend.installationId }),
  };
  return createSpendMeter({
    prices: settings.prices,
    ...(params.now === undefined ? {} : { now: params.now }),
    ...(spend === undefined
      ? {}
      : {
          limits: spend.limits,
          windows: {
            store: spend.budgets?.around(spend.windows, settings.monthlyBudgetUsd) ?? spend.windows,
            scope,
          },
        }),
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
          models: totals.models.map(flattenModelCost),
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
    ...(outcome.findingsDismissed === undefined ? {} : { findingsDismissed: outcome.findingsDismissed }),
    reviewId: outcome.reviewId,
    ...(outcome.incrementalSince === undefined ? {} : { incrementalSince: outcome.incrementalSince }),
    ...(outcome.verification === undefined ? {} : { verification: outcome.verification }),
    // Reviewed, but nothing new to say: no review was posted (the check run says so).
    ...(outcome.status === "quiet" ? { quiet: outcome.skippedReason ?? "nothing new" } : {}),
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
