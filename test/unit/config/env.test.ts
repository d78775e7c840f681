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
  REVIEW_SHOW_COST: true,
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
        REVIEW_SHOW_COST: false,
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
});
