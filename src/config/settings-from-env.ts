import { createMonthlyBudgets, type SpentSince } from "../cost/monthly-budgets.js";
import { DEFAULT_PRICES, type PriceTable, parsePriceOverrides } from "../cost/prices.js";
import type { ReviewLimits } from "../cost/spend-meter.js";
import type { SpendCeiling } from "../cost/spend-windows.js";
import { createSpendWindows } from "../cost/spend-windows.js";
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
  /** The operator's ceilings: a repository's configuration may lower these, never raise them. */
  ceilings: ProcessCeilings;
  /** Owners whose repositories a configuration's `_extends` may name besides the repository's own owner. */
  extendsOwners: string[];
}

export interface ProcessCeilings {
  maxChunkTokens: number;
  maxPrTokens: number;
  maxComments: number;
  /** Whether anything may send a review to the Pro model (`/review pro`, the label, `model: pro`, `escalate.paths`). */
  allowPro: boolean;
  /** A repository's monthly budget in dollars (0: none); its configuration may lower it. */
  monthlyBudgetUsd: number;
}

/** The ceilings on model calls and dollars the environment sets (README "Limits"). */
export interface SpendLimits {
  /** Each review's own ceilings on dollars and calls. */
  review: ReviewLimits;
  /** Hourly and daily ceilings per repository and per installation (those set to 0 are left out). */
  windows: SpendCeiling[];
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
      max_pr_tokens: env.REVIEW_MAX_PR_TOKENS,
      show_cost: env.REVIEW_SHOW_COST,
    },
    extendsOwners: env.CONFIG_EXTENDS_OWNERS,
    ceilings: {
      maxChunkTokens: env.REVIEW_MAX_CHUNK_TOKENS,
      maxPrTokens: env.REVIEW_MAX_PR_TOKENS,
      maxComments: env.REVIEW_MAX_COMMENTS,
      allowPro: env.REVIEW_ALLOW_PRO,
      monthlyBudgetUsd: env.BUDGET_REPO_USD_PER_MONTH,
    },
  };
}

/** The ceilings the environment sets; 0 turns one off. */
export function spendLimitsFromEnv(env: AppEnv): SpendLimits {
  return {
    review: { maxCostUsd: env.REVIEW_MAX_COST_USD, maxCalls: env.REVIEW_MAX_CALLS_PER_REVIEW },
    windows: windowCeilingsFromEnv(env),
  };
}

function windowCeilingsFromEnv(env: AppEnv): SpendCeiling[] {
  const ceilings: SpendCeiling[] = [];
  for (const scope of ["repository", "installation"] as const) {
    for (const unit of ["calls", "usd"] as const) {
      for (const window of ["hour", "day"] as const) {
        const setting = `LIMIT_${scope === "repository" ? "REPO" : "INSTALLATION"}_${unit.toUpperCase()}_PER_${window.toUpperCase()}`;
        const ceiling = env[setting as keyof typeof env];
        if (typeof ceiling === "number" && ceiling > 0)
          ceilings.push({ scope, unit, window, ceiling, setting });
      }
    }
  }
  return ceilings;
}

/**
 * Each review's ceilings, the hourly and daily windows counted in this process, and the monthly budgets read from the
 * ledger (README "Limits").
 */
export function spendControlsFromEnv(env: AppEnv, ledger: SpentSince) {
  const limits = spendLimitsFromEnv(env);
  return {
    limits: limits.review,
    windows: createSpendWindows(limits.windows),
    budgets: createMonthlyBudgets({
      ledger,
      limits: {
        repositoryUsd: env.BUDGET_REPO_USD_PER_MONTH,
        installationUsd: env.BUDGET_INSTALLATION_USD_PER_MONTH,
      },
    }),
  };
}
