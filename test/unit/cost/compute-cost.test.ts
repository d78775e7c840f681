import { describe, expect, it } from "vitest";
import { computeCost, computeHighestCost, formatUsd, sumUsage } from "../../../src/cost/compute-cost.js";
import { DEFAULT_PRICES, type PriceTable } from "../../../src/cost/prices.js";
import type { Usage } from "../../../src/llm/types.js";

const NOON = new Date("2026-11-02T12:00:00Z");
const MILLION = 1_000_000;

function usage(promptCacheHitTokens: number, promptCacheMissTokens: number, completionTokens: number): Usage {
  return { promptCacheHitTokens, promptCacheMissTokens, completionTokens };
}

describe("computeCost", () => {
  it.each([
    ["deepseek-v4-flash", MILLION, MILLION, MILLION, 0.448],
    ["deepseek-v4-flash", MILLION, 0, 0, 0.028],
    ["deepseek-v4-flash", 0, MILLION, 0, 0.14],
    ["deepseek-v4-flash", 0, 0, MILLION, 0.28],
    ["deepseek-v4-flash", 4096, 1024, 186, 0.000310128],
    ["deepseek-v4-flash", 0, 0, 0, 0],
    ["deepseek-flash", MILLION, MILLION, MILLION, 0.448],
    ["deepseek-chat", MILLION, MILLION, MILLION, 0.448],
    ["deepseek-v4-pro", MILLION, MILLION, MILLION, 5.365],
    ["deepseek-v4-pro", 100_000, 0, 5_000, 0.0319],
  ])(
    "prices %s with %s cache hits, %s misses and %s output tokens at $%s",
    (model, hits, misses, output, expected) => {
      const cost = computeCost({
        usage: usage(hits, misses, output),
        model,
        at: NOON,
        prices: DEFAULT_PRICES,
      });
      expect(cost).toBeCloseTo(expected, 12);
    },
  );

  describe("with a discount window that wraps past midnight", () => {
    const prices: PriceTable = {
      "deepseek-v4-flash": {
        cacheHit: 0.028,
        cacheMiss: 0.14,
        output: 0.28,
        windows: [
          { start: "16:30", end: "00:30", cacheHit: 0.014, cacheMiss: 0.07, output: 0.14 },
          { start: "00:00", end: "01:00", cacheHit: 0, cacheMiss: 0, output: 0 },
        ],
      },
    };

    it.each([
      ["2026-11-02T16:29:59Z", "before the window", 0.448],
      ["2026-11-02T16:30:00Z", "at its start", 0.224],
      ["2026-11-02T23:59:59Z", "just before midnight", 0.224],
      ["2026-11-03T00:00:00Z", "at midnight, where the first window wins over the second", 0.224],
      ["2026-11-03T00:29:59Z", "just before its end", 0.224],
      ["2026-11-03T00:30:00Z", "at its end, in the second window", 0],
      ["2026-11-03T01:00:00Z", "after both windows", 0.448],
      ["2026-11-03T12:00:00Z", "at noon", 0.448],
    ])("at %s (%s) costs $%s", (at, _when, expected) => {
      const cost = computeCost({
        usage: usage(MILLION, MILLION, MILLION),
        model: "deepseek-v4-flash",
        at: new Date(at),
        prices,
      });
      expect(cost).toBeCloseTo(expected, 12);
    });
  });

  describe("with a peak window on weekdays only", () => {
    // DeepSeek's peak hours are weekday windows: a surcharge from 01:00 to 09:00 UTC, Monday to Friday, and a
    // night window from 22:00 to 02:00 on Fridays, whose part after midnight belongs to Friday.
    const prices: PriceTable = {
      "deepseek-v4-flash": {
        cacheHit: 0.028,
        cacheMiss: 0.14,
        output: 0.28,
        windows: [
          {
            start: "01:00",
            end: "09:00",
            days: ["mon", "tue", "wed", "thu", "fri"],
            cacheHit: 0.056,
            cacheMiss: 0.28,
            output: 0.56,
          },
          { start: "22:00", end: "02:00", days: ["fri"], cacheHit: 0, cacheMiss: 0, output: 0 },
        ],
      },
    };

    it.each([
      ["2026-11-02T03:00:00Z", "Monday in the window", 0.896],
      ["2026-11-06T08:59:59Z", "Friday just before its end", 0.896],
      ["2026-11-07T03:00:00Z", "Saturday at the same time", 0.448],
      ["2026-11-08T03:00:00Z", "Sunday at the same time", 0.448],
      ["2026-11-06T23:00:00Z", "Friday night", 0],
      ["2026-11-07T01:30:00Z", "Saturday after midnight, in Friday's night window", 0],
      ["2026-11-08T01:30:00Z", "Sunday after midnight: Saturday has no night window", 0.448],
      ["2026-11-03T01:30:00Z", "Tuesday after midnight, in Tuesday's peak, not Monday's night window", 0.896],
    ])("at %s (%s) costs $%s", (at, _when, expected) => {
      const cost = computeCost({
        usage: usage(MILLION, MILLION, MILLION),
        model: "deepseek-v4-flash",
        at: new Date(at),
        prices,
      });
      expect(cost).toBeCloseTo(expected, 12);
    });

    it("prices the worst case at the highest rate of each kind", () => {
      expect(
        computeHighestCost({ usage: usage(MILLION, MILLION, MILLION), model: "deepseek-v4-flash", prices }),
      ).toBeCloseTo(0.896, 12);
    });
  });

  it("throws an error naming the model and the known ones for an unknown model", () => {
    expect(() =>
      computeCost({ usage: usage(1, 1, 1), model: "gpt-4o", at: NOON, prices: DEFAULT_PRICES }),
    ).toThrow(
      'No price for model "gpt-4o"; known models: deepseek-chat, deepseek-flash, deepseek-v4-flash, deepseek-v4-pro. Add it to DEEPSEEK_PRICES.',
    );
  });
});

describe("sumUsage", () => {
  it.each([
    [[], usage(0, 0, 0)],
    [[usage(1, 2, 3)], usage(1, 2, 3)],
    [[usage(1, 2, 3), usage(10, 20, 30), usage(100, 200, 300)], usage(111, 222, 333)],
  ])("adds up %j to %j", (usages, expected) => {
    expect(sumUsage(usages)).toEqual(expected);
  });
});

describe("formatUsd", () => {
  it.each([
    [0.0031, "$0.00310"],
    [0.448, "$0.4480"],
    [0, "$0.0000"],
    [0.000238672, "$0.000239"],
    [0.00031, "$0.000310"],
    [0.03, "$0.0300"],
    [0.000012, "$0.0000120"],
    [0.00000049, "$0.000000490"],
    [12.5, "$12.5000"],
    [1234.56789, "$1234.5679"],
    [-0.0031, "cost unknown"],
    [Number.NaN, "cost unknown"],
    [Number.POSITIVE_INFINITY, "cost unknown"],
  ])("renders %s as %s", (amount, expected) => {
    expect(formatUsd(amount)).toBe(expected);
  });
});
