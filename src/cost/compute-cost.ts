import type { Usage } from "../llm/types.js";
import type { PriceTable, PriceWindow } from "./prices.js";

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * The dollar cost of one response: cache hits, cache misses and output tokens at the model's rates for the time
 * `at` (the first price window containing its UTC time of day, else the base rates). Not rounded.
 * Throws when the table has no price for `model`; the caller decides what an unpriced review means.
 */
export function computeCost(params: { usage: Usage; model: string; at: Date; prices: PriceTable }): number {
  const price = params.prices[params.model];
  if (price === undefined) {
    const known = Object.keys(params.prices).sort().join(", ");
    throw new Error(
      `No price for model "${params.model}"; known models: ${known}. Add it to DEEPSEEK_PRICES.`,
    );
  }
  const minute = params.at.getUTCHours() * 60 + params.at.getUTCMinutes();
  const rates = price.windows?.find((window) => isInWindow(window, minute)) ?? price;
  const { usage } = params;
  return (
    (usage.promptCacheHitTokens * rates.cacheHit +
      usage.promptCacheMissTokens * rates.cacheMiss +
      usage.completionTokens * rates.output) /
    TOKENS_PER_PRICE_UNIT
  );
}

/** Adds up the usage of several responses. */
export function sumUsage(usages: Usage[]): Usage {
  return usages.reduce<Usage>(
    (total, usage) => ({
      promptCacheHitTokens: total.promptCacheHitTokens + usage.promptCacheHitTokens,
      promptCacheMissTokens: total.promptCacheMissTokens + usage.promptCacheMissTokens,
      completionTokens: total.completionTokens + usage.completionTokens,
    }),
    { promptCacheHitTokens: 0, promptCacheMissTokens: 0, completionTokens: 0 },
  );
}

/**
 * Dollars for people: at least 4 decimals and at least 3 significant digits, so the cost of a
 * small review reads `$0.000239` rather than `$0.0002`. Not a finite, non-negative number: "cost unknown".
 */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount) || amount < 0) return "cost unknown";
  if (amount === 0) return "$0.0000";
  const decimals = Math.min(20, Math.max(4, 2 - Math.floor(Math.log10(amount))));
  return `$${amount.toFixed(decimals)}`;
}

function isInWindow(window: PriceWindow, minute: number): boolean {
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

function toMinutes(time: string): number {
  const [hours = "0", minutes = "0"] = time.split(":");
  return Number(hours) * 60 + Number(minutes);
}
