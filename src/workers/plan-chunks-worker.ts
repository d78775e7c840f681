import { parentPort } from "node:worker_threads";
import { createTokenCounter } from "../review/count-tokens.js";
import { secretMasker } from "../review/create-masker.js";
import { type ChunkPlanRequest, planChunks } from "../review/plan-chunks.js";
import { runSyntaxTask, type SyntaxTaskMessage } from "../review/syntax-tasks.js";
import { createSyntaxParser } from "../syntax/create-syntax-parser.js";

/** Runs planChunks with DeepSeek's tokenizer and secretlint's rules, each loaded once, off the main thread. */
const deps = { countTokens: createTokenCounter(), mask: secretMasker() };
/** tree-sitter, its grammars loaded on first use: context around hunks and the check of suggestions. */
const parser = createSyntaxParser();

/**
 * Everything a plan needs is loaded now, at the worker's start, not on its first plan: the tokenizer's vocabulary
 * (about a second) and secretlint's rules (compiled on their first scan). Then the worker says it is ready; plans
 * sent meanwhile wait in the port.
 */
async function warmUp(): Promise<void> {
  deps.countTokens("const warm = up;");
  await deps.mask(["const warm = up;"], { path: "warm-up.ts" });
}

const warm = warmUp().then(
  () => parentPort?.postMessage({ ready: true }),
  (error: unknown) => parentPort?.postMessage({ ready: false, error: (error as Error).message }),
);

/** One plan at a time: the pool (create-worker-planner.ts) sends the next request only after the answer. */
parentPort?.on("message", async (message: { request: ChunkPlanRequest } | SyntaxTaskMessage) => {
  await warm;
  try {
    if ("task" in message)
      parentPort?.postMessage({ result: await runSyntaxTask(message, { ...deps, parser }) });
    else parentPort?.postMessage({ plan: await planChunks(message.request, deps) });
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
