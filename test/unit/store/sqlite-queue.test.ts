import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it, vi } from "vitest";
import type { ReviewJob } from "../../../src/jobs/job.js";
import { currentSlot } from "../../../src/runtime/create-slots.js";
import {
  cacheStatements,
  openSqliteStore,
  SQLITE_FILE,
} from "../../../src/store/sqlite/open-sqlite-store.js";
import type { JobHandlers, QueuedJob, Store } from "../../../src/store/types.js";

const sha = (char: string) => char.repeat(40);

function job(number: number, head = "a"): ReviewJob {
  return {
    type: "review",
    installationId: 1,
    owner: "octo",
    repo: "hello",
    number,
    deliveryId: `d-${number}`,
    trigger: { kind: "auto", event: "pull_request.opened", headSha: sha(head) },
  };
}

function open(dataDir: string, options: { reviewConcurrency?: number; maxAttempts?: number } = {}): Store {
  return openSqliteStore({
    dataDir,
    reviewConcurrency: options.reviewConcurrency ?? 2,
    maxAttempts: options.maxAttempts ?? 3,
    retryDelayMs: () => 0,
  });
}

function newDir(): string {
  return mkdtempSync(join(tmpdir(), "deepseek-review-queue-"));
}

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("the SQLite job queue", () => {
  it("answers an enqueue before the job starts: the job is written, and started only after the caller's turn", async () => {
    const store = open(newDir());
    const events: string[] = [];
    await store.queue.start({
      async run(queued) {
        events.push(`start ${queued.job.number}`);
      },
      async giveUp() {},
    });
    const answered = store.queue.enqueue(job(1)).then((result) => {
      events.push(`answered ${result}`);
      return Promise.resolve().then(() => events.push("the caller's later microtasks"));
    });
    await answered;
    expect(events).toEqual(["answered queued", "the caller's later microtasks"]);
    expect(await store.queue.stats()).toMatchObject({ waiting: 1 });
    await vi.waitFor(() => expect(events).toContain("start 1"));
  });

  it("prepares each SQL text once and reuses the statement", () => {
    const db = cacheStatements(new DatabaseSync(":memory:"));
    db.exec("CREATE TABLE t (n INTEGER)");
    const insert = db.prepare("INSERT INTO t (n) VALUES ($n)");
    expect(db.prepare("INSERT INTO t (n) VALUES ($n)")).toBe(insert);
    insert.run({ n: 1 });
    db.prepare("INSERT INTO t (n) VALUES ($n)").run({ n: 2 });
    expect(db.prepare("SELECT SUM(n) AS total FROM t").get()).toEqual({ total: 3 });
  });

  it("runs one job of a pull request at a time while other pull requests run beside it", async () => {
    const store = open(newDir());
    const events: string[] = [];
    const gate = deferred();
    await store.queue.enqueue(job(1, "a"));
    await store.queue.start({
      async run(queued) {
        const { number } = queued.job;
        events.push(`start ${number}`);
        if (number === 1) await gate.promise;
        events.push(`end ${number}`);
      },
      async giveUp() {},
    });
    await store.queue.enqueue({
      ...job(1, "b"),
      trigger: { kind: "command", model: "default", user: "alice", commentId: 1 },
    });
    await store.queue.enqueue(job(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(["start 1", "start 2", "end 2"]);
    gate.resolve();
    expect(await store.queue.drain(5_000)).toEqual([]);
    expect(events).toEqual(["start 1", "start 2", "end 2", "end 1", "start 1", "end 1"]);
    await store.close();
  });

  it("tries a failing job again after its backoff and gives it up, once, after its last attempt", async () => {
    const store = open(newDir(), { maxAttempts: 3 });
    const attempts: number[] = [];
    const givenUp: [number, string][] = [];
    await store.queue.enqueue(job(1));
    await store.queue.start({
      async run(queued) {
        attempts.push(queued.attempt);
        throw new Error("GitHub is down\nstack");
      },
      async giveUp(queued, reason) {
        givenUp.push([queued.attempt, reason]);
      },
    });
    expect(await store.queue.drain(5_000)).toEqual([]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(givenUp).toEqual([[3, "Error: GitHub is down"]]);
    await store.close();
  });

  it("runs a job again after the process died while it ran (the file keeps it), with the next attempt number", async () => {
    const dataDir = newDir();
    const first = open(dataDir);
    await first.queue.enqueue(job(7));
    const started = deferred();
    // The first process takes the job and dies in the middle of it: its database is left as it was.
    await first.queue.start({
      async run() {
        started.resolve();
        await new Promise(() => undefined);
      },
      async giveUp() {},
    });
    await started.promise;

    const second = open(dataDir);
    const seen: QueuedJob[] = [];
    await second.queue.start({
      async run(queued) {
        seen.push(queued);
      },
      async giveUp() {},
    });
    expect(await second.queue.drain(5_000)).toEqual([]);
    expect(seen.map((queued) => [queued.job.number, queued.attempt])).toEqual([[7, 2]]);
    await second.close();
  });

  it("gives up at start a job that was running every time the process died", async () => {
    const dataDir = newDir();
    const store = open(dataDir, { maxAttempts: 2 });
    await store.queue.enqueue(job(8));
    await store.close();
    // As two crashed processes leave it: running, with both attempts used.
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
    db.prepare("UPDATE jobs SET state = 'running', attempts = 2").run();
    db.close();

    const restarted = open(dataDir, { maxAttempts: 2 });
    const ran: number[] = [];
    const givenUp: string[] = [];
    const handlers: JobHandlers = {
      async run(queued) {
        ran.push(queued.job.number);
      },
      async giveUp(_queued, reason) {
        givenUp.push(reason);
      },
    };
    await restarted.queue.start(handlers);
    expect(await restarted.queue.drain(1_000)).toEqual([]);
    expect(ran).toEqual([]);
    expect(givenUp).toEqual(["the review was interrupted on every attempt"]);
    await restarted.close();
  });

  it("keeps waiting jobs across a stop and runs them at the next start", async () => {
    const dataDir = newDir();
    const store = open(dataDir, { reviewConcurrency: 1 });
    const gate = deferred();
    const ran: number[] = [];
    await store.queue.start({
      async run(queued) {
        ran.push(queued.job.number);
        await gate.promise;
      },
      async giveUp() {},
    });
    await store.queue.enqueue(job(1));
    await store.queue.enqueue(job(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopping = store.queue.stop(5_000);
    gate.resolve();
    expect(await stopping).toEqual([]);
    expect(ran).toEqual([1]);
    await store.close();

    const next = open(dataDir);
    await next.queue.start({
      async run(queued) {
        ran.push(queued.job.number);
      },
      async giveUp() {},
    });
    expect(await next.queue.drain(5_000)).toEqual([]);
    expect(ran).toEqual([1, 2]);
    await next.close();
  });

  it("lets another review use the slot of one that waits on its installation's write budget", async () => {
    const store = open(newDir(), { reviewConcurrency: 1 });
    const budget = deferred();
    const events: string[] = [];
    await store.queue.start({
      async run(queued) {
        const { number } = queued.job;
        events.push(`start ${number}`);
        if (number === 1) await currentSlot()?.suspend(() => budget.promise);
        events.push(`end ${number}`);
      },
      async giveUp() {},
    });
    await store.queue.enqueue(job(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.queue.enqueue(job(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(["start 1", "start 2", "end 2"]);
    budget.resolve();
    expect(await store.queue.drain(5_000)).toEqual([]);
    expect(events).toEqual(["start 1", "start 2", "end 2", "end 1"]);
    await store.close();
  });
});

describe("the SQLite store's migrations", () => {
  it("builds the schema on an empty directory and upgrades a file of the previous version, keeping its jobs", async () => {
    const dataDir = newDir();
    // A file as the previous version (schema 1: the queue only) left it, with a job waiting.
    const { SQLITE_MIGRATIONS } = await import("../../../src/store/sqlite/migrations.js");
    const { migrate } = await import("../../../src/store/sqlite/open-sqlite-store.js");
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
    migrate(db, SQLITE_MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO jobs (id, lane, pr_key, place, payload, state, attempts, run_after, created_at, updated_at)
       VALUES ('old', 'review', 'octo/hello#3', 'auto', $payload, 'waiting', 0, 0, 0, 0)`,
    ).run({ payload: JSON.stringify(job(3)) });
    db.close();

    const store = open(dataDir);
    const version = new DatabaseSync(join(dataDir, SQLITE_FILE));
    expect(version.prepare("SELECT MAX(version) AS v FROM schema_migrations").get()).toEqual({
      v: SQLITE_MIGRATIONS.length,
    });
    version.close();
    await store.recordRun({
      id: "r1",
      installationId: 1,
      repo: "octo/hello",
      pr: 3,
      trigger: "auto",
      models: [],
      requests: 0,
      promptCacheHitTokens: 0,
      promptCacheMissTokens: 0,
      completionTokens: 0,
      costUsd: 0.01,
      durationMs: 1,
      findingsPosted: 0,
      findingsNotInline: 0,
      outcome: "completed",
      startedAt: 0,
      finishedAt: 1,
    });
    const ran: number[] = [];
    await store.queue.start({
      async run(queued) {
        ran.push(queued.job.number);
      },
      async giveUp() {},
    });
    expect(await store.queue.drain(5_000)).toEqual([]);
    expect(ran).toEqual([3]);
    expect(await store.spentUsd({})).toBeCloseTo(0.01, 10);
    await store.close();
  });

  it("refuses a file written by a newer version of the app", async () => {
    const dataDir = newDir();
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    db.prepare("INSERT INTO schema_migrations VALUES (99, 0)").run();
    db.close();
    expect(() => open(dataDir)).toThrow("schema version 99, newer than this app knows");
  });
});

describe("the SQLite store's retention", () => {
  it("forgets delivery ids and finished jobs past their retention, and keeps the rest", async () => {
    let now = Date.parse("2026-03-01T00:00:00Z");
    const dataDir = newDir();
    const store = openSqliteStore({ dataDir, reviewConcurrency: 1, now: () => now });
    expect(await store.firstDelivery("old")).toBe(true);
    await store.queue.enqueue(job(1));
    await store.queue.start({ async run() {}, async giveUp() {} });
    expect(await store.queue.drain(5_000)).toEqual([]);
    await store.queue.stop(1_000);
    now += 8 * 24 * 3_600_000;
    expect(await store.firstDelivery("recent")).toBe(true);
    await store.queue.enqueue(job(2, "b"));
    await store.prune();
    expect(await store.firstDelivery("old")).toBe(true);
    expect(await store.firstDelivery("recent")).toBe(false);
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
    expect(db.prepare("SELECT pr_key, state FROM jobs ORDER BY pr_key").all()).toEqual([
      { pr_key: "octo/hello#2", state: "waiting" },
    ]);
    db.close();
    await store.close();
  });
});
