import { describe, expect, it } from "vitest";
import { EnvError, readEnv } from "../../../src/config/env.js";
import { DEFAULT_REPO_CONFIG } from "../../../src/config/repo-config.js";
import { settingsFromEnv, spendLimitsFromEnv } from "../../../src/config/settings-from-env.js";
import { DEFAULT_PRICES } from "../../../src/cost/prices.js";

function errorOf(env: NodeJS.ProcessEnv): EnvError {
  try {
    settingsFromEnv(readEnv({ DEEPSEEK_API_KEY: "sk-test", ...env }));
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return error as EnvError;
  }
  throw new Error("settingsFromEnv accepted an invalid environment");
}

describe("settingsFromEnv", () => {
  describe("with the default environment", () => {
    it("reviews with V4 Flash at list prices and a low temperature", () => {
      expect(settingsFromEnv(readEnv({ DEEPSEEK_API_KEY: "sk-test" }))).toEqual({
        flashModel: "deepseek-v4-flash",
        proModel: "deepseek-v4-pro",
        maxOutputTokens: 4_096,
        maxFilePatchBytes: 200_000,
        temperature: 0.1,
        prices: DEFAULT_PRICES,
        repoDefaults: DEFAULT_REPO_CONFIG,
        ceilings: {
          maxChunkTokens: 12_000,
          maxPrTokens: 400_000,
          maxComments: 20,
          allowPro: true,
          monthlyBudgetUsd: 50,
        },
        extendsOwners: [],
      });
    });
  });

  describe("with ceilings set", () => {
    it("makes them the ceilings and the repositories' defaults", () => {
      const settings = settingsFromEnv(
        readEnv({
          DEEPSEEK_API_KEY: "sk-test",
          REVIEW_MAX_PR_TOKENS: "50000",
          REVIEW_ALLOW_PRO: "false",
          CONFIG_EXTENDS_OWNERS: "octo-org",
        }),
      );
      expect(settings.ceilings).toEqual({
        maxChunkTokens: 12_000,
        maxPrTokens: 50_000,
        maxComments: 20,
        allowPro: false,
        monthlyBudgetUsd: 50,
      });
      expect(settings.repoDefaults.max_pr_tokens).toBe(50_000);
      expect(settings.extendsOwners).toEqual(["octo-org"]);
    });
  });

  describe("with review limits set", () => {
    it("passes them through, the repository defaults included", () => {
      const settings = settingsFromEnv(
        readEnv({
          DEEPSEEK_API_KEY: "sk-test",
          DEEPSEEK_MODEL: "deepseek-chat",
          REVIEW_MAX_CHUNK_TOKENS: "6000",
          REVIEW_MAX_OUTPUT_TOKENS: "1000",
          REVIEW_MAX_COMMENTS: "3",
          REVIEW_MAX_FILE_PATCH_BYTES: "5000",
          REVIEW_SHOW_COST: "false",
        }),
      );
      expect(settings).toMatchObject({
        flashModel: "deepseek-chat",
        maxOutputTokens: 1_000,
        maxFilePatchBytes: 5_000,
        repoDefaults: { max_chunk_tokens: 6_000, max_comments: 3, show_cost: false },
      });
    });
  });

  describe("with DEEPSEEK_PRICES set", () => {
    it("lays the given prices over the defaults", () => {
      const settings = settingsFromEnv(
        readEnv({
          DEEPSEEK_API_KEY: "sk-test",
          DEEPSEEK_PRICES: '{"deepseek-v4-flash":{"cacheHit":0.01,"cacheMiss":0.07,"output":0.14}}',
        }),
      );
      expect(settings.prices).toEqual({
        ...DEFAULT_PRICES,
        "deepseek-v4-flash": { cacheHit: 0.01, cacheMiss: 0.07, output: 0.14 },
      });
    });

    it("prices a model that has no default price", () => {
      const settings = settingsFromEnv(
        readEnv({
          DEEPSEEK_API_KEY: "sk-test",
          DEEPSEEK_MODEL: "my-proxy-model",
          DEEPSEEK_PRICES: '{"my-proxy-model":{"cacheHit":0,"cacheMiss":0.5,"output":1}}',
        }),
      );
      expect(settings.flashModel).toBe("my-proxy-model");
      expect(settings.prices["my-proxy-model"]).toEqual({ cacheHit: 0, cacheMiss: 0.5, output: 1 });
    });
  });

  describe("when DEEPSEEK_PRICES is not JSON", () => {
    it("throws an EnvError that names DEEPSEEK_PRICES", () => {
      const error = errorOf({ DEEPSEEK_PRICES: "{deepseek-v4-flash: 1}" });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^DEEPSEEK_PRICES is not valid: Price table is not valid JSON/);
    });
  });

  describe("when DEEPSEEK_PRICES has a negative price", () => {
    it("throws an EnvError that names DEEPSEEK_PRICES and the bad field", () => {
      const error = errorOf({
        DEEPSEEK_PRICES: '{"deepseek-v4-flash":{"cacheHit":-1,"cacheMiss":0.14,"output":0.28}}',
      });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^DEEPSEEK_PRICES is not valid: Price table is invalid:/);
      expect(error.problems[0]).toContain("deepseek-v4-flash.cacheHit: must not be negative");
    });
  });

  describe("when a configured model has no price", () => {
    it("throws an EnvError that shows how to add the price", () => {
      const error = errorOf({ DEEPSEEK_MODEL: "deepseek-v5-flash" });
      expect(error.problems).toEqual([
        'No price is known for model "deepseek-v5-flash": add it to DEEPSEEK_PRICES, e.g. {"deepseek-v5-flash":{"cacheHit":0.028,"cacheMiss":0.14,"output":0.28}}',
      ]);
    });

    it("lists both models when neither has a price", () => {
      const error = errorOf({ DEEPSEEK_MODEL: "flash-x", DEEPSEEK_PRO_MODEL: "pro-x" });
      expect(error.problems.map((problem) => problem.slice(0, problem.indexOf(":")))).toEqual([
        'No price is known for model "flash-x"',
        'No price is known for model "pro-x"',
      ]);
    });

    it("accepts the model once the suggested DEEPSEEK_PRICES entry is added", () => {
      const suggestion = errorOf({ DEEPSEEK_MODEL: "deepseek-v5-flash" }).problems[0]?.split("e.g. ")[1];
      expect(suggestion).toBeDefined();
      const settings = settingsFromEnv(
        readEnv({
          DEEPSEEK_API_KEY: "sk-test",
          DEEPSEEK_MODEL: "deepseek-v5-flash",
          DEEPSEEK_PRICES: suggestion,
        }),
      );
      expect(settings.prices["deepseek-v5-flash"]).toEqual({
        cacheHit: 0.028,
        cacheMiss: 0.14,
        output: 0.28,
      });
    });
  });
});

