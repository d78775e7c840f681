import { randomUUID } from "node:crypto";
import type { RepoConfig } from "../config/repo-config.js";
import { ledgerSpend } from "../cost/spend-meter.js";
import type { PullRequestState } from "../github/types.js";
import type { ReviewHistory } from "../review/render-review.js";
import type { ReviewTrigger as PipelineTrigger, ReviewSettings } from "../review/review-pull-request.js";
import { type Logger, withFields } from "../runtime/types.js";
import type { LedgerEntry, QueuedJob } from "../store/types.js";
import { createTendThreads } from "../threads/tend-threads.js";
import { decideAutoReview } from "./decide-auto-review.js";
import type { ReviewJob } from "./job.js";
import type { JobDeps } from "./job-deps.js";
import { loadRepoConfig } from "./load-repo-config.js";
import { type RunResult, runReview } from "./run-review.js";
import { proReasonFor, settingsForReview } from "./settings-for-review.js";

/**
 * A queued review, from its data alone:
 * 1. rebuild the installation's GitHub access from its id;
 * 2. read the pull request as it is now (its current head is what gets reviewed, whatever head the webhook named);
 * 3. read the repository's configuration;
 * 4. decide whether this trigger reviews it (open, not paused, the repository's rules);
 * 5. review and post (src/review/review-pull-request.ts), ending in one outcome line;
 * 6. record the run in the ledger.
 * Throws only what the queue should try again later (GitHub unreachable), and never on the last attempt.
 */
export async function runReviewJob(params: {
  queued: QueuedJob;
  job: ReviewJob;
  deps: JobDeps;
}): Promise<RunResult> {
  const { job, deps, queued } = params;
  const ref = { owner: job.owner, repo: job.repo, number: job.number };
  const log = withFields(deps.log, { repo: `${job.owner}/${job.repo}`, pr: job.number, job: queued.id });
  const started = Date.now();
  let headSha: string | undefined;
  const result = await runReview({
    ref,
    trigger: pipelineTrigger(job),
    model: deps.model,
    limit: deps.limit,
    countTokens: deps.countTokens,
    ...(deps.planChunks === undefined ? {} : { planChunks: deps.planChunks }),
    ...(job.trigger.kind === "retry" ? { onlyPaths: job.trigger.paths } : {}),
    log,
    ...(deps.spend === undefined ? {} : { spend: { ...deps.spend, installationId: job.installationId } }),
    final: queued.attempt >= queued.maxAttempts,
    // An attempt the queue will try again keeps its row when it spent something: the next attempt pays again.
    onRetrying: async (retrying) => {
      if ((retrying.spent?.totals.requests ?? 0) === 0) return;
      await recordRun({
        deps,
        job,
        queued,
        result: {
          ...retrying,
          reason: `attempt ${queued.attempt} of ${queued.maxAttempts}, tried again: ${retrying.reason}`,
        },
        started,
        ...(headSha === undefined ? {} : { headSha }),
      }).catch((error: unknown) =>
        log.error({ err: { message: (error as Error).message } }, "ledger write failed"),
      );
    },
    prepare: async () => {
      const github = await deps.github.forInstallation(job.installationId);
      const pr = await github.repository(ref).getPullRequest(job.number);
      headSha = pr.headSha;
      const loaded = await loadRepoConfig({
        read: () => github.readConfig(ref),
        defaults: deps.process.repoDefaults,
        log,
      });
      const skip = await whyNot({ job, pr, config: loaded.config, deps });
      if (skip !== undefined) return { skip, pr };
      const prRef = { repo: `${job.owner}/${job.repo}`, pr: job.number };
      // The ledger is read once: for the body's running total and the threads' tally.
      const [runs, lastReviewed] = await Promise.all([
        deps.store.listRuns(prRef),
        deps.store.lastReviewed(prRef),
      ]);
      const history = historyOf(runs);
      return {
        pr,
        github: github.pullRequest(ref),
        threads: createTendThreads({
          gateway: github.threads(ref),
          botLogin: github.botLogin,
          store: deps.store,
          runs,
          ref: { installationId: job.installationId, repo: `${job.owner}/${job.repo}`, pr: job.number },
          headSha: pr.headSha,
          log,
        }),
        checks: github.checkRuns(ref),
        failOn: loaded.config.fail_on,
        ...(pr.htmlUrl === undefined ? {} : { pullRequestUrl: pr.htmlUrl }),
        ...(lastReviewed === undefined ? {} : { lastReviewed }),
        settings: withHistory(
          history,
          settingsForReview({
            process: deps.process,
            config: loaded.config,
            problems: loaded.problems,
            pro: proReasonFor({
              config: loaded.config,
              labels: pr.labels,
              ...(job.trigger.kind === "command" && job.trigger.model === "pro"
                ? { command: "pro" as const }
                : {}),
            }),
          }),
        ),
      };
    },
  });
  const reviewed = result.outcome?.reviewed;
  if (reviewed !== undefined) {
    // The app's own record of what it reviewed, also when nothing was posted: the next push starts from it.
    await deps.store
      .recordReviewed({ repo: `${job.owner}/${job.repo}`, pr: job.number }, { ...reviewed, at: Date.now() })
      .catch((error: unknown) =>
        log.error({ err: { message: (error as Error).message } }, "reviewed head not recorded"),
      );
  }
  if (result.status !== "skipped") {
    await recordRun({
      deps,
      job,
      queued,
      result,
      started,
      ...(headSha === undefined ? {} : { headSha }),
    }).catch((error: unknown) =>
      log.error({ err: { message: (error as Error).message } }, "ledger write failed"),
    );
  }
  deps.metrics?.recordReview({
    outcome: result.status === "skipped" ? "skipped" : ledgerOutcome(result),
    models: result.spent?.totals.models ?? [],
  });
  if (headSha !== undefined) await retryFailedFiles({ deps, job, result, headSha, log });
  return result;
}

