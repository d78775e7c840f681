import { describe, expect, it } from "vitest";
import { type AppEnv, EnvError, readEnv } from "../../../src/config/env.js";

const DEFAULTS: AppEnv = {
  DEEPSEEK_API_KEY: "sk-test",
  DEEPSEEK_BASE_URL: "https://api.deepseek.com",
  DEEPSEEK_MODEL: "deepseek-v4-flash",
  DEEPSEEK_PRO_MODEL: "deepseek-v4-pro",
  DEEPSEEK_TIMEOUT_MS: 120_000,
  DEEPSEEK_MAX_RETRIES: 2,
  REVIEW_MAX_CONCURRENT_REQUESTS: 8,
  REVIEW_MAX_CONCURRENT_REVIEWS: 4,
  REVIEW_MAX_CHUNK_TOKENS: 12_000,
  REVIEW_MAX_OUTPUT_TOKENS: 4_096,
  REVIEW_MAX_COMMENTS: 20,
  REVIEW_MAX_FILE_PATCH_BYTES: 200_000,
  REVIEW_SHUTDOWN_TIMEOUT_MS: 60_000,
  REVIEW_MAX_PR_TOKENS: 400_000,
  REVIEW_ALLOW_PRO: true,
  CONFIG_EXTENDS_OWNERS: [],
  DATA_DIR: "./data",
  QUEUE_HEARTBEAT_SECONDS: 30,
  QUEUE_RETRY_DELAY_SECONDS: 30,
  REVIEW_PLAN_TIMEOUT_MS: 60_000,
  REVIEW_PLAN_WORKERS: 2,
  DEEPSEEK_MAX_RETRY_AFTER_MS: 120_000,
  REVIEW_MAX_COST_USD: 0.5,
  REVIEW_MAX_CALLS_PER_REVIEW: 300,
  LIMIT_REPO_CALLS_PER_HOUR: 300,
  LIMIT_REPO_CALLS_PER_DAY: 2_000,
  LIMIT_REPO_USD_PER_HOUR: 2,
  LIMIT_REPO_USD_PER_DAY: 10,
  LIMIT_INSTALLATION_CALLS_PER_HOUR: 1_000,
  LIMIT_INSTALLATION_CALLS_PER_DAY: 10_000,
  LIMIT_INSTALLATION_USD_PER_HOUR: 5,
  LIMIT_INSTALLATION_USD_PER_DAY: 25,
  REVIEW_SHOW_COST: true,
  BUDGET_REPO_USD_PER_MONTH: 50,
  BUDGET_INSTALLATION_USD_PER_MONTH: 200,
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    readEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error("readEnv accepted an invalid environment");
}

