import { existsSync } from "node:fs";
import { type Probot, run } from "probot";
import { createApp } from "./app.js";
import { EnvError, readEnv } from "./config/env.js";
import { settingsFromEnv, spendLimitsFromEnv } from "./config/settings-from-env.js";
import { createSpendWindows } from "./cost/spend-windows.js";
import { createOctokitClass } from "./github/create-octokit-class.js";
import { createModelClient } from "./llm/create-model-client.js";
import { createLimit } from "./queue/create-limit.js";
import { createTokenCounter } from "./review/count-tokens.js";
import { openStore } from "./store/open-store.js";
import { createWorkerPlanner } from "./workers/create-worker-planner.js";

/** Start-up: read and check the environment, then serve webhooks; SIGTERM drains the queue. */
async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  let env: ReturnType<typeof readEnv>;
  let settings: ReturnType<typeof settingsFromEnv>;
  try {
    env = readEnv();
    settings = settingsFromEnv(env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`deepseek-review cannot start. ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  const store = await openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    reviewConcurrency: env.REVIEW_MAX_CONCURRENT_REVIEWS,
  });
  // Until Probot hands over its logger (it does not in setup mode), log plain lines.
  let log: Pick<Probot["log"], "info" | "warn"> = {
    info: (fields: object, message?: string) => console.info(message ?? "", JSON.stringify(fields)),
    warn: (fields: object, message?: string) => console.warn(message ?? "", JSON.stringify(fields)),
  } as Pick<Probot["log"], "info" | "warn">;
  const app = createApp({
    process: settings,
    model: createModelClient({
      apiKey: env.DEEPSEEK_API_KEY,
      baseURL: env.DEEPSEEK_BASE_URL,
      timeoutMs: env.DEEPSEEK_TIMEOUT_MS,
      maxRetries: env.DEEPSEEK_MAX_RETRIES,
      maxRetryAfterMs: env.DEEPSEEK_MAX_RETRY_AFTER_MS,
    }),
    limit: createLimit(env.REVIEW_MAX_CONCURRENT_REQUESTS),
    store,
    countTokens: createTokenCounter(),
    planChunks: createWorkerPlanner({
      workers: env.REVIEW_PLAN_WORKERS,
      timeoutMs: env.REVIEW_PLAN_TIMEOUT_MS,
    }),
    spend: spendControlsFromEnv(env),
  });
  const server = await run(
    async (probot) => {
      log = probot.log;
      await app(probot);
    },
    { Octokit: createOctokitClass() },
  );

  process.once("SIGTERM", async () => {
    const stats = await store.queue.stats().catch(() => undefined);
    log.info({ ...stats }, "SIGTERM: no new work; finishing reviews in flight");
    // Stop listening; an idle keep-alive connection must not hold up the shutdown.
    void server.stop().catch((error: unknown) => log.warn({ err: error }, "server did not stop cleanly"));
    const unfinished = await store.queue.stop(env.REVIEW_SHUTDOWN_TIMEOUT_MS);
    // Jobs still running are interrupted; the durable queue runs them again at the next start.
    for (const pr of unfinished)
      log.warn({ pr, resumesAtNextStart: true }, "review not finished before shutdown");
    await store.close().catch((error: unknown) => log.warn({ err: error }, "store did not close cleanly"));
    log.info({ unfinished: unfinished.length }, "shutdown complete");
    process.exit(0);
  });
}

/** Each review's ceilings, and the hourly and daily windows counted in this process (README "Limits"). */
function spendControlsFromEnv(env: ReturnType<typeof readEnv>) {
  const limits = spendLimitsFromEnv(env);
  return { limits: limits.review, windows: createSpendWindows(limits.windows) };
}

await main();
