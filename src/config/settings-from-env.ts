import { DEFAULT_PRICES, type PriceTable, parsePriceOverrides } from "../cost/prices.js";
import { type AppEnv, EnvError } from "./env.js";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "./repo-config.js";

/** Model temperature: low, so the same diff gets the same review. */
export const REVIEW_TEMPERATURE = 0.1;

/** What the process sets for every review: models, prices, limits, and the defaults of the repo configuration. */
export interface ProcessSettings {
  flashModel: string;
  proModel: string;
  prices: PriceTable;
  maxOutputTokens: number;
  maxFilePatchBytes: number;
  temperature: number;
  /** The repo configuration used where a repository sets nothing (the environment changes some defaults). */
  repoDefaults: RepoConfig;
}

/** Turns the validated environment into process settings; an unpriced model is a start-up error. */
export function settingsFromEnv(env: AppEnv): ProcessSettings {
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
    flashModel: env.DEEPSEEK_MODEL,
    proModel: env.DEEPSEEK_PRO_MODEL,
    prices,
    maxOutputTokens: env.REVIEW_MAX_OUTPUT_TOKENS,
    maxFilePatchBytes: env.REVIEW_MAX_FILE_PATCH_BYTES,
    temperature: REVIEW_TEMPERATURE,
    repoDefaults: {
      ...DEFAULT_REPO_CONFIG,
      max_comments: env.REVIEW_MAX_COMMENTS,
      max_chunk_tokens: env.REVIEW_MAX_CHUNK_TOKENS,
      show_cost: env.REVIEW_SHOW_COST,
    },
  };
}
