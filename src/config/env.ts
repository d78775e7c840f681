import { z } from "zod";

const positiveInt = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`)
    .default(fallback);

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
