import pg from "pg";
import { type Job as BossJob, PgBoss } from "pg-boss";
import { headOf, type Job, jobSchema, placeOf, prKeyOf } from "../../jobs/job.js";
import { createSlots } from "../../runtime/create-slots.js";
import { FINISHED_JOB_RETENTION_MS, MAX_JOB_ATTEMPTS, MAX_WAITING_COMMANDS_PER_USER } from "../retention.js";
import type { EnqueueResult, JobHandlers, JobQueue, QueuedJob } from "../types.js";

export interface PgBossQueueOptions {
  connectionString: string;
  reviewConcurrency: number;
  commandConcurrency?: number;
  maxAttempts?: number;
  /** Seconds without a heartbeat after which a running job counts as lost (its replica died) and runs again. */
  heartbeatSeconds?: number;
  /** Seconds between polls for new jobs. */
  pollingIntervalSeconds?: number;
  /** First wait before a failed job runs again (pg-boss doubles it, up to an hour). */
  retryDelaySeconds?: number;
  now?: () => number;
}

export const REVIEW_QUEUE = "deepseek-review-reviews";
export const COMMAND_QUEUE = "deepseek-review-commands";
/** A review may run this long before pg-boss counts it as lost; far above any review (heartbeats prove life). */
const EXPIRE_SECONDS = 3_600;

/** The queue, and the pruning of its finished jobs (the store's `prune`). */
export type PgBossQueue = JobQueue & { pruneFinished(): Promise<void> };

/**
 * The shared queue of several replicas, on pg-boss. One review of a pull request at a time across every replica:
 * a pg-boss group per pull request (group concurrency 1) keeps most of a pull request's jobs apart, but two workers
 * fetching at the same moment can each claim one of its jobs (pg-boss checks the group in the claiming statement),
 * so a review also holds a PostgreSQL advisory lock on its pull request while it runs — the second waits for the
 * first, and a dead replica's lock goes with its connection. A waiting automatic review takes the newest head (an
 * upsert on its key); a replica that dies stops sending heartbeats and its jobs run again elsewhere.
 */