describe("readEnv", () => {
  describe("with only DEEPSEEK_API_KEY set", () => {
    it("fills every other variable with its default", () => {
      expect(readEnv({ DEEPSEEK_API_KEY: "sk-test" })).toEqual(DEFAULTS);
    });

    it("ignores variables it does not know, such as Probot's own", () => {
      expect(readEnv({ DEEPSEEK_API_KEY: "sk-test", APP_ID: "1", WEBHOOK_SECRET: "s" })).toEqual(DEFAULTS);
    });
  });

  describe("with every variable set", () => {
    it("converts numbers and trims strings", () => {
      expect(
        readEnv({
          DEEPSEEK_API_KEY: "  sk-live  ",
          DEEPSEEK_BASE_URL: "http://127.0.0.1:8080/v1",
          DEEPSEEK_MODEL: " deepseek-chat ",
          DEEPSEEK_PRO_MODEL: "deepseek-v4-pro",
          DEEPSEEK_TIMEOUT_MS: "30000",
          DEEPSEEK_MAX_RETRIES: "0",
          DEEPSEEK_PRICES: '{"deepseek-chat":{"cacheHit":0,"cacheMiss":0,"output":0}}',
          REVIEW_MAX_CONCURRENT_REQUESTS: "2",
          REVIEW_MAX_CONCURRENT_REVIEWS: " 1 ",
          REVIEW_MAX_CHUNK_TOKENS: "6000",
          REVIEW_MAX_OUTPUT_TOKENS: "1024",
          REVIEW_MAX_COMMENTS: "5",
          REVIEW_MAX_FILE_PATCH_BYTES: "1000",
          REVIEW_SHUTDOWN_TIMEOUT_MS: "5000",
          REVIEW_MAX_PR_TOKENS: "90000",
          REVIEW_ALLOW_PRO: "false",
          CONFIG_EXTENDS_OWNERS: " octo-org, other ,",
          DATA_DIR: " /var/lib/deepseek-review ",
          DATABASE_URL: "postgres://review@db:5432/review",
          REVIEW_PLAN_TIMEOUT_MS: "15000",
          REVIEW_PLAN_WORKERS: "3",
          DEEPSEEK_MAX_RETRY_AFTER_MS: "0",
          REVIEW_MAX_COST_USD: " 1.25 ",
          REVIEW_MAX_CALLS_PER_REVIEW: "0",
          LIMIT_REPO_CALLS_PER_HOUR: "10",
          LIMIT_REPO_CALLS_PER_DAY: "20",
          LIMIT_REPO_USD_PER_HOUR: "0.5",
          LIMIT_REPO_USD_PER_DAY: "0",
          LIMIT_INSTALLATION_CALLS_PER_HOUR: "30",
          LIMIT_INSTALLATION_CALLS_PER_DAY: "40",
          LIMIT_INSTALLATION_USD_PER_HOUR: "3",
          LIMIT_INSTALLATION_USD_PER_DAY: "4",
          REVIEW_SHOW_COST: " False ",
        }),
      ).toEqual({
        DEEPSEEK_API_KEY: "sk-live",
        DEEPSEEK_BASE_URL: "http://127.0.0.1:8080/v1",
        DEEPSEEK_MODEL: "deepseek-chat",
        DEEPSEEK_PRO_MODEL: "deepseek-v4-pro",
        DEEPSEEK_TIMEOUT_MS: 30_000,
        DEEPSEEK_MAX_RETRIES: 0,
        DEEPSEEK_PRICES: '{"deepseek-chat":{"cacheHit":0,"cacheMiss":0,"output":0}}',
        REVIEW_MAX_CONCURRENT_REQUESTS: 2,
        REVIEW_MAX_CONCURRENT_REVIEWS: 1,
        REVIEW_MAX_CHUNK_TOKENS: 6_000,
        REVIEW_MAX_OUTPUT_TOKENS: 1_024,
        REVIEW_MAX_COMMENTS: 5,
        REVIEW_MAX_FILE_PATCH_BYTES: 1_000,
        REVIEW_SHUTDOWN_TIMEOUT_MS: 5_000,
        REVIEW_MAX_PR_TOKENS: 90_000,
        REVIEW_ALLOW_PRO: false,
        CONFIG_EXTENDS_OWNERS: ["octo-org", "other"],
        DATA_DIR: "/var/lib/deepseek-review",
        QUEUE_HEARTBEAT_SECONDS: 30,
        QUEUE_RETRY_DELAY_SECONDS: 30,
        DATABASE_URL: "postgres://review@db:5432/review",
        REVIEW_PLAN_TIMEOUT_MS: 15_000,
        REVIEW_PLAN_WORKERS: 3,
        DEEPSEEK_MAX_RETRY_AFTER_MS: 0,
        REVIEW_MAX_COST_USD: 1.25,
        REVIEW_MAX_CALLS_PER_REVIEW: 0,
        LIMIT_REPO_CALLS_PER_HOUR: 10,
        LIMIT_REPO_CALLS_PER_DAY: 20,
        LIMIT_REPO_USD_PER_HOUR: 0.5,
        LIMIT_REPO_USD_PER_DAY: 0,
        LIMIT_INSTALLATION_CALLS_PER_HOUR: 30,
        LIMIT_INSTALLATION_CALLS_PER_DAY: 40,
        LIMIT_INSTALLATION_USD_PER_HOUR: 3,
        LIMIT_INSTALLATION_USD_PER_DAY: 4,
        REVIEW_SHOW_COST: false,
        BUDGET_REPO_USD_PER_MONTH: 50,
        BUDGET_INSTALLATION_USD_PER_MONTH: 200,
      });
    });
  });

  describe("when optional variables are blank", () => {
    it("treats them as unset and uses the defaults", () => {
      expect(
        readEnv({
          DEEPSEEK_API_KEY: "sk-test",
          DEEPSEEK_BASE_URL: "",
          DEEPSEEK_MODEL: "   ",
          DEEPSEEK_PRICES: "",
          DEEPSEEK_MAX_RETRIES: " ",
          REVIEW_MAX_COMMENTS: "",
          REVIEW_SHUTDOWN_TIMEOUT_MS: "\t",
          REVIEW_SHOW_COST: "",
        }),
      ).toEqual(DEFAULTS);
    });
  });

  describe("when DEEPSEEK_API_KEY is missing", () => {
    it("says how to set it", () => {
      expect(problemsOf({})).toEqual(["DEEPSEEK_API_KEY is missing: set it to your DeepSeek API key (sk-…)"]);
    });
  });

  describe("when DEEPSEEK_API_KEY is blank", () => {
    it("reports it as empty rather than missing", () => {
      expect(problemsOf({ DEEPSEEK_API_KEY: "  " })).toEqual([
        "DEEPSEEK_API_KEY is empty: set it to your DeepSeek API key (sk-…)",
      ]);
    });
  });

  describe("when many values are invalid", () => {
    it("lists every problem at once in one EnvError", () => {
      expect(
        problemsOf({
          DEEPSEEK_BASE_URL: "api.deepseek.com",
          DEEPSEEK_TIMEOUT_MS: "1.5",
          DEEPSEEK_MAX_RETRIES: "-1",
          REVIEW_MAX_CONCURRENT_REQUESTS: "0",
          REVIEW_MAX_CONCURRENT_REVIEWS: "-3",
          REVIEW_MAX_CHUNK_TOKENS: "lots",
          REVIEW_MAX_OUTPUT_TOKENS: "NaN",
          REVIEW_MAX_COMMENTS: "Infinity",
          REVIEW_MAX_FILE_PATCH_BYTES: "200kB",
          REVIEW_SHUTDOWN_TIMEOUT_MS: "0",
          REVIEW_PLAN_TIMEOUT_MS: "-1",
          REVIEW_PLAN_WORKERS: "two",
          REVIEW_SHOW_COST: "no",
        }),
      ).toEqual([
        "DEEPSEEK_API_KEY is missing: set it to your DeepSeek API key (sk-…)",
        "DEEPSEEK_BASE_URL must be an http(s) URL such as https://api.deepseek.com",
        "DEEPSEEK_TIMEOUT_MS must be a whole number",
        "DEEPSEEK_MAX_RETRIES must be 0 or more",
        "REVIEW_MAX_CONCURRENT_REQUESTS must be greater than 0",
        "REVIEW_MAX_CONCURRENT_REVIEWS must be greater than 0",
        "REVIEW_MAX_CHUNK_TOKENS must be a whole number",
        "REVIEW_MAX_OUTPUT_TOKENS must be a whole number",
        "REVIEW_MAX_COMMENTS must be a whole number",
        "REVIEW_MAX_FILE_PATCH_BYTES must be a whole number",
        "REVIEW_SHUTDOWN_TIMEOUT_MS must be greater than 0",
        "REVIEW_PLAN_TIMEOUT_MS must be greater than 0",
        "REVIEW_PLAN_WORKERS must be a whole number",
        "REVIEW_SHOW_COST must be true or false",
      ]);
    });

    it("puts every problem in the error message, one per line", () => {
      expect(() => readEnv({ DEEPSEEK_API_KEY: "", REVIEW_MAX_COMMENTS: "0" })).toThrow(
        "The environment is not valid:\n" +
          "  - DEEPSEEK_API_KEY is empty: set it to your DeepSeek API key (sk-…)\n" +
          "  - REVIEW_MAX_COMMENTS must be greater than 0",
      );
    });
  });

  describe("DEEPSEEK_BASE_URL", () => {
    it.each([["not a url"], ["api.deepseek.com"], ["ftp://api.deepseek.com"], ["file:///etc/passwd"]])(
      "rejects %j",
      (value) => {
        expect(problemsOf({ DEEPSEEK_API_KEY: "sk-test", DEEPSEEK_BASE_URL: value })).toEqual([
          "DEEPSEEK_BASE_URL must be an http(s) URL such as https://api.deepseek.com",
        ]);
      },
    );

    it.each([["https://api.deepseek.com/v1"], ["http://localhost:3000"]])("accepts %j", (value) => {
      expect(readEnv({ DEEPSEEK_API_KEY: "sk-test", DEEPSEEK_BASE_URL: value }).DEEPSEEK_BASE_URL).toBe(
        value,
      );
    });
  });

  describe("DEEPSEEK_MAX_RETRIES", () => {
    it("accepts 0, which turns retries off", () => {
      expect(readEnv({ DEEPSEEK_API_KEY: "sk-test", DEEPSEEK_MAX_RETRIES: "0" }).DEEPSEEK_MAX_RETRIES).toBe(
        0,
      );
    });

    it("rejects a fraction", () => {
      expect(problemsOf({ DEEPSEEK_API_KEY: "sk-test", DEEPSEEK_MAX_RETRIES: "2.5" })).toEqual([
        "DEEPSEEK_MAX_RETRIES must be a whole number",
      ]);
    });
  });

  describe("the ceilings on model calls and dollars", () => {
    it.each([
      ["REVIEW_MAX_COST_USD", "-1", "REVIEW_MAX_COST_USD must be 0 (no ceiling) or more"],
      [
        "REVIEW_MAX_COST_USD",
        "half a dollar",
        "REVIEW_MAX_COST_USD must be an amount of US dollars, e.g. 0.50",
      ],
      ["LIMIT_REPO_CALLS_PER_HOUR", "2.5", "LIMIT_REPO_CALLS_PER_HOUR must be a whole number"],
      [
        "LIMIT_INSTALLATION_USD_PER_DAY",
        "-0.01",
        "LIMIT_INSTALLATION_USD_PER_DAY must be 0 (no ceiling) or more",
      ],
      ["DEEPSEEK_MAX_RETRY_AFTER_MS", "-5", "DEEPSEEK_MAX_RETRY_AFTER_MS must be 0 (never wait) or more"],
    ])("rejects %s=%j saying what it takes", (name, value, problem) => {
      expect(problemsOf({ DEEPSEEK_API_KEY: "sk-test", [name]: value })).toEqual([problem]);
    });
  });
});
