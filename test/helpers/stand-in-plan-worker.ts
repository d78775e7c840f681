/**
 * A planning worker for the pool's tests: answers at once with an empty plan naming the request's title, except
 * for the title "spin", which never answers (a busy loop, like a plan stuck in hostile input), and "crash", which
 * throws out of the worker. Says it is ready at once, as the real worker does once it has loaded what it needs.
 */
import { parentPort } from "node:worker_threads";
import type { ChunkPlanRequest } from "../../src/review/plan-chunks.js";

parentPort?.postMessage({ ready: true });

parentPort?.on("message", (message: { request: ChunkPlanRequest }) => {
  const title = message.request.pr.title;
  if (title === "spin") for (;;);
  if (title === "crash") throw new Error("stand-in worker crashed");
  parentPort?.postMessage({
    plan: {
      skipped: [],
      parseErrors: [],
      diffs: [],
      inScope: [],
      kept: [],
      overBudget: [],
      lanes: [],
      pr: { title, body: `planned by thread ${process.pid}` },
    },
  });
});
