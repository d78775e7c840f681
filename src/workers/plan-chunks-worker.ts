import { parentPort } from "node:worker_threads";
import { createTokenCounter } from "../review/count-tokens.js";
import { type ChunkPlanRequest, planChunks } from "../review/plan-chunks.js";

/** Runs planChunks with DeepSeek's tokenizer, loaded once, off the main thread. */
const countTokens = createTokenCounter();

parentPort?.on("message", (message: { id: number; request: ChunkPlanRequest }) => {
  try {
    parentPort?.postMessage({ id: message.id, plan: planChunks({ ...message.request, countTokens }) });
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
