import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ChunkPlan, ChunkPlanRequest, PlanChunks } from "../review/plan-chunks.js";
import type { SyntaxTaskMessage, SyntaxTasks } from "../review/syntax-tasks.js";
import { PlanTimeoutError } from "./plan-timeout-error.js";

/** Worker threads planning at once; more plans wait in a queue. */
export const DEFAULT_PLAN_WORKERS = 2;
/**
 * How long a worker beyond the first may stay idle before it is stopped. Each worker holds its own copy of
 * DeepSeek's tokenizer (about 100 MB resident): the first is always warm, the others run only while plans overlap
 * (a burst, or a plan stuck until its time limit), so a process reviewing one pull request at a time holds one.
 */
export const EXTRA_WORKER_IDLE_MS = 30_000;
/**
 * The young generation of a planning worker, in MB. Planning makes many short-lived strings; V8's default lets
 * a thread's young generation grow to about 50 MB, which a worker then keeps resident. 8 MB costs more frequent
 * scavenges (measured in bench/RESULTS.md) and keeps the worker's resident memory near what it holds.
 */
const PLAN_WORKER_YOUNG_GENERATION_MB = 8;
/** How long one pull request's plan may take before its worker is stopped. */
export const DEFAULT_PLAN_TIMEOUT_MS = 60_000;

interface Job {
  /** A plan request, or a parsing task (context, suggestions). */
  message: { request: ChunkPlanRequest } | SyntaxTaskMessage;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | undefined;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Settles when the slot's current worker has loaded everything a plan needs (see plan-chunks-worker.ts). */
  ready: Promise<void> | undefined;
  /** Stops an idle worker beyond the first. */
  idle: NodeJS.Timeout | undefined;
}

/** What a worker says: it is ready (or its warm-up failed), or the answer to its plan. */
type WorkerMessage =
  | { ready: boolean; error?: string }
  | { plan?: ChunkPlan; result?: unknown; error?: string };

/** The pool's threads, for operations and tests. */
export interface PlannerStats {
  /** Worker threads started so far (a stopped worker's replacement counts again). */
  started: number;
  /** Workers that said they are ready. */
  ready: number;
  /** Worker threads running now. */
  running: number;
}

export interface WorkerPlannerOptions {
  /** How many plans run at once, each on its own worker thread (default `DEFAULT_PLAN_WORKERS`). */
  workers?: number;
  /** The time limit of one plan, from when a worker starts it (default `DEFAULT_PLAN_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Node options of the workers, e.g. a TypeScript loader in tests. */
  execArgv?: string[];
  /** The worker's script; default plan-chunks-worker next to this file (tests use stand-ins). */
  workerUrl?: URL;
  /** How long a worker beyond the first may stay idle (default `EXTRA_WORKER_IDLE_MS`). */
  idleMs?: number;
}

/**
 * Planning reads the pull request's content (globs, masking, DeepSeek's tokenizer over the diff): seconds of CPU for
 * a large pull request, during which a process doing it on its main thread answers no webhook. This runs plans on a
 * small pool of worker threads. `warm()` starts the first and waits until it has loaded the tokenizer and the
 * secret rules, so the first pull request is planned as fast as the hundredth; it stays, and is replaced at once
 * when stopped. The others start when a plan would otherwise wait, and stop after `idleMs` without work. A plan that
 * runs past the time limit rejects with
 * `PlanTimeoutError` and its worker is stopped and replaced, so a hostile pull request costs only its own review and
 * at most one worker's time; other plans go on in the other workers or wait in the queue.
 */
