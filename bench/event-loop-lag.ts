/**
 * What the event loop feels while a big pull request is planned (selected, masked, budgeted and chunked), on the
 * main thread and on the worker thread (as the app runs), plus how long planning takes. A section of `npm run bench`
 * (`--only lag`).
 */

import { createTokenCounter } from "../src/review/count-tokens.js";
import { type ChunkPlanRequest, planChunksInline } from "../src/review/plan-chunks.js";
import { createWorkerPlanner } from "../src/workers/create-worker-planner.js";
import type { Figure } from "./lib/figures.js";

const FILES = 10;
const LINES_PER_FILE = 3_000;

function bigRequest(): ChunkPlanRequest {
  const files = Array.from({ length: FILES }, (_, file) => {
    const lines = Array.from(
      { length: LINES_PER_FILE },
      (_, i) => `+const value${i} = compute(${i}, "text ${(i * 31 + file) % 97}") + offset${file};`,
    );
    const patch = `@@ -0,0 +1,${LINES_PER_FILE} @@\n${lines.join("\n")}`;
    return {
      path: `src/file-${file}.ts`,
      status: "added" as const,
      additions: LINES_PER_FILE,
      deletions: 0,
      changes: LINES_PER_FILE,
      patch,
    };
  });
  return {
    files,
    pr: { title: "A big pull request", body: "" },
    maxPatchBytes: 1_000_000,
    include: [],
    exclude: [],
    maxPrTokens: 2_000_000,
    maxChunkTokens: 12_000,
    model: "deepseek-v4-flash",
    proModel: "deepseek-v4-pro",
    proPaths: [],
  };
}

/** Runs `task` while a 10 ms timer measures how late the event loop serves it. */
async function measure(
  label: string,
  task: () => Promise<unknown>,
): Promise<{ took: number; worstLag: number }> {
  let worstLag = 0;
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLag = Math.max(worstLag, now - expected);
    expected = now + 10;
  }, 10);
  const started = performance.now();
  await task();
  const took = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(timer);
  console.log(
    `  ${label.padEnd(12)} planning ${Math.round(took)} ms, worst event-loop delay ${Math.round(worstLag)} ms`,
  );
  return { took, worstLag };
}

/** The worst event-loop delay while planning a 1.6 MB pull request, on the main thread and on the worker. */
export async function runEventLoopLag(): Promise<Figure[]> {
  const request = bigRequest();
  const bytes = request.files.reduce((sum, file) => sum + (file.patch ?? "").length, 0);
  console.log(`  ${FILES} files × ${LINES_PER_FILE} lines, ${(bytes / 1e6).toFixed(2)} MB of diff`);
  const countTokens = createTokenCounter();
  countTokens("load the tokenizer before measuring");
  const worker = createWorkerPlanner();
  await worker.warm();
  const main = await measure("main thread", () => planChunksInline(countTokens)(request));
  const off = await measure("worker", () => worker(request));
  await worker.close();
  return [
    {
      name: "worst event-loop delay, planning on the main thread (before)",
      value: main.worstLag,
      unit: "ms",
    },
    {
      name: "worst event-loop delay, planning on the worker (as the app runs)",
      value: off.worstLag,
      unit: "ms",
    },
  ];
}
