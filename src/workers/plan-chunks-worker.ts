import { parentPort } from "node:worker_threads";
import { createTokenCounter } from "../review/count-tokens.js";
import { createMasker } from "../review/create-masker.js";
import { createSecretScanner } from "../review/create-secret-scanner.js";
import { type ChunkPlanRequest, planChunks } from "../review/plan-chunks.js";

/** Runs planChunks with DeepSeek's tokenizer and secretlint's rules, each loaded once, off the main thread. */
const deps = { countTokens: createTokenCounter(), mask: createMasker(createSecretScanner()) };

/** One plan at a time: the pool (create-worker-planner.ts) sends the next request only after the answer. */
parentPort?.on("message", async (message: { request: ChunkPlanRequest }) => {
  try {
    parentPort?.postMessage({ plan: await planChunks(message.request, deps) });
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