describe("spendLimitsFromEnv", () => {
  it("sets a ceiling per review and eight hourly and daily ceilings by default", () => {
    const limits = spendLimitsFromEnv(readEnv({ DEEPSEEK_API_KEY: "sk-test" }));

    expect(limits.review).toEqual({ maxCostUsd: 0.5, maxCalls: 300 });
    expect(limits.windows.map(({ setting, ceiling }) => [setting, ceiling])).toEqual([
      ["LIMIT_REPO_CALLS_PER_HOUR", 300],
      ["LIMIT_REPO_CALLS_PER_DAY", 2_000],
      ["LIMIT_REPO_USD_PER_HOUR", 2],
      ["LIMIT_REPO_USD_PER_DAY", 10],
      ["LIMIT_INSTALLATION_CALLS_PER_HOUR", 1_000],
      ["LIMIT_INSTALLATION_CALLS_PER_DAY", 10_000],
      ["LIMIT_INSTALLATION_USD_PER_HOUR", 5],
      ["LIMIT_INSTALLATION_USD_PER_DAY", 25],
    ]);
    expect(limits.windows[6]).toEqual({
      scope: "installation",
      unit: "usd",
      window: "hour",
      ceiling: 5,
      setting: "LIMIT_INSTALLATION_USD_PER_HOUR",
    });
  });

  it("leaves out a ceiling set to 0", () => {
    const limits = spendLimitsFromEnv(
      readEnv({ DEEPSEEK_API_KEY: "sk-test", LIMIT_REPO_USD_PER_DAY: "0", REVIEW_MAX_COST_USD: "0" }),
    );

    expect(limits.review.maxCostUsd).toBe(0);
    expect(limits.windows.map(({ setting }) => setting)).not.toContain("LIMIT_REPO_USD_PER_DAY");
    expect(limits.windows).toHaveLength(7);
  });
});
