import type { Usage } from "../llm/types.js";
import { type ModelPrice, type PriceTable, type PriceWindow, WEEKDAYS } from "./prices.js";

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/** USD per 1M tokens of each kind. */
export type Rates = Pick<ModelPrice, "cacheHit" | "cacheMiss" | "output">;

/**
 * The dollar cost of one response: cache hits, cache misses and output tokens at the model's rates for the time
 * `at` it arrived (the first price window containing it, else the base rates). Not rounded.
 * Throws when the table has no price for `model`; the caller decides what an unpriced review means.
 */
export function computeCost(params: { usage: Usage; model: string; at: Date; prices: PriceTable }): number {
  return costAtRates(params.usage, ratesAt(priceOf(params.prices, params.model), params.at));
}

/** The most a response can cost, whenever it arrives: each kind of token at its highest rate of any window. */
export function computeHighestCost(params: { usage: Usage; model: string; prices: PriceTable }): number {
  const price = priceOf(params.prices, params.model);
  const all: Rates[] = [price, ...(price.windows ?? [])];
  return costAtRates(params.usage, {
    cacheHit: Math.max(...all.map((rates) => rates.cacheHit)),
    cacheMiss: Math.max(...all.map((rates) => rates.cacheMiss)),
    output: Math.max(...all.map((rates) => rates.output)),
  });
}

function priceOf(prices: PriceTable, model: string): ModelPrice {
  const price = prices[model];
  if (price === undefined) {
    const known = Object.keys(prices).sort().join(", ");
    throw new Error(`No price for model "${model}"; known models: ${known}. Add it to DEEPSEEK_PRICES.`);
  }
  return price;
}

function ratesAt(price: ModelPrice, at: Date): Rates {
  return price.windows?.find((window) => isInWindow(window, at)) ?? price;
}

function costAtRates(usage: Usage, rates: Rates): number {
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

/** Whether `at` falls in the window; past midnight, a wrapping window belongs to the day it started. */
function isInWindow(window: PriceWindow, at: Date): boolean {
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  const day = at.getUTCDay();
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  const startsOn = (weekday: number) => window.days?.includes(WEEKDAYS[(weekday + 7) % 7] ?? "sun") ?? true;
  if (start < end) return minute >= start && minute < end && startsOn(day);
  return (minute >= start && startsOn(day)) || (minute < end && startsOn(day - 1));
}

function toMinutes(time: string): number {
  const [hours = "0", minutes = "0"] = time.split(":");
  return Number(hours) * 60 + Number(minutes);
}
