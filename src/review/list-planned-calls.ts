import type { PlannedCall } from "../cost/spend-meter.js";
import { promptTokenBound } from "../llm/prompt-token-bound.js";
import { buildMessages } from "./build-prompt.js";
import type { ChunkPlan } from "./plan-chunks.js";
import { type PathInstruction, selectPathInstructions } from "./select-path-instructions.js";

/**
 * The calls a plan makes at least, one per chunk, each with its prompt (the chunk's diff tokens plus the bound of
 * the part every request repeats: instructions, title, description, and the chunk's own path instructions) and the
 * most output it may get. What the spend meter checks against the ceilings before the first call.
 */
export function listPlannedCalls(params: {
  plan: Pick<ChunkPlan, "lanes">;
  pr: { title: string; body: string };
  settings: {
    maxOutputTokens: number;
    instructions?: string | undefined;
    language?: string | undefined;
    pathInstructions?: PathInstruction[] | undefined;
  };
  /** The review's `<changed_files>` list, sent with every request. */
  changedFiles?: string;
  /** Tokens of a chunk's context (gather-context.ts), on top of its diff. */
  contextTokens?: (chunk: ChunkPlan["lanes"][number]["chunks"][number]) => number;
}): PlannedCall[] {
  const { instructions, language, maxOutputTokens } = params.settings;
  const fixedWith = (pathInstructions: string | undefined) =>
    promptTokenBound(
      buildMessages({
        pr: { title: params.pr.title, body: params.pr.body },
        chunk: { files: [], tokens: 0 },
        ...(instructions === undefined ? {} : { instructions }),
        ...(pathInstructions === undefined ? {} : { pathInstructions }),
        ...(language === undefined ? {} : { language }),
        ...(params.changedFiles === undefined ? {} : { changedFiles: params.changedFiles }),
      }),
    );
  const fixed = fixedWith(undefined);
  const entries = params.settings.pathInstructions ?? [];
  const select = entries.length === 0 ? undefined : selectPathInstructions(entries);
  const bounds = new Map<string, number>();
  const fixedFor = (paths: string[]) => {
    const text = select?.(paths);
    if (text === undefined) return fixed;
    const known = bounds.get(text) ?? fixedWith(text);
    bounds.set(text, known);
    return known;
  };
  return params.plan.lanes.flatMap((lane) =>
    lane.chunks.map((chunk) => ({
      model: lane.model,
      promptTokens:
        fixedFor(chunk.files.map((file) => file.path)) + chunk.tokens + (params.contextTokens?.(chunk) ?? 0),
      maxOutputTokens,
    })),
  );
}
