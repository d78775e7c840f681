import { z } from "zod";
import { DEFAULT_PLAN_TIMEOUT_MS, DEFAULT_PLAN_WORKERS } from "../workers/create-worker-planner.js";

const positiveInt = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`)
    .default(fallback);

const wholeOrZero = (name: string, fallback: number, zeroMeans = "no ceiling") =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be 0 (${zeroMeans}) or more`)
    .default(fallback);

const dollarsOrZero = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be an amount of US dollars, e.g. 0.50` })
    .finite(`${name} must be an amount of US dollars, e.g. 0.50`)
    .min(0, `${name} must be 0 (no ceiling) or more`)
    .default(fallback);

/** Ceilings on model calls and dollars (README "Limits"); 0 turns one off. */
const spendLimits = {
  DEEPSEEK_MAX_RETRY_AFTER_MS: wholeOrZero("DEEPSEEK_MAX_RETRY_AFTER_MS", 120_000, "never wait"),
  REVIEW_MAX_COST_USD: dollarsOrZero("REVIEW_MAX_COST_USD", 0.5),
  REVIEW_MAX_CALLS_PER_REVIEW: wholeOrZero("REVIEW_MAX_CALLS_PER_REVIEW", 300),
  LIMIT_REPO_CALLS_PER_HOUR: wholeOrZero("LIMIT_REPO_CALLS_PER_HOUR", 300),
  LIMIT_REPO_CALLS_PER_DAY: wholeOrZero("LIMIT_REPO_CALLS_PER_DAY", 2_000),
  LIMIT_REPO_USD_PER_HOUR: dollarsOrZero("LIMIT_REPO_USD_PER_HOUR", 2),
  LIMIT_REPO_USD_PER_DAY: dollarsOrZero("LIMIT_REPO_USD_PER_DAY", 10),
  LIMIT_INSTALLATION_CALLS_PER_HOUR: wholeOrZero("LIMIT_INSTALLATION_CALLS_PER_HOUR", 1_000),
  LIMIT_INSTALLATION_CALLS_PER_DAY: wholeOrZero("LIMIT_INSTALLATION_CALLS_PER_DAY", 10_000),
  LIMIT_INSTALLATION_USD_PER_HOUR: dollarsOrZero("LIMIT_INSTALLATION_USD_PER_HOUR", 5),
  LIMIT_INSTALLATION_USD_PER_DAY: dollarsOrZero("LIMIT_INSTALLATION_USD_PER_DAY", 25),
  BUDGET_REPO_USD_PER_MONTH: dollarsOrZero("BUDGET_REPO_USD_PER_MONTH", 50),
  BUDGET_INSTALLATION_USD_PER_MONTH: dollarsOrZero("BUDGET_INSTALLATION_USD_PER_MONTH", 200),
};

/** Every environment variable the app reads besides Probot's own, with its default. */
export const envSchema = z.object({
  DEEPSEEK_API_KEY: z
    .string({ error: "DEEPSEEK_API_KEY is missing: set it to your DeepSeek API key (sk-…)" })
    .trim()
    .min(1, "DEEPSEEK_API_KEY is empty: set it to your DeepSeek API key (sk-…)"),
  DEEPSEEK_BASE_URL: z
    .url({
      protocol: /^https?$/,
      error: "DEEPSEEK_BASE_URL must be an http(s) URL such as https://api.deepseek.com",
    })
    .default("https://api.deepseek.com"),
  DEEPSEEK_MODEL: z.string().trim().min(1).default("deepseek-v4-flash"),
  DEEPSEEK_PRO_MODEL: z.string().trim().min(1).default("deepseek-v4-pro"),
  DEEPSEEK_TIMEOUT_MS: positiveInt("DEEPSEEK_TIMEOUT_MS", 120_000),
  DEEPSEEK_MAX_RETRIES: z.coerce
    .number({ error: "DEEPSEEK_MAX_RETRIES must be a whole number" })
    .int("DEEPSEEK_MAX_RETRIES must be a whole number")
    .min(0, "DEEPSEEK_MAX_RETRIES must be 0 or more")
    .default(2),
  DEEPSEEK_PRICES: z.string().optional(),
  REVIEW_MAX_CONCURRENT_REQUESTS: positiveInt("REVIEW_MAX_CONCURRENT_REQUESTS", 8),
  REVIEW_MAX_CONCURRENT_REVIEWS: positiveInt("REVIEW_MAX_CONCURRENT_REVIEWS", 4),
  REVIEW_MAX_CHUNK_TOKENS: positiveInt("REVIEW_MAX_CHUNK_TOKENS", 12_000),
  REVIEW_MAX_OUTPUT_TOKENS: positiveInt("REVIEW_MAX_OUTPUT_TOKENS", 4_096),
  REVIEW_MAX_COMMENTS: positiveInt("REVIEW_MAX_COMMENTS", 20),
  REVIEW_MAX_FILE_PATCH_BYTES: positiveInt("REVIEW_MAX_FILE_PATCH_BYTES", 200_000),
  REVIEW_SHUTDOWN_TIMEOUT_MS: positiveInt("REVIEW_SHUTDOWN_TIMEOUT_MS", 60_000),
  REVIEW_MAX_PR_TOKENS: positiveInt("REVIEW_MAX_PR_TOKENS", 400_000),
  REVIEW_ALLOW_PRO: z
    .enum(["true", "false"], { error: "REVIEW_ALLOW_PRO must be true or false" })
    .default("true")
    .transform((value) => value === "true"),
  CONFIG_EXTENDS_OWNERS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((owner) => owner.trim())
        .filter((owner) => owner !== ""),
    ),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  QUEUE_HEARTBEAT_SECONDS: z.coerce
    .number({ error: "QUEUE_HEARTBEAT_SECONDS must be a whole number of seconds" })
    .int("QUEUE_HEARTBEAT_SECONDS must be a whole number of seconds")
    .min(10, "QUEUE_HEARTBEAT_SECONDS must be 10 or more (pg-boss's minimum)")
    .default(30),
  QUEUE_RETRY_DELAY_SECONDS: positiveInt("QUEUE_RETRY_DELAY_SECONDS", 30),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL")
    .optional(),
  REVIEW_PLAN_TIMEOUT_MS: positiveInt("REVIEW_PLAN_TIMEOUT_MS", DEFAULT_PLAN_TIMEOUT_MS),
  REVIEW_PLAN_WORKERS: positiveInt("REVIEW_PLAN_WORKERS", DEFAULT_PLAN_WORKERS),
  ...spendLimits,
  REVIEW_SHOW_COST: z
    .preprocess(
      (value) => (typeof value === "string" ? value.trim().toLowerCase() : value),
      z.enum(["true", "false"], { error: "REVIEW_SHOW_COST must be true or false" }),
    )
    .default("true")
    .transform((value) => value === "true"),
});

export type AppEnv = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`The environment is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Reads and validates the environment in one place; every problem is reported in one error. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  const blankToUndefined = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, env[key]?.trim() === "" ? undefined : env[key]]),
  );
  if (env.DEEPSEEK_API_KEY !== undefined) blankToUndefined.DEEPSEEK_API_KEY = env.DEEPSEEK_API_KEY;
  const result = envSchema.safeParse(blankToUndefined);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => issue.message));
  }
  return result.data;
}
