import type { Job } from "../jobs/job.js";
import type { FindingIdentity } from "../records/record-schema.js";

/** One review run in the cost ledger: what it did, what it cost, how it ended. Failed runs keep what they spent. */
export interface LedgerEntry {
  id: string;
  /** The queue job that ran it, when there was one. */
  jobId?: string;
  installationId: number;
  /** `owner/name`. */
  repo: string;
  pr: number;
  headSha?: string;
  /** `auto`, `command`, `retry`, … */
  trigger: string;
  /** Requests, tokens and dollars per model, in the order the models were used. */
  models: ModelSpend[];
  requests: number;
  promptCacheHitTokens: number;
  promptCacheMissTokens: number;
  completionTokens: number;
  costUsd: number;
  durationMs: number;
  findingsPosted: number;
  findingsNotInline: number;
  /** `completed`, `skipped`, `failed` or `refused` (a budget or ceiling stopped it before any model call). */
  outcome: LedgerOutcome;
  /** Why it was skipped, failed or refused. */
  reason?: string;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
}

export type LedgerOutcome = "completed" | "skipped" | "failed" | "refused";

export interface ModelSpend {
  model: string;
  requests: number;
  promptCacheHitTokens: number;
  promptCacheMissTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Which ledger rows a report or a budget looks at; every field narrows. Times are epoch milliseconds. */
export interface LedgerFilter {
  since?: number;
  until?: number;
  installationId?: number;
  /** `owner/name`. */
  repo?: string;
  pr?: number;
}

/**
 * What became of the app's findings and who spoke to it: "acted-on" (the app resolved its thread because the code
 * changed), "dismissed" (a person said not to fix it: 👎, "won't fix", or resolving it unchanged), "answered" (the
 * app answered a reply or a mention).
 */
export type ThreadEventKind = "acted-on" | "dismissed" | "answered";

/** One thread event; recorded once per pull request, `key` and `kind`, whatever how often it is seen. */
export interface ThreadEvent {
  installationId: number;
  /** `owner/name`. */
  repo: string;
  pr: number;
  /** What it is about: a review thread's node id, or the id of the comment answered. */
  key: string;
  kind: ThreadEventKind;
  /** The finding acted on or dismissed: a dismissed finding and its rewordings are never raised again. */
  finding?: FindingIdentity;
  /** How it was dismissed (`reaction`, `reply`, `resolved`), or what was answered (`reply`, `mention`). */
  detail?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** What the app keeps per pull request besides GitHub's own records. */
export interface PullRequestSettings {
  /** `/review pause`: no automatic reviews until `/review resume` (commands still run). */
  paused: boolean;
}

/**
 * The last head the app reviewed on a pull request, written by the app alone after every review that ran, posted or
 * quiet: the incremental review starts from it (src/review/find-changes-since.ts).
 */
export interface ReviewedMark {
  head: string;
  base: string;
  /** False when files were left out (failed, over budget): the next review is a full one. */
  complete: boolean;
  /** Epoch milliseconds. */
  at: number;
}

export interface PullRequestRef {
  /** `owner/name`. */
  repo: string;
  pr: number;
}

/** The app's durable state. Two implementations: SQLite in `DATA_DIR`, PostgreSQL at `DATABASE_URL`. */
export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly queue: JobQueue;
  /** True the first time a webhook delivery id is seen (remembered for `DELIVERY_RETENTION_MS`). */
  firstDelivery(id: string): Promise<boolean>;
  /** Forgets a delivery id whose job could not be queued, so its redelivery is taken. */
  forgetDelivery(id: string): Promise<void>;
  recordRun(entry: LedgerEntry): Promise<void>;
  /** Ledger rows, oldest first. */
  listRuns(filter: LedgerFilter): Promise<LedgerEntry[]>;
  /** Dollars spent by the rows the filter selects. */
  spentUsd(filter: LedgerFilter): Promise<number>;
  pullRequestSettings(ref: PullRequestRef): Promise<PullRequestSettings>;
  setPaused(ref: PullRequestRef, paused: boolean): Promise<void>;
  /** The last head reviewed on the pull request; undefined when none was recorded here. */
  lastReviewed(ref: PullRequestRef): Promise<ReviewedMark | undefined>;
  recordReviewed(ref: PullRequestRef, mark: ReviewedMark): Promise<void>;
  /**
   * Whether the app may answer `user` with a refusal on this pull request now: true at most once per
   * `windowMs` per user and pull request (the claim is recorded when true).
   */
  claimRefusal(params: PullRequestRef & { user: string; windowMs: number }): Promise<boolean>;
  /** Records `event`; false when one with the same pull request, key and kind was recorded before. */
  recordThreadEvent(event: ThreadEvent): Promise<boolean>;
  /** Thread events, oldest first; `since`/`until` apply to `at`, `installationId` and `repo`/`pr` narrow. */
  listThreadEvents(filter: LedgerFilter): Promise<ThreadEvent[]>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  /** Forgets deliveries and finished jobs past their retention. */
  prune(): Promise<void>;
  close(): Promise<void>;
}

/** How an enqueue went: queued, the same job already waiting (or running), or it replaced a waiting older head. */
export type EnqueueResult = "queued" | "duplicate" | "replaced";

/** A job as the queue hands it out. */
export interface QueuedJob {
  id: string;
  job: Job;
  /** 1 on the first run; a job interrupted by a crash runs again with the next number. */
  attempt: number;
  /** Attempts allowed before the job is given up. */
  maxAttempts: number;
  enqueuedAt: number;
}

export interface JobHandlers {
  /** Runs a job. Throwing means "try again later" (with backoff) until its attempts run out. */
  run(queued: QueuedJob): Promise<void>;
  /** The job failed on its last attempt (or crashed the process too often): tell someone, once. Never throws. */
  giveUp(queued: QueuedJob, reason: string): Promise<void>;
}

export interface QueueStats {
  waiting: number;
  running: number;
  /** Age of the oldest job due to run, in milliseconds; 0 when none waits. */
  oldestWaitingMs: number;
}

/**
 * The durable job queue. A job is written before `enqueue` resolves (so before the webhook is answered) and
 * survives a crash: on start, unfinished jobs run again. Per pull request one review runs at a time; an
 * automatic review waiting for an older head is replaced by the newest; the same command of the same user waits
 * once. `/review` comments go through a lane of their own.
 */
export interface JobQueue {
  enqueue(job: Job, options?: { delayMs?: number }): Promise<EnqueueResult>;
  start(handlers: JobHandlers): Promise<void>;
  /** Waits until no job runs and none is due (or `timeoutMs`); returns the pull requests still busy. */
  drain(timeoutMs: number): Promise<string[]>;
  /** Starts no more jobs; waits for running ones up to `timeoutMs`; returns the pull requests still running. */
  stop(timeoutMs: number): Promise<string[]>;
  stats(): Promise<QueueStats>;
}
