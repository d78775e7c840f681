import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ChunkPlan, ChunkPlanRequest, PlanChunks } from "../review/plan-chunks.js";
import type { SyntaxTaskMessage, SyntaxTasks } from "../review/syntax-tasks.js";
import { PlanTimeoutError } from "./plan-timeout-error.js";

/** Worker threads planning at once; more plans wait in a queue. */
export const DEFAULT_PLAN_WORKERS = 2;
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
}

/**
 * Planning reads the pull request's content (globs, masking, DeepSeek's tokenizer over the diff): seconds of CPU for
 * a large pull request, during which a process doing it on its main thread answers no webhook. This runs plans on a
 * small pool of worker threads, each started on first use. A plan that runs past the time limit rejects with
 * `PlanTimeoutError` and its worker is stopped and replaced, so a hostile pull request costs only its own review and
 * at most one worker's time; other plans go on in the other workers or wait in the queue.
 */
export function createWorkerPlanner(
  options: WorkerPlannerOptions = {},
): PlanChunks & { syntax: SyntaxTasks; close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PLAN_TIMEOUT_MS;
  const slots: Slot[] = Array.from({ length: Math.max(1, options.workers ?? DEFAULT_PLAN_WORKERS) }, () => ({
    worker: undefined,
    job: undefined,
    timer: undefined,
  }));
  const queue: Job[] = [];
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
  };
  /** Stops a slot's worker (its plan failed or ran out of time); the slot starts a fresh one for its next plan. */
  const replace = (slot: Slot) => {
    const worker = slot.worker;
    slot.worker = undefined;
    void worker?.terminate();
  };
  const start = (slot: Slot): Worker => {
    const worker = new Worker(
      options.workerUrl ?? workerFile(),
      options.execArgv === undefined ? {} : { execArgv: options.execArgv },
    );
    worker.unref();
    worker.on("message", (message: { plan?: ChunkPlan; result?: unknown; error?: string }) => {
      if (slot.worker !== worker) return;
      if (message.plan !== undefined) finish(slot, { value: message.plan });
      else if (message.result !== undefined) finish(slot, { value: message.result });
      else finish(slot, { error: new Error(`Chunk planning failed: ${message.error ?? "unknown error"}`) });
    });
    // Only the slot's current worker may fail its plan: an old one exiting late must not touch its successor's.
    worker.on("error", (error) => {
      if (slot.worker !== worker) return;
      replace(slot);
      finish(slot, { error });
    });
    worker.on("exit", (code) => {
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
      slot.worker ??= start(slot);
      slot.timer = setTimeout(() => {
        replace(slot);
        finish(slot, { error: new PlanTimeoutError(timeoutMs) });
      }, timeoutMs);
      try {
        slot.worker.postMessage(job.message);
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
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error("The chunk planner is closed"));
      await Promise.all(
        slots.map(async (slot) => {
          clearTimeout(slot.timer);
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
