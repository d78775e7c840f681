import type { FileDiff } from "../diff/types.js";
import { applyTokenBudget } from "./apply-token-budget.js";
import { assignLanes } from "./assign-lanes.js";
import { chunkDiff } from "./chunk-diff.js";
import type { CountTokens } from "./count-tokens.js";
import type { Chunk, SkippedFile } from "./types.js";

export interface ChunkPlanRequest {
  diffs: FileDiff[];
  maxPrTokens: number;
  maxChunkTokens: number;
  model: string;
  proModel: string;
  proPaths: string[];
}

/** Which files fit the budget, and each model's chunks of them. */
export interface ChunkPlan {
  kept: string[];
  overBudget: SkippedFile[];
  lanes: { model: string; files: string[]; chunks: Chunk[] }[];
}

/** The token-heavy step, as a function that may run off the main thread (see src/workers/). */
export type PlanChunks = (request: ChunkPlanRequest) => Promise<ChunkPlan>;

/**
 * Keeps the pull request to its token budget (most important files first), splits the files between the
 * PR's model and the Pro model, and packs each lane's files into token-budgeted chunks.
 */
export function planChunks(request: ChunkPlanRequest & { countTokens: CountTokens }): ChunkPlan {
  const budget = applyTokenBudget({
    diffs: request.diffs,
    maxTokens: request.maxPrTokens,
    countTokens: request.countTokens,
  });
  const lanes = assignLanes({
    diffs: budget.kept,
    model: request.model,
    proModel: request.proModel,
    proPaths: request.proPaths,
  });
  return {
    kept: budget.kept.map((diff) => diff.path),
    overBudget: budget.overBudget,
    lanes: lanes.map((lane) => ({
      model: lane.model,
      files: lane.diffs.map((diff) => diff.path),
      chunks: chunkDiff({
        files: lane.diffs,
        maxTokens: request.maxChunkTokens,
        countTokens: request.countTokens,
      }),
    })),
  };
}

/** Plans on the calling thread: for tests, the CLI, and small workloads. */
export function planChunksInline(countTokens: CountTokens): PlanChunks {
  return async (request) => planChunks({ ...request, countTokens });
}
