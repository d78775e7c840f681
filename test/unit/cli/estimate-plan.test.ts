import { describe, expect, it } from "vitest";
import { estimatePlan } from "../../../src/cli/estimate-plan.js";
import { DEFAULT_PRICES } from "../../../src/cost/prices.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import type { Chunk } from "../../../src/review/types.js";

const chunk = (path: string, tokens: number): Chunk => ({
  files: [{ path, header: `=== FILE: ${path} ===\n`, headerTokens: 5, hunks: [] }],
  tokens,
});

const plan = {
  pr: { title: "Add ratio", body: "Divides two numbers." },
  lanes: [
    {
      model: "deepseek-v4-flash",
      files: ["a.ts", "b.ts", "c.ts"],
      chunks: [chunk("a.ts", 1_000), chunk("b.ts", 2_000), chunk("c.ts", 500)],
    },
  ],
};

describe("estimatePlan", () => {
  const estimate = estimatePlan({
    plan,
    settings: { maxOutputTokens: 4_096, language: "English" },
    countTokens: estimateTokens,
    prices: DEFAULT_PRICES,
    models: ["deepseek-v4-flash", "deepseek-v4-pro"],
    at: new Date("2026-12-02T12:00:00Z"),
  });

  it("counts each request as the stable prefix, its diff and the closing lines", () => {
    const [first, second, third] = estimate.requests;
    const closing = (first?.promptTokens ?? 0) - estimate.prefixTokens - 1_000;
    expect(estimate.prefixTokens).toBeGreaterThan(1_000);
    expect(closing).toBeGreaterThan(0);
    expect(second?.promptTokens).toBe(estimate.prefixTokens + 2_000 + closing);
    expect(third?.promptTokens).toBe(estimate.prefixTokens + 500 + closing);
    expect(estimate.requests.map((request) => request.files)).toEqual([["a.ts"], ["b.ts"], ["c.ts"]]);
  });

  it("prices every prompt token as a miss, then the prefix of every request after the first as a hit", () => {
    const [flash, pro] = estimate.estimates;
    const prompt = estimate.requests.reduce((sum, request) => sum + request.promptTokens, 0);
    const hits = 2 * estimate.prefixTokens;
    expect(flash?.allMissUsd).toBeCloseTo((prompt * 0.14) / 1e6, 12);
    expect(flash?.prefixCachedUsd).toBeCloseTo((hits * 0.028 + (prompt - hits) * 0.14) / 1e6, 12);
    expect(pro?.prefixCachedUsd).toBeCloseTo((hits * 0.145 + (prompt - hits) * 1.74) / 1e6, 12);
    expect(flash?.maxOutputUsd).toBeCloseTo((3 * 4_096 * 0.28) / 1e6, 12);
  });
});
