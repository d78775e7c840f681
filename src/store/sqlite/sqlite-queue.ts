import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { headOf, type Job, jobSchema, placeOf, prKeyOf } from "../../jobs/job.js";
import { createSlots, type Slots } from "../../runtime/create-slots.js";
import { MAX_JOB_ATTEMPTS, MAX_WAITING_COMMANDS_PER_USER, retryDelayMs } from "../retention.js";
import type { EnqueueResult, JobHandlers, JobQueue, QueuedJob } from "../types.js";

export interface SqliteQueueOptions {
  /** Reviews run at once across pull requests. */
  reviewConcurrency: number;
  /** `/review` comments checked and answered at once. Default 2. */
  commandConcurrency?: number;
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
  now?: () => number;
}

type Lane = "command" | "review";

interface JobRow {
  id: string;
  lane: Lane;
  pr_key: string;
  payload: string;
  attempts: number;
  created_at: number;
}

/** The embedded durable queue: one table in the SQLite store, one process working it. */
export function createSqliteQueue(db: DatabaseSync, options: SqliteQueueOptions): JobQueue {
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? MAX_JOB_ATTEMPTS;
  const delay = options.retryDelayMs ?? retryDelayMs;
  const slots: Record<Lane, Slots> = {
    review: createSlots(options.reviewConcurrency),
    command: createSlots(options.commandConcurrency ?? 2),
  };
  const sizes: Record<Lane, number> = {
    review: options.reviewConcurrency,
    command: options.commandConcurrency ?? 2,
  };
  const running = new Map<string, { prKey: string; lane: Lane; done: Promise<void> }>();
  const changes = createChangeSignal();
  let handlers: JobHandlers | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const transaction = <T>(work: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };

  const runningPrs = (): string[] =>
    [...running.values()].filter((one) => one.lane === "review").map((one) => one.prKey);

  const nextDue = (lane: Lane): JobRow | undefined =>
    db
      .prepare(
        `SELECT id, lane, pr_key, payload, attempts, created_at FROM jobs
         WHERE state = 'waiting' AND lane = $lane AND run_after <= $now
           AND pr_key NOT IN (SELECT value FROM json_each($busy))
         ORDER BY CASE WHEN place LIKE 'command:%' THEN 0 ELSE 1 END, run_after, created_at
         LIMIT 1`,
      )
      .get({ lane, now: now(), busy: JSON.stringify(lane === "review" ? runningPrs() : []) }) as
      | JobRow
      | undefined;

  const finish = async (queued: QueuedJob, error: unknown): Promise<void> => {
    if (error === undefined) {
      db.prepare("UPDATE jobs SET state = 'done', updated_at = $at, error = NULL WHERE id = $id").run({
        id: queued.id,
        at: now(),
      });
      return;
    }
    const reason = describe(error);
    if (queued.attempt < queued.maxAttempts) {
      db.prepare(
        "UPDATE jobs SET state = 'waiting', run_after = $after, updated_at = $at, error = $error WHERE id = $id",
      ).run({ id: queued.id, after: now() + delay(queued.attempt), at: now(), error: reason });
      return;
    }
    db.prepare("UPDATE jobs SET state = 'failed', updated_at = $at, error = $error WHERE id = $id").run({
      id: queued.id,
      at: now(),
      error: reason,
    });
    await handlers?.giveUp(queued, reason);
  };

  const start = (row: JobRow): void => {
    const claimed = db
      .prepare(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = $at WHERE id = $id AND state = 'waiting'",
      )
      .run({ id: row.id, at: now() });
    if (Number(claimed.changes) !== 1) return;
    const parsed = jobSchema.safeParse(JSON.parse(row.payload));
    const queued: QueuedJob = {
      id: row.id,
      job: parsed.success ? parsed.data : (undefined as unknown as Job),
      attempt: Number(row.attempts) + 1,
      maxAttempts: parsed.success ? maxAttempts : 1,
      enqueuedAt: Number(row.created_at),
    };
    const work = async () => {
      if (!parsed.success) throw new Error("the stored job is not a job this version of the app can read");
      await (handlers as JobHandlers).run(queued);
    };
    const done = slots[row.lane]
      .run(work)
      .then(
        () => finish(queued, undefined),
        (error: unknown) => finish(queued, error),
      )
      .catch(() => undefined)
      .finally(() => {
        running.delete(row.id);
        changes.notify();
        pump();
      });
    running.set(row.id, { prKey: row.pr_key, lane: row.lane, done });
  };

  const pump = (): void => {
    // Also run after the caller's turn: the store may have been closed meanwhile.
    if (handlers === undefined || stopped || !db.isOpen) return;
    for (const lane of ["command", "review"] as const) {
      while (slots[lane].busy + slots[lane].waiting < sizes[lane]) {
        const row = nextDue(lane);
        if (row === undefined) break;
        start(row);
      }
    }
    scheduleTimer();
  };

  const scheduleTimer = (): void => {
    clearTimeout(timer);
    const row = db.prepare("SELECT MIN(run_after) AS at FROM jobs WHERE state = 'waiting'").get() as {
      at: number | null;
    };
    if (row.at === null || stopped) return;
    timer = setTimeout(pump, Math.max(0, Number(row.at) - now()) + 5);
    timer.unref();
  };

  for (const lane of ["command", "review"] as const) slots[lane].onFree(() => queueMicrotask(pump));

  const dueCount = (): number =>
    Number(
      (
        db
          .prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'waiting' AND run_after <= $now")
          .get({ now: now() }) as { n: number }
      ).n,
    );

  return {
    async enqueue(job, enqueueOptions = {}) {
      const result = transaction(() => admit(db, job, { now: now(), delayMs: enqueueOptions.delayMs ?? 0 }));
      // Started after the caller's turn (a webhook is answered first), not in its microtasks.
      if (result !== "duplicate") setImmediate(pump);
      return result;
    },
    async start(given) {
      handlers = given;
      stopped = false;
      // Jobs that were running when the process died run again; one that keeps killing the process is given up.
      const interrupted = db
        .prepare("SELECT id, lane, pr_key, payload, attempts, created_at FROM jobs WHERE state = 'running'")
        .all() as unknown as JobRow[];
      for (const row of interrupted) {
        if (Number(row.attempts) >= maxAttempts) {
          db.prepare("UPDATE jobs SET state = 'failed', updated_at = $at, error = $error WHERE id = $id").run(
            {
              id: row.id,
              at: now(),
              error: "interrupted on every attempt",
            },
          );
          const parsed = jobSchema.safeParse(JSON.parse(row.payload));
          if (parsed.success) {
            await given.giveUp(
              {
                id: row.id,
                job: parsed.data,
                attempt: Number(row.attempts),
                maxAttempts,
                enqueuedAt: Number(row.created_at),
              },
              "the review was interrupted on every attempt",
            );
          }
          continue;
        }
        db.prepare("UPDATE jobs SET state = 'waiting', run_after = $at, updated_at = $at WHERE id = $id").run(
          {
            id: row.id,
            at: now(),
          },
        );
      }
      pump();
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && (running.size > 0 || (!stopped && dueCount() > 0))) {
        await Promise.race([changes.next(), sleep(Math.min(50, Math.max(1, deadline - Date.now())))]);
      }
      const busy = new Set([...running.values()].map((one) => one.prKey));
      if (!stopped) {
        const due = db
          .prepare("SELECT DISTINCT pr_key FROM jobs WHERE state = 'waiting' AND run_after <= $now")
          .all({ now: now() }) as { pr_key: string }[];
        for (const row of due) busy.add(row.pr_key);
      }
      return [...busy].sort();
    },
    async stop(timeoutMs) {
      stopped = true;
      clearTimeout(timer);
      const deadline = Date.now() + timeoutMs;
      while (running.size > 0 && Date.now() < deadline) {
        await Promise.race([changes.next(), sleep(Math.min(50, Math.max(1, deadline - Date.now())))]);
      }
      return [...new Set([...running.values()].map((one) => one.prKey))].sort();
    },
    async stats() {
      const row = db
        .prepare(
          "SELECT COUNT(*) AS waiting, MIN(CASE WHEN run_after <= $now THEN created_at END) AS oldest FROM jobs WHERE state = 'waiting'",
        )
        .get({ now: now() }) as { waiting: number; oldest: number | null };
      return {
        waiting: Number(row.waiting),
        running: running.size,
        oldestWaitingMs: row.oldest === null ? 0 : Math.max(0, now() - Number(row.oldest)),
      };
    },
  };
}

