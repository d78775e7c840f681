import { computeCost } from "../cost/compute-cost.js";
import type { PriceTable } from "../cost/prices.js";
import { buildMessages, renderChangedFiles } from "../review/build-prompt.js";
import type { CountTokens } from "../review/count-tokens.js";
import type { ChunkPlan } from "../review/plan-chunks.js";

/** One request of the plan, as the dry run shows it. */
export interface PlannedRequest {
  model: string;
  files: string[];
  /** Tokens of the chunk's diff lines. */
  diffTokens: number;
  /** Tokens of the whole prompt: the stable prefix, the diff and the closing lines. */
  promptTokens: number;
}

/** What the whole plan would cost on one model. */
export interface CostEstimate {
  model: string;
  requests: number;
  promptTokens: number;
  /** Every prompt token a cache miss. */
  allMissUsd: number;
  /** The first request a miss, every later one reading the stable prefix from DeepSeek's cache. */
  prefixCachedUsd: number;
  /** The most the answers can add: every request answered at `maxOutputTokens`. */
  maxOutputUsd: number;
}

export interface PlanEstimate {
  requests: PlannedRequest[];
  /** Tokens every request repeats before its diff (system prompt, instructions, title, description, changed files). */
  prefixTokens: number;
  maxOutputTokens: number;
  estimates: CostEstimate[];
}

/**
 * Token counts and prices of a plan, without a model: each request's prompt is the stable prefix (counted once),
 * the chunk's diff (counted on the planner) and the closing lines. Priced on each of `models` as if it reviewed
 * everything, at the prices in force at `at`.
 */
export function estimatePlan(params: {
  plan: Pick<ChunkPlan, "lanes" | "pr">;
  settings: { maxOutputTokens: number; instructions?: string | undefined; language?: string | undefined };
  countTokens: CountTokens;
  prices: PriceTable;
  models: string[];
  at: Date;
}): PlanEstimate {
  const { plan, settings, countTokens } = params;
  const [system, user] = buildMessages({
    pr: plan.pr,
    chunk: { files: [], tokens: 0 },
    // The list of changed files every request of the review repeats, as the review renders it.
    changedFiles: renderChangedFiles(plan.lanes.flatMap((lane) => lane.chunks)),
    ...(settings.instructions === undefined ? {} : { instructions: settings.instructions }),
    ...(settings.language === undefined ? {} : { language: settings.language }),
  });
  const userText = user?.content ?? "";
  const diffAt = userText.indexOf("<diff>");
  const split = diffAt === -1 ? userText.length : diffAt;
  const prefixTokens = countTokens(system?.content ?? "") + countTokens(userText.slice(0, split));
  const closingTokens = countTokens(userText.slice(split));
  const requests = plan.lanes.flatMap((lane) =>
    lane.chunks.map((chunk) => ({
      model: lane.model,
      files: [...new Set(chunk.files.map((file) => file.path))],
      diffTokens: chunk.tokens,
      promptTokens: prefixTokens + chunk.tokens + closingTokens,
    })),
  );
  const promptTokens = requests.reduce((sum, request) => sum + request.promptTokens, 0);
  const cachedTokens = Math.max(0, requests.length - 1) * prefixTokens;
  const price = (model: string, usage: { hit: number; miss: number; output: number }) =>
    computeCost({
      model,
      prices: params.prices,
      at: params.at,
      usage: {
        promptCacheHitTokens: usage.hit,
        promptCacheMissTokens: usage.miss,
        completionTokens: usage.output,
      },
    });
  return {
    requests,
    prefixTokens,
    maxOutputTokens: settings.maxOutputTokens,
    estimates: params.models.map((model) => ({
      model,
      requests: requests.length,
      promptTokens,
      allMissUsd: price(model, { hit: 0, miss: promptTokens, output: 0 }),
      prefixCachedUsd: price(model, { hit: cachedTokens, miss: promptTokens - cachedTokens, output: 0 }),
      maxOutputUsd: price(model, { hit: 0, miss: 0, output: requests.length * settings.maxOutputTokens }),
    })),
  };
}
