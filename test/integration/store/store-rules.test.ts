import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { Job, ReviewJob } from "../../../src/jobs/job.js";
import { openPostgresStore } from "../../../src/store/postgres/open-postgres-store.js";
import { COMMAND_QUEUE, REVIEW_QUEUE } from "../../../src/store/postgres/pg-boss-queue.js";
import { DELIVERY_RETENTION_MS, FINISHED_JOB_RETENTION_MS } from "../../../src/store/retention.js";
import { openSqliteStore, SQLITE_FILE } from "../../../src/store/sqlite/open-sqlite-store.js";
import type { QueuedJob, Store } from "../../../src/store/types.js";
import { createTestDatabase } from "../../helpers/postgres.js";

/**
 * Rules of the durable queue, on both backends: retries with backoff and a single give-up, retention,
 * and one job of a pull request at a time (across replicas where the backend has replicas).
 */

const sha = (char: string) => char.repeat(40);

/** A job's state in either backend's words. */
type JobState = "waiting" | "running" | "done" | "failed";

interface StoredJob {
  pr: number;
  state: JobState;
  /** What the last failed attempt threw, in the backend's own words. */
  reason?: string;
}

interface HarnessOptions {
  maxAttempts?: number;
}

/** One fresh database of a backend, with what the tests need to look into it. */
interface Harness {
  store: Store;
  /** Another replica working the same database; undefined when the backend is worked by one process. */
  openReplica: (() => Promise<Store>) | undefined;
  /** The least wait the backend promises before attempt `attempt + 1` of a job whose attempt `attempt` threw. */
  minimumRetryDelayMs(attempt: number): number;
  /** Every job in the queue's tables, finished or not. */
  jobs(): Promise<StoredJob[]>;
  /** Moves the store's clock forward: what is in the database is `ms` older afterwards. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** SQLite's retry wait is a function; the production shape (×4 per attempt), scaled down so the test is quick. */
const sqliteRetryDelayMs = (attempt: number) => 200 * 4 ** (attempt - 1);

async function openSqlite(options: HarnessOptions): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "deepseek-review-rules-"));
  let offset = 0;
  const store = openSqliteStore({
    dataDir,
    reviewConcurrency: 2,
    maxAttempts: options.maxAttempts ?? 3,
    retryDelayMs: sqliteRetryDelayMs,
    now: () => Date.now() + offset,
  });
  return {
    store,
    // The SQLite queue keeps which pull requests run in its process's memory and, on start, takes jobs left
    // `running` as interrupted by a crash: one process works a file (several replicas need DATABASE_URL).
    openReplica: undefined,
    minimumRetryDelayMs: sqliteRetryDelayMs,
    async jobs() {
      const db = new DatabaseSync(join(dataDir, SQLITE_FILE), { readOnly: true });
      try {
        const rows = db.prepare("SELECT payload, state, error FROM jobs").all() as {
          payload: string;
          state: string;
          error: string | null;
        }[];
        return rows.map((row) => ({
          pr: (JSON.parse(row.payload) as Job).number,
          state: row.state as JobState,
          ...(row.error === null ? {} : { reason: row.error }),
        }));
      } finally {
        db.close();
      }
    },
    async advance(ms) {
      offset += ms;
    },
    async close() {
      await store.queue.stop(5_000);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** pg-boss's job states in the words of the SQLite queue. */
const PG_BOSS_STATES: Record<string, JobState> = {
  created: "waiting",
  retry: "waiting",
  active: "running",
  completed: "done",
  failed: "failed",
};

/** pg-boss's timestamps: moving the clock forward is moving all of them back. */
const PG_BOSS_TIMES = [
  "created_on",
  "start_after",
  "started_on",
  "completed_on",
  "singleton_on",
  "keep_until",
];

async function openPostgres(options: HarnessOptions): Promise<Harness> {
  const database = await createTestDatabase();
  let offset = 0;
  const storeOptions = {
    connectionString: database.url,
    reviewConcurrency: 2,
    pollingIntervalSeconds: 0.5,
    maxAttempts: options.maxAttempts ?? 3,
    // The least QUEUE_RETRY_DELAY_SECONDS accepts (pg-boss doubles it per attempt, with jitter upwards).
    retryDelaySeconds: 1,
    now: () => Date.now() + offset,
  };
  const stores = [await openPostgresStore(storeOptions)];
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    store: stores[0] as Store,
    async openReplica() {
      const replica = await openPostgresStore(storeOptions);
      stores.push(replica);
      return replica;
    },
    // pg-boss waits retryDelay × 2^attempt × (1/2 + random/2): at least retryDelay × 2^(attempt − 1).
    minimumRetryDelayMs: (attempt) => 1_000 * 2 ** (attempt - 1),
    async jobs() {
      const result = await client.query(
        `SELECT (data->>'number')::int AS pr, state::text AS state, output->>'message' AS reason
         FROM pgboss.job WHERE name = ANY($1)`,
        [[REVIEW_QUEUE, COMMAND_QUEUE]],
      );
      return result.rows.map((row: { pr: number; state: string; reason: string | null }) => ({
        pr: row.pr,
        state: PG_BOSS_STATES[row.state] ?? (row.state as JobState),
        ...(row.reason === null ? {} : { reason: row.reason }),
      }));
    },
    async advance(ms) {
      offset += ms;
      const shift = PG_BOSS_TIMES.map((column) => `${column} = ${column} - $1 * interval '1 millisecond'`);
      await client.query(`UPDATE pgboss.job SET ${shift.join(", ")}`, [ms]);
    },
    async close() {
      await client.end();
      for (const store of stores) {
        await store.queue.stop(5_000);
        await store.close();
      }
      await database.drop();
    },
  };
}

const backends: [string, (options: HarnessOptions) => Promise<Harness>][] = [
  ["SQLite", openSqlite],
  ["PostgreSQL", openPostgres],
];

function review(number: number, trigger: ReviewJob["trigger"]): ReviewJob {
  return {
    type: "review",
    installationId: 1,
    owner: "octo",
    repo: "hello",
    number,
    deliveryId: `d-${number}-${trigger.kind}`,
    trigger,
  };
}

const auto = (number: number, head = "a") =>
  review(number, { kind: "auto", event: "pull_request.synchronize", headSha: sha(head) });
const byCommand = (number: number) =>
  review(number, { kind: "command", model: "default", user: "alice", commentId: number });
const byLabel = (number: number) =>
  review(number, { kind: "label", label: "deepseek-pro", headSha: sha("a") });
const retried = (number: number) =>
  review(number, { kind: "retry", headSha: sha("a"), paths: ["src/a.ts"], round: 1 });

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

describe.each(backends)("the %s store's rules", (_name, open) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("tries a failing job again after its backoff and gives it up, once, with its reason, after its last attempt", async () => {
    harness = await open({ maxAttempts: 3 });
    const { store } = harness;
    const attempts: { attempt: number; maxAttempts: number; startedAt: number; failedAt: number }[] = [];
    const givenUp: [number, number, string][] = [];
    const others: number[] = [];
    await store.queue.enqueue(auto(1));
    await store.queue.start({
      async run(queued) {
        if (queued.job.number !== 1) {
          others.push(queued.job.number);
          return;
        }
        const startedAt = Date.now();
        await sleep(20);
        attempts.push({
          attempt: queued.attempt,
          maxAttempts: queued.maxAttempts,
          startedAt,
          failedAt: Date.now(),
        });
        throw new Error("GitHub is down\n    at a stack line");
      },
      async giveUp(queued, reason) {
        givenUp.push([queued.job.number, queued.attempt, reason]);
      },
    });

    await waitFor("the job to be given up", () => givenUp.length > 0, 20_000);
    await waitFor(
      "the job to be marked failed",
      async () => (await harness?.jobs())?.[0]?.state === "failed",
      5_000,
    );
    // Another job runs through the same workers afterwards: the queue still works and does not take the failed one.
    expect(await store.queue.enqueue(auto(2))).toBe("queued");
    await waitFor("a later job to run", () => others.length === 1, 10_000);
    expect(await store.queue.drain(10_000)).toEqual([]);

    expect(attempts.map(({ attempt, maxAttempts }) => [attempt, maxAttempts])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(givenUp).toEqual([[1, 3, "Error: GitHub is down"]]);
    for (let attempt = 1; attempt < attempts.length; attempt++) {
      const failed = attempts[attempt - 1] as { failedAt: number };
      const next = attempts[attempt] as { startedAt: number };
      // 20 ms of slack: the database's clock and the process's are read at different moments.
      expect(next.startedAt - failed.failedAt).toBeGreaterThanOrEqual(
        harness.minimumRetryDelayMs(attempt) - 20,
      );
    }
    const stored = (await harness.jobs()).sort((a, b) => a.pr - b.pr);
    expect(stored.map(({ pr, state }) => ({ pr, state }))).toEqual([
      { pr: 1, state: "failed" },
      { pr: 2, state: "done" },
    ]);
    expect(stored[0]?.reason).toContain("GitHub is down");
    expect(await store.queue.stats()).toMatchObject({ waiting: 0, running: 0 });
  }, 40_000);

  it("forgets delivery ids past their retention and keeps newer ones", async () => {
    harness = await open({});
    const { store } = harness;
    expect(await store.firstDelivery("old")).toBe(true);
    await harness.advance(DELIVERY_RETENTION_MS + 3_600_000);
    expect(await store.firstDelivery("recent")).toBe(true);

    await store.prune();

    expect(await store.firstDelivery("recent")).toBe(false);
    expect(await store.firstDelivery("old")).toBe(true);
  });

  it("forgets finished jobs past their retention and keeps newer ones and unfinished ones", async () => {
    harness = await open({ maxAttempts: 1 });
    const { store } = harness;
    // Old: a job that finished, one that failed, and one still waiting (delayed a month).
    await store.queue.enqueue(auto(1));
    await store.queue.enqueue(auto(2));
    await store.queue.enqueue(auto(3), { delayMs: 30 * 24 * 3_600_000 });
    await store.queue.start({
      async run(queued: QueuedJob) {
        if (queued.job.number === 2) throw new Error("the model is down");
      },
      async giveUp() {},
    });
    await waitFor(
      "the old jobs to finish",
      async () => (await harness?.jobs())?.filter((one) => one.state === "waiting").length === 1,
      10_000,
    );
    expect(await store.queue.drain(10_000)).toEqual([]);

    await harness.advance(FINISHED_JOB_RETENTION_MS + 3_600_000);
    // New: a job that finished an hour past the old ones' retention.
    await store.queue.enqueue(auto(4));
    await waitFor(
      "the new job to finish",
      async () => (await harness?.jobs())?.some((one) => one.pr === 4 && one.state === "done") === true,
      10_000,
    );

    await store.prune();

    const kept = (await harness.jobs()).sort((a, b) => a.pr - b.pr).map(({ pr, state }) => ({ pr, state }));
    expect(kept).toEqual([
      { pr: 3, state: "waiting" },
      { pr: 4, state: "done" },
    ]);
  }, 30_000);

  it("never runs two jobs of one pull request at once, across replicas, while other pull requests run beside them", async () => {
    harness = await open({});
    const replicas = [harness.store];
    if (harness.openReplica !== undefined) replicas.push(await harness.openReplica());
    const jobs = [auto(1), byCommand(1), byLabel(1), retried(1), auto(2), byCommand(2), auto(3)];
    for (const job of jobs) expect(await harness.store.queue.enqueue(job)).toBe("queued");

    const runs: { pr: number; kind: string; replica: number; start: number; end: number }[] = [];
    const active = new Map<number, number>();
    const overlaps: string[] = [];
    await Promise.all(
      replicas.map((replica, index) =>
        replica.queue.start({
          async run(queued) {
            const { job } = queued;
            const kind = job.type === "review" ? job.trigger.kind : job.type;
            const running = (active.get(job.number) ?? 0) + 1;
            active.set(job.number, running);
            if (running > 1) overlaps.push(`#${job.number} ${kind} started while another job of it ran`);
            const start = performance.now();
            await sleep(200);
            runs.push({ pr: job.number, kind, replica: index, start, end: performance.now() });
            active.set(job.number, (active.get(job.number) ?? 1) - 1);
          },
          async giveUp() {},
        }),
      ),
    );
    await waitFor("every job to run", () => runs.length >= jobs.length, 30_000);
    for (const replica of replicas) expect(await replica.queue.drain(10_000)).toEqual([]);

    expect(overlaps).toEqual([]);
    expect(runs.map(({ pr, kind }) => `${pr}:${kind}`).sort()).toEqual(
      jobs.map((job) => `${job.number}:${job.type === "review" ? job.trigger.kind : job.type}`).sort(),
    );
    const overlap = (a: (typeof runs)[number], b: (typeof runs)[number]) =>
      a.start < b.end && b.start < a.end;
    for (const [index, one] of runs.entries()) {
      for (const other of runs.slice(index + 1)) {
        if (one.pr === other.pr)
          expect(overlap(one, other), `${one.kind} and ${other.kind} of #${one.pr}`).toBe(false);
      }
    }
    const concurrent = runs.some((one, index) =>
      runs.slice(index + 1).some((other) => other.pr !== one.pr && overlap(one, other)),
    );
    expect(concurrent).toBe(true);
    expect((await harness.jobs()).every((one) => one.state === "done")).toBe(true);
  }, 60_000);
});
