import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ChunkPlan, ChunkPlanRequest, PlanChunks } from "../review/plan-chunks.js";

type Pending = { resolve: (plan: ChunkPlan) => void; reject: (error: Error) => void };

/**
 * Budgeting and chunking run DeepSeek's tokenizer over the whole diff: about 10 s of CPU for a 1.6 MB pull
 * request, during which a process doing it on its main thread answers no webhook (GitHub gives up after 10 s).
 * This runs them on one worker thread, started on first use and started again if it dies.
 */
export function createWorkerPlanner(
  options: { execArgv?: string[] } = {},
): PlanChunks & { close(): Promise<void> } {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, Pending>();

  const failAll = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const started = new Worker(
      workerFile(),
      options.execArgv === undefined ? {} : { execArgv: options.execArgv },
    );
    started.unref();
    started.on("message", (message: { id: number; plan?: ChunkPlan; error?: string }) => {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.plan) waiter.resolve(message.plan);
      else waiter.reject(new Error(`Chunk planning failed: ${message.error ?? "unknown error"}`));
    });
    // Only the current worker may fail the waiting plans: an old one exiting late must not touch its successor's.
    started.on("error", (error) => {
      if (worker === started) failAll(error);
    });
    started.on("exit", (code) => {
      if (worker !== started) return;
      if (pending.size > 0) failAll(new Error(`The chunk planning worker exited (code ${code})`));
      worker = undefined;
    });
    return started;
  };

  const plan = (request: ChunkPlanRequest): Promise<ChunkPlan> =>
    new Promise<ChunkPlan>((resolve, reject) => {
      worker ??= start();
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, request });
    });
  return Object.assign(plan, {
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  });
}

/** The compiled worker next to this file, or its TypeScript source when running from source (tsx). */
function workerFile(): URL {
  const compiled = new URL("./plan-chunks-worker.js", import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL("./plan-chunks-worker.ts", import.meta.url);
}
