import type { PlannedCall } from "../cost/spend-meter.js";
import { promptTokenBound } from "../llm/prompt-token-bound.js";
import { buildMessages } from "./build-prompt.js";
import type { ChunkPlan } from "./plan-chunks.js";

/**
 * The calls a plan makes at least, one per chunk, each with its prompt (the chunk's diff tokens plus the bound of
 * the part every request repeats: instructions, title, description) and the most output it may get. What the spend
 * meter checks against the ceilings before the first call.
 */
export function listPlannedCalls(params: {
  plan: Pick<ChunkPlan, "lanes">;
  pr: { title: string; body: string };
  settings: { maxOutputTokens: number; instructions?: string | undefined; language?: string | undefined };
  /** The review's `<changed_files>` list, sent with every request. */
  changedFiles?: string;
  /** Tokens of a chunk's context (gather-context.ts), on top of its diff. */
  contextTokens?: (chunk: ChunkPlan["lanes"][number]["chunks"][number]) => number;
}): PlannedCall[] {
  const { instructions, language, maxOutputTokens } = params.settings;
  const fixed = promptTokenBound(
    buildMessages({
      pr: { title: params.pr.title, body: params.pr.body },
      chunk: { files: [], tokens: 0 },
      ...(instructions === undefined ? {} : { instructions }),
      ...(language === undefined ? {} : { language }),
      ...(params.changedFiles === undefined ? {} : { changedFiles: params.changedFiles }),
    }),
  );
  return params.plan.lanes.flatMap((lane) =>
    lane.chunks.map((chunk) => ({
      model: lane.model,
      promptTokens: fixed + chunk.tokens + (params.contextTokens?.(chunk) ?? 0),
      maxOutputTokens,
    })),
  );
}