/** Rounds of asking again about files whose review failed on one head, before waiting for a push or `/review`. */
export const MAX_RETRY_ROUNDS = 2;

/** Wait before retry round `round`: 5 minutes, then 20. */
export function retryRoundDelayMs(round: number): number {
  return 5 * 60_000 * 4 ** (round - 1);
}

/**
 * Files whose review failed for a reason that may pass (DeepSeek down, timeouts, rate limits) are asked again on the
 * same head after a backoff, at most `MAX_RETRY_ROUNDS` times; after that nothing re-spends on that head until a
 * push or `/review`. Failures that will not pass by waiting (a ceiling, a rejected key, the balance) are not retried.
 */
async function retryFailedFiles(params: {
  deps: JobDeps;
  job: ReviewJob;
  result: RunResult;
  headSha: string;
  log: Logger;
}): Promise<void> {
  const { job, result } = params;
  const failures = result.outcome?.failures ?? [];
  const paths = [
    ...new Set(failures.filter((failure) => failure.retryable).flatMap((failure) => failure.paths)),
  ];
  if (paths.length === 0) return;
  const round = job.trigger.kind === "retry" ? job.trigger.round + 1 : 1;
  if (round > MAX_RETRY_ROUNDS) {
    params.log.warn(
      { paths: paths.length, rounds: MAX_RETRY_ROUNDS },
      "failed files not asked again: retries used up",
    );
    return;
  }
  const retry: ReviewJob = {
    ...job,
    trigger: { kind: "retry", headSha: params.headSha, paths: paths.slice(0, 3_000), round },
  };
  const queued = await params.deps.store.queue.enqueue(retry, { delayMs: retryRoundDelayMs(round) });
  params.log.info({ paths: paths.length, round, queued }, "failed files to be asked again");
}

/** The escalation label asks for what `/review pro` does: the whole pull request. */
function pipelineTrigger(job: ReviewJob): PipelineTrigger {
  return job.trigger.kind === "label" ? "command" : job.trigger.kind;
}

/** Why this trigger does not review the pull request now; undefined when it does. */
async function whyNot(params: {
  job: ReviewJob;
  pr: PullRequestState;
  config: RepoConfig;
  deps: JobDeps;
}): Promise<string | undefined> {
  const { job, pr, config } = params;
  const { trigger } = job;
  if (trigger.kind === "retry") {
    if (pr.state !== "open") return "the pull request was closed before the failed files were asked again";
    if (pr.headSha !== trigger.headSha) return "the head moved on; the newer head is reviewed instead";
    return undefined;
  }
  if (trigger.kind === "command") return undefined;
  if (trigger.kind === "label") {
    if (pr.state !== "open") return "the pull request is not open";
    if (!config.enabled) return "the app is disabled in the repository configuration";
    const label = config.escalate.label.toLowerCase();
    if (label === "" || label !== trigger.label.toLowerCase())
      return `${trigger.label} is not the escalation label`;
    if (!pr.labels.some((one) => one.toLowerCase() === label)) return "the label was removed again";
    return undefined;
  }
  const decision = decideAutoReview({ pr, config });
  if (!decision.review) return decision.reason;
  const settings = await params.deps.store.pullRequestSettings({
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
  });
  if (settings.paused) return "automatic reviews are paused on this pull request (/review resume)";
  return undefined;
}

async function recordRun(params: {
  deps: JobDeps;
  job: ReviewJob;
  queued: QueuedJob;
  result: RunResult;
  started: number;
  headSha?: string;
}): Promise<void> {
  const { job, result } = params;
  const outcome = result.outcome;
  const totals = result.spent?.totals;
  const entry: LedgerEntry = {
    id: randomUUID(),
    jobId: params.queued.id,
    installationId: job.installationId,
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
    ...(params.headSha === undefined ? {} : { headSha: params.headSha }),
    trigger: job.trigger.kind,
    ...ledgerSpend(totals),
    durationMs: Date.now() - params.started,
    findingsPosted: outcome?.findingsPosted ?? 0,
    findingsNotInline: outcome?.findingsNotInline ?? 0,
    outcome: ledgerOutcome(result),
    ...("reason" in result && result.reason !== undefined ? { reason: result.reason } : {}),
    startedAt: params.started,
    finishedAt: Date.now(),
  };
  await params.deps.store.recordRun(entry);
}

/** A review a budget or ceiling stopped before any model call is a refusal; one that ran and failed, a failure. */
function ledgerOutcome(result: RunResult): LedgerEntry["outcome"] {
  if (result.status === "completed") return "completed";
  const totals = result.spent?.totals;
  return totals?.limitReached !== undefined && totals.requests === 0 ? "refused" : "failed";
}

/** This pull request's earlier reviews that called the model, and what they cost, from the ledger. */
function historyOf(runs: readonly LedgerEntry[]): ReviewHistory {
  // Answers to people (trigger "answer") are not reviews: the footer counts reviews.
  const billed = runs.filter((run) => run.requests > 0 && run.trigger !== "answer");
  return { reviews: billed.length, costUsd: billed.reduce((sum, run) => sum + run.costUsd, 0) };
}

function withHistory(history: ReviewHistory, settings: ReviewSettings): ReviewSettings {
  return { ...settings, history };
}
