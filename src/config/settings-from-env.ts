import { DEFAULT_PRICES, type PriceTable, parsePriceOverrides } from "../cost/prices.js";
import type { ReviewSettings } from "../review/review-pull-request.js";
import { type AppEnv, EnvError } from "./env.js";

/** Model temperature: low, so the same diff gets the same review. */
export const REVIEW_TEMPERATURE = 0.1;

/** Turns the validated environment into review settings; an unpriced model is a start-up error. */
export function settingsFromEnv(env: AppEnv): ReviewSettings {
  let prices: PriceTable = DEFAULT_PRICES;
  if (env.DEEPSEEK_PRICES !== undefined) {
    try {
      prices = parsePriceOverrides(env.DEEPSEEK_PRICES);
    } catch (error) {
      throw new EnvError([`DEEPSEEK_PRICES is not valid: ${(error as Error).message}`]);
    }
  }
  const unpriced = [env.DEEPSEEK_MODEL, env.DEEPSEEK_PRO_MODEL].filter((model) => !(model in prices));
  if (unpriced.length > 0) {
    throw new EnvError(
      unpriced.map(
        (model) =>
          `No price is known for model "${model}": add it to DEEPSEEK_PRICES, e.g. {"${model}":{"cacheHit":0.028,"cacheMiss":0.14,"output":0.28}}`,
      ),
    );
  }
  return {
    model: env.DEEPSEEK_MODEL,
    maxChunkTokens: env.REVIEW_MAX_CHUNK_TOKENS,
    maxOutputTokens: env.REVIEW_MAX_OUTPUT_TOKENS,
    maxComments: env.REVIEW_MAX_COMMENTS,
    maxFilePatchBytes: env.REVIEW_MAX_FILE_PATCH_BYTES,
    temperature: REVIEW_TEMPERATURE,
    prices,
  };
}
