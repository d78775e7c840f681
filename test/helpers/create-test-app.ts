import { type AppDeps, createApp } from "../../src/app.js";
import { readEnv } from "../../src/config/env.js";
import { settingsFromEnv, spendLimitsFromEnv } from "../../src/config/settings-from-env.js";
import { createSpendWindows } from "../../src/cost/spend-windows.js";
import { createModelClient } from "../../src/llm/create-model-client.js";
import { createLimit } from "../../src/queue/create-limit.js";
import { createReviewQueue, type ReviewQueue } from "../../src/queue/review-queue.js";
import { estimateTokens } from "../../src/review/count-tokens.js";
import { createTestProbot } from "./create-test-probot.js";
import { DEEPSEEK } from "./deepseek-mocks.js";

export interface TestAppOptions {
  /** The DeepSeek API key; default `sk-test`. */
  apiKey?: string;
  /** Environment read on top of the API key (e.g. `REVIEW_MAX_FILE_PATCH_BYTES`). */
  env?: Record<string, string>;
}

/**
 * What `createApp` needs, for a test: the model client on nock's `DEEPSEEK` with retries off, a limit of 8 and a
 * queue of 2 the test can drain.
 */
export function createTestAppDeps(options: TestAppOptions = {}): { deps: AppDeps; queue: ReviewQueue } {
  const apiKey = options.apiKey ?? "sk-test";
  const queue = createReviewQueue({ concurrency: 2 });
  const env = readEnv({ DEEPSEEK_API_KEY: apiKey, ...options.env });
  const limits = spendLimitsFromEnv(env);
  const deps: AppDeps = {
    process: settingsFromEnv(env),
    model: createModelClient({ apiKey, baseURL: DEEPSEEK, timeoutMs: 5_000, maxRetries: 0 }),
    limit: createLimit(8),
    queue,
    countTokens: estimateTokens,
    spend: { limits: limits.review, windows: createSpendWindows(limits.windows) },
  };
  return { deps, queue };
}

/** The app loaded in a test Probot (retry and throttling off, logs captured), with its queue. */
export function createTestApp(options: TestAppOptions = {}) {
  const { deps, queue } = createTestAppDeps(options);
  const { probot, records } = createTestProbot(createApp(deps));
  return { probot, records, queue };
}

export type TestApp = ReturnType<typeof createTestApp>;