export function createWorkerPlanner(options: WorkerPlannerOptions = {}): PlanChunks & {
  syntax: SyntaxTasks;
  warm(): Promise<void>;
  stats(): PlannerStats;
  close(): Promise<void>;
} {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PLAN_TIMEOUT_MS;
  const idleMs = options.idleMs ?? EXTRA_WORKER_IDLE_MS;
  const slots: Slot[] = Array.from({ length: Math.max(1, options.workers ?? DEFAULT_PLAN_WORKERS) }, () => ({
    worker: undefined,
    job: undefined,
    timer: undefined,
    ready: undefined,
    idle: undefined,
  }));
  const [first] = slots as [Slot, ...Slot[]];
  const queue: Job[] = [];
  const stats = { started: 0, ready: 0 };
  let closed = false;

  const finish = (slot: Slot, outcome: { value: unknown } | { error: Error }) => {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    if (job !== undefined) {
      if ("value" in outcome) (job.resolve as (value: unknown) => void)(outcome.value);
      else job.reject(outcome.error);
    }
    dispatch();
    if (slot !== first && slot.job === undefined && slot.worker !== undefined) {
      clearTimeout(slot.idle);
      slot.idle = setTimeout(() => stop(slot), idleMs);
      slot.idle.unref();
    }
  };
  /** Stops a slot's worker; its next plan starts another. */
  const stop = (slot: Slot) => {
    clearTimeout(slot.idle);
    slot.idle = undefined;
    const worker = slot.worker;
    slot.worker = undefined;
    void worker?.terminate();
  };
  /**
   * Stops a slot's worker (its plan failed or ran out of time). The first slot's successor starts at once, so that
   * it warms up before the next plan rather than during it.
   */
  const replace = (slot: Slot) => {
    stop(slot);
    if (!closed && slot === first) start(slot);
  };
  const start = (slot: Slot): Worker => {
    const worker = new Worker(options.workerUrl ?? workerFile(), {
      ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
      resourceLimits: { maxYoungGenerationSizeMb: PLAN_WORKER_YOUNG_GENERATION_MB },
    });
    worker.unref();
    stats.started += 1;
    slot.worker = worker;
    let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
    slot.ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Nobody may be waiting for this worker's warm-up: its failure then surfaces on its first plan.
    slot.ready.catch(() => undefined);
    worker.on("message", (message: WorkerMessage) => {
      if (slot.worker !== worker) return;
      if ("ready" in message) {
        if (message.ready) {
          stats.ready += 1;
          settle?.resolve();
        } else
          settle?.reject(new Error(`Chunk planning worker failed to warm up: ${message.error ?? "unknown"}`));
        return;
      }
      if ("plan" in message && message.plan !== undefined) finish(slot, { value: message.plan });
      else if ("result" in message && message.result !== undefined) finish(slot, { value: message.result });
      else finish(slot, { error: new Error(`Chunk planning failed: ${message.error ?? "unknown error"}`) });
    });
    // Only the slot's current worker may fail its plan: an old one exiting late must not touch its successor's.
    worker.on("error", (error) => {
      if (slot.worker !== worker) return;
      replace(slot);
      finish(slot, { error });
    });
    worker.on("exit", (code) => {
      settle?.reject(new Error(`The chunk planning worker exited (code ${code})`));
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (slot.job !== undefined)
        finish(slot, { error: new Error(`The chunk planning worker exited (code ${code})`) });
    });
    return worker;
  };
  const dispatch = () => {
    for (const slot of slots) {
      if (closed || queue.length === 0) return;
      if (slot.job !== undefined) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      clearTimeout(slot.idle);
      const worker = slot.worker ?? start(slot);
      slot.timer = setTimeout(() => {
        replace(slot);
        finish(slot, { error: new PlanTimeoutError(timeoutMs) });
      }, timeoutMs);
      try {
        worker.postMessage(job.message);
      } catch (error) {
        // A request that cannot be copied to the worker (not plain data) fails alone.
        finish(slot, { error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  };

  const run = <T>(message: Job["message"]) =>
    new Promise<T>((resolve, reject) => {
      if (closed) {
        reject(new Error("The chunk planner is closed"));
        return;
      }
      queue.push({ message, resolve, reject });
      dispatch();
    });
  const plan: PlanChunks = (request) => run<ChunkPlan>({ request });
  // Parsing for context and suggestions shares the pool, its queue and its time limit with planning.
  const syntax: SyntaxTasks = {
    extractContext: (request) => run({ task: "context", request }),
    checkSuggestions: (request) => run({ task: "suggestions", request }),
  };
  return Object.assign(plan, {
    syntax,
    /** Starts the first worker unless it runs, and resolves once it is ready; rejects if it fails to warm up. */
    async warm() {
      if (closed) throw new Error("The chunk planner is closed");
      if (first.worker === undefined) start(first);
      await first.ready;
    },
    stats: (): PlannerStats => ({
      ...stats,
      running: slots.filter((slot) => slot.worker !== undefined).length,
    }),
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error("The chunk planner is closed"));
      await Promise.all(
        slots.map(async (slot) => {
          clearTimeout(slot.timer);
          clearTimeout(slot.idle);
          const worker = slot.worker;
          slot.worker = undefined;
          slot.job?.reject(new Error("The chunk planner is closed"));
          slot.job = undefined;
          await worker?.terminate();
        }),
      );
    },
  });
}

/** The compiled worker next to this file, or its TypeScript source when running from source (tsx). */
function workerFile(): URL {
  const compiled = new URL("./plan-chunks-worker.js", import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL("./plan-chunks-worker.ts", import.meta.url);
}