/** Writes the job unless it is a duplicate; an automatic review of a newer head takes the waiting one's place. */
function admit(db: DatabaseSync, job: Job, params: { now: number; delayMs: number }): EnqueueResult {
  const prKey = prKeyOf(job);
  const place = placeOf(job);
  const head = headOf(job) ?? null;
  // Answers to people share the command lane and its bound of waiting jobs per user.
  const actor = job.type === "review" ? null : job.user.toLowerCase();
  const lane: Lane = job.type === "review" ? "review" : "command";
  if (lane === "command") {
    const seen = db
      .prepare("SELECT 1 FROM jobs WHERE pr_key = $pr AND place = $place")
      .get({ pr: prKey, place });
    if (seen !== undefined) return "duplicate";
    const waiting = db
      .prepare(
        "SELECT COUNT(*) AS n FROM jobs WHERE lane = 'command' AND pr_key = $pr AND actor = $actor AND state = 'waiting'",
      )
      .get({ pr: prKey, actor }) as { n: number };
    if (Number(waiting.n) >= MAX_WAITING_COMMANDS_PER_USER) return "duplicate";
  } else {
    const waiting = db
      .prepare("SELECT id, head FROM jobs WHERE pr_key = $pr AND place = $place AND state = 'waiting'")
      .get({ pr: prKey, place }) as { id: string; head: string | null } | undefined;
    if (waiting !== undefined) {
      if (place !== "auto" || waiting.head === head) return "duplicate";
      db.prepare("UPDATE jobs SET payload = $payload, head = $head, updated_at = $at WHERE id = $id").run({
        id: waiting.id,
        payload: JSON.stringify(job),
        head,
        at: params.now,
      });
      return "replaced";
    }
    if (place === "auto") {
      const runningSame = db
        .prepare(
          "SELECT 1 FROM jobs WHERE pr_key = $pr AND place = 'auto' AND state = 'running' AND head = $head",
        )
        .get({ pr: prKey, head });
      if (runningSame !== undefined) return "duplicate";
    }
  }
  db.prepare(
    `INSERT INTO jobs (id, lane, pr_key, place, head, actor, payload, state, attempts, run_after, created_at, updated_at)
     VALUES ($id, $lane, $pr, $place, $head, $actor, $payload, 'waiting', 0, $after, $at, $at)`,
  ).run({
    id: randomUUID(),
    lane,
    pr: prKey,
    place,
    head,
    actor,
    payload: JSON.stringify(job),
    after: params.now + params.delayMs,
    at: params.now,
  });
  return "queued";
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split("\n", 1)[0] ?? ""}`.slice(0, 500);
  return String(error).slice(0, 500);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A promise per change: `next()` resolves at the following `notify()`. */
function createChangeSignal(): { next: () => Promise<void>; notify: () => void } {
  let resolveCurrent: () => void = () => {};
  let current = new Promise<void>((resolve) => {
    resolveCurrent = resolve;
  });
  return {
    next: () => current,
    notify() {
      const resolve = resolveCurrent;
      current = new Promise<void>((next) => {
        resolveCurrent = next;
      });
      resolve();
    },
  };
}