export async function createPgBossQueue(options: PgBossQueueOptions): Promise<PgBossQueue> {
  const maxAttempts = options.maxAttempts ?? MAX_JOB_ATTEMPTS;
  const commandConcurrency = options.commandConcurrency ?? 2;
  const heartbeatSeconds = options.heartbeatSeconds ?? 30;
  const boss = new PgBoss({
    connectionString: options.connectionString,
    max: 5,
    application_name: "deepseek-review",
    // Lost heartbeats are looked for at half the heartbeat's interval, so a dead replica's job runs again soon.
    superviseIntervalSeconds: Math.max(5, Math.floor(heartbeatSeconds / 2)),
    monitorIntervalSeconds: Math.max(5, Math.floor(heartbeatSeconds / 2)),
  });
  boss.on("error", () => undefined);
  await boss.start();
  const queueOptions = {
    retryLimit: maxAttempts - 1,
    retryDelay: options.retryDelaySeconds ?? 30,
    retryBackoff: true,
    retryDelayMax: 3_600,
    expireInSeconds: EXPIRE_SECONDS,
    heartbeatSeconds,
  };
  for (const name of [REVIEW_QUEUE, COMMAND_QUEUE]) {
    if ((await boss.getQueue(name)) === null) {
      await boss.createQueue(name, queueOptions).catch(async (error: unknown) => {
        // Another replica created it first.
        if ((await boss.getQueue(name)) === null) throw error;
      });
    }
  }
  const slots = { review: createSlots(options.reviewConcurrency), command: createSlots(commandConcurrency) };
  const running = new Map<string, string>();
  let handlers: JobHandlers | undefined;
  let stopped = false;

  const toQueued = (job: BossJob<Job>): QueuedJob => ({
    id: job.id,
    job: job.data,
    attempt: job.retryCount + 1,
    maxAttempts,
    enqueuedAt: Date.now(),
  });

  const work = (lane: "review" | "command") => async (jobs: BossJob<Job>[]) => {
    for (const job of jobs) {
      const parsed = jobSchema.safeParse(job.data);
      if (!parsed.success) throw new Error("the stored job is not a job this version of the app can read");
      const queued = { ...toQueued(job), job: parsed.data };
      const prKey = prKeyOf(parsed.data);
      running.set(job.id, prKey);
      // Taken before the slot: a review waiting for another of its pull request holds no review slot.
      const unlock = lane === "review" ? await lockPullRequest(options.connectionString, prKey) : undefined;
      try {
        await slots[lane].run(() => (handlers as JobHandlers).run(queued));
      } catch (error) {
        if (queued.attempt >= maxAttempts) await handlers?.giveUp(queued, describe(error));
        throw error;
      } finally {
        running.delete(job.id);
        await unlock?.();
      }
    }
  };

  /** Live counts (the queue's own counters are a cache refreshed by maintenance). */
  const count = async (name: string) => {
    const jobs = await boss.findJobs<Job>(name, { limit: 10_000 });
    const at = Date.now();
    const queued = jobs.filter((one) => one.state === "created" || one.state === "retry");
    return {
      ready: queued.filter((one) => one.startAfter.getTime() <= at).length,
      active: jobs.filter((one) => one.state === "active").length,
      queued: queued.length,
      oldest: Math.min(
        at,
        ...queued.filter((one) => one.startAfter.getTime() <= at).map((one) => one.createdOn.getTime()),
      ),
    };
  };

  return {
    async enqueue(job, enqueueOptions = {}) {
      const startAfter = Math.ceil((enqueueOptions.delayMs ?? 0) / 1000);
      const prKey = prKeyOf(job);
      const place = placeOf(job);
      const singletonKey = `${prKey}|${place}`;
      // Answers to people share the command lane and its bound of waiting jobs per user.
      if (job.type !== "review") {
        if ((await boss.findJobs(COMMAND_QUEUE, { key: singletonKey, limit: 1 })).length > 0)
          return "duplicate";
        const waiting = await boss.findJobs(COMMAND_QUEUE, {
          data: { owner: job.owner, repo: job.repo, number: job.number, user: job.user },
          queued: true,
          limit: MAX_WAITING_COMMANDS_PER_USER,
        });
        if (waiting.length >= MAX_WAITING_COMMANDS_PER_USER) return "duplicate";
        await boss.send(COMMAND_QUEUE, job, { singletonKey, startAfter });
        return "queued";
      }
      const existing = await boss.findJobs<Job>(REVIEW_QUEUE, { key: singletonKey, limit: 50 });
      const head = headOf(job);
      const same = existing.some(
        (one) => ["created", "retry", "active"].includes(one.state) && headOf(one.data) === head,
      );
      if (same) return "duplicate";
      if (place !== "auto" && existing.some((one) => ["created", "retry"].includes(one.state)))
        return "duplicate";
      const result = await boss.upsert(REVIEW_QUEUE, job, { singletonKey, group: { id: prKey }, startAfter });
      return result.inserted > 0 ? "queued" : "replaced";
    },
    async start(given) {
      handlers = given;
      stopped = false;
      const polling = { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 };
      // Twice the slots: a job waiting for GitHub's write budget gives its slot to another without holding up pg-boss.
      await boss.work(
        REVIEW_QUEUE,
        { ...polling, localConcurrency: options.reviewConcurrency * 2, groupConcurrency: 1 },
        work("review"),
      );
      await boss.work(COMMAND_QUEUE, { ...polling, localConcurrency: commandConcurrency }, work("command"));
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [reviews, commands] = await Promise.all([count(REVIEW_QUEUE), count(COMMAND_QUEUE)]);
        const busy = reviews.ready + reviews.active + commands.ready + commands.active + running.size;
        if (busy === 0 || Date.now() >= deadline) break;
        await sleep(100);
      }
      return [...new Set(running.values())].sort();
    },
    async stop(timeoutMs) {
      if (!stopped) {
        stopped = true;
        await Promise.race([
          Promise.all([
            boss.offWork(REVIEW_QUEUE, { wait: true }),
            boss.offWork(COMMAND_QUEUE, { wait: true }),
          ]),
          sleep(timeoutMs),
        ]);
      }
      const unfinished = [...new Set(running.values())].sort();
      await boss.stop({ graceful: false, close: true, timeout: 1_000 }).catch(() => undefined);
      return unfinished;
    },
    async pruneFinished() {
      // pg-boss deletes finished jobs on its own schedule (daily maintenance, its own retention); this keeps them
      // exactly as long as the SQLite store does. pg-boss stamps jobs with the database's clock, so that is the
      // clock compared with.
      await boss.getDb().executeSql(
        `DELETE FROM pgboss.job WHERE name = ANY($1) AND state IN ('completed', 'failed', 'cancelled')
           AND completed_on < now() - $2 * interval '1 millisecond'`,
        [[REVIEW_QUEUE, COMMAND_QUEUE], FINISHED_JOB_RETENTION_MS],
      );
    },
    async stats() {
      const [reviews, commands] = await Promise.all([count(REVIEW_QUEUE), count(COMMAND_QUEUE)]);
      const oldest = Math.min(reviews.oldest, commands.oldest);
      return {
        waiting: reviews.queued + commands.queued,
        running: running.size,
        oldestWaitingMs: Date.now() - oldest,
      };
    },
  };
}

/**
 * Waits for the pull request's advisory lock on a connection of its own (session-level, so it is released when the
 * job ends or the replica's connection dies) and returns its release.
 */
async function lockPullRequest(connectionString: string, prKey: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString, application_name: "deepseek-review-lock" });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [`deepseek-review:${prKey}`]);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return async () => {
    // Ending the session releases the lock, whether or not the unlock below arrives.
    await client
      .query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`deepseek-review:${prKey}`])
      .catch(() => undefined);
    await client.end().catch(() => undefined);
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split("\n", 1)[0] ?? ""}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export type { EnqueueResult };
