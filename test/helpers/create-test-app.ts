import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppDeps, createApp } from "../../src/app.js";
import { readEnv } from "../../src/config/env.js";
import { settingsFromEnv, spendControlsFromEnv } from "../../src/config/settings-from-env.js";
import { createModelClient } from "../../src/llm/create-model-client.js";
import { createLimit } from "../../src/queue/create-limit.js";
import { estimateTokens } from "../../src/review/count-tokens.js";
import { openSqliteStore } from "../../src/store/sqlite/open-sqlite-store.js";
import type { JobQueue, Store } from "../../src/store/types.js";
import { createTestProbot } from "./create-test-probot.js";
import { DEEPSEEK } from "./deepseek-mocks.js";

export interface TestAppOptions {
  /** The DeepSeek API key; default `sk-test`. */
  apiKey?: string;
  /** Environment read on top of the API key (e.g. `REVIEW_MAX_FILE_PATCH_BYTES`). */
  env?: Record<string, string>;
  /** The store; default a new SQLite file in a temporary directory. */
  store?: Store;
}

const directories: string[] = [];
process.once("exit", () => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A real SQLite store in a new temporary directory (removed when the test process exits). */
export function createTestStore(
  options: { reviewConcurrency?: number; retryDelayMs?: (attempt: number) => number } = {},
): Store {
  const dataDir = mkdtempSync(join(tmpdir(), "deepseek-review-test-"));
  directories.push(dataDir);
  return openSqliteStore({
    dataDir,
    reviewConcurrency: options.reviewConcurrency ?? 2,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  });
}

/**
 * What `createApp` needs, for a test: the model client on nock's `DEEPSEEK` with retries off, a limit of 8 and a
 * real SQLite store whose queue the test can drain.
 */
export function createTestAppDeps(options: TestAppOptions = {}): {
  deps: AppDeps;
  queue: JobQueue;
  store: Store;
} {
  const apiKey = options.apiKey ?? "sk-test";
  const store = options.store ?? createTestStore();
  const env = readEnv({ DEEPSEEK_API_KEY: apiKey, ...options.env });
  const deps: AppDeps = {
    process: settingsFromEnv(env),
    model: createModelClient({ apiKey, baseURL: DEEPSEEK, timeoutMs: 5_000, maxRetries: 0 }),
    limit: createLimit(8),
    store,
    countTokens: estimateTokens,
    spend: spendControlsFromEnv(env, store),
  };
  return { deps, queue: store.queue, store };
}

/** The app loaded in a test Probot (retry and throttling off, logs captured), with its queue and store. */
export function createTestApp(options: TestAppOptions = {}) {
  const { deps, queue, store } = createTestAppDeps(options);
  const { probot, records } = createTestProbot(createApp(deps));
  return { probot, records, queue, store };
}

export type TestApp = ReturnType<typeof createTestApp>;
