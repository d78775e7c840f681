import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { createApp } from "../app.js";
import { type AppEnv, EnvError, readEnv } from "../config/env.js";
import { type ProcessSettings, settingsFromEnv, spendControlsFromEnv } from "../config/settings-from-env.js";
import { createOctokitClass, DEFAULT_THROTTLE } from "../github/create-octokit-class.js";
import { createModelClient } from "../llm/create-model-client.js";
import { createMetrics } from "../operations/create-metrics.js";
import { createOperationsHandler } from "../operations/create-operations-handler.js";
import { createLimit } from "../queue/create-limit.js";
import { createTokenCounter } from "../review/count-tokens.js";
import { createServer, startServer } from "../server/create-server.js";
import { openStore } from "../store/open-store.js";
import { createWorkerPlanner } from "../workers/create-worker-planner.js";
import { createLog } from "./create-log.js";
import { handleShutdown, type Running } from "./handle-shutdown.js";
import { type GithubAppEnv, PROBOT_DEFAULT_SECRET, readGithubAppEnv } from "./read-github-app-env.js";

/**
 * Start-up: read .env, check every variable (ours and Probot's) and refuse to start on any problem with one line
 * each; without a GitHub App (outside production) serve the registration flow first; then serve webhooks.
 * SIGTERM/SIGINT drain the queue.
 */
export async function startApp(): Promise<void> {
  const cwd = process.cwd();
  const dotEnv = join(cwd, ".env");
  if (existsSync(dotEnv)) process.loadEnvFile(dotEnv);
  let { env, settings, github } = readStartEnv(cwd);
  const log = await createLog(github);
  const running: Running = { server: undefined, store: undefined };
  handleShutdown({ log, timeoutMs: env.REVIEW_SHUTDOWN_TIMEOUT_MS, running: () => running });

  if (github.credentials === undefined) {
    const { runSetup } = await import("../setup/run-setup.js");
    await runSetup({ github, log, cwd, env: process.env });
    ({ env, settings, github } = readStartEnv(cwd));
  }
  const credentials = github.credentials;
  if (credentials === undefined) return exitWith(["the GitHub App is still not configured after set-up"]);
  if (credentials.webhookSecret === PROBOT_DEFAULT_SECRET) {
    log.warn(
      "WEBHOOK_SECRET is not set: webhooks are checked against Probot's public default secret (development only)",
    );
  }

  const store = await openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    reviewConcurrency: env.REVIEW_MAX_CONCURRENT_REVIEWS,
    heartbeatSeconds: env.QUEUE_HEARTBEAT_SECONDS,
    retryDelaySeconds: env.QUEUE_RETRY_DELAY_SECONDS,
  });
  running.store = store;
  // Delivery ids and finished jobs past their retention are forgotten at start and every hour.
  const prune = () =>
    store
      .prune()
      .catch((error: unknown) => log.warn({ err: { message: (error as Error).message } }, "prune failed"));
  void prune();
  setInterval(prune, PRUNE_INTERVAL_MS).unref();
  const metrics = createMetrics({ queue: store.queue });
  const planChunks = createWorkerPlanner({
    workers: env.REVIEW_PLAN_WORKERS,
    timeoutMs: env.REVIEW_PLAN_TIMEOUT_MS,
  });
  // The first planning worker loads DeepSeek's tokenizer and the secret rules now, beside the server's start, not on
  // the first pull request; /readyz says ready only once it has.
  const warmingUp = performance.now();
  let warm = false;
  planChunks.warm().then(
    () => {
      warm = true;
      log.info({ ms: Math.round(performance.now() - warmingUp) }, "planner.warm");
    },
    (error: unknown) => log.error({ err: { message: (error as Error).message } }, "planner.warm_up_failed"),
  );
  const app = createApp({
    process: settings,
    model: metrics.instrument(
      createModelClient({
        apiKey: env.DEEPSEEK_API_KEY,
        baseURL: env.DEEPSEEK_BASE_URL,
        timeoutMs: env.DEEPSEEK_TIMEOUT_MS,
        maxRetries: env.DEEPSEEK_MAX_RETRIES,
        maxRetryAfterMs: env.DEEPSEEK_MAX_RETRY_AFTER_MS,
      }),
    ),
    limit: createLimit(env.REVIEW_MAX_CONCURRENT_REQUESTS),
    store,
    countTokens: createTokenCounter(),
    planChunks,
    spend: spendControlsFromEnv(env, store),
    metrics,
  });
  const server = createServer({
    github,
    log,
    ...credentials,
    Octokit: createOctokitClass(DEFAULT_THROTTLE, {}, (status) => metrics.recordGitHubError(status)),
  });
  running.server = server;
  // /healthz, /readyz and /metrics beside the webhook path; ready once the queue has resumed its jobs and the
  // planning workers are warm.
  let started = false;
  server.addHandler(createOperationsHandler({ store, metrics, ready: () => started && warm }));
  await startServer(server, async (probot) => {
    await app(probot);
    started = true;
  });
  logWhereWebhooksGo(log, github);
}

const PRUNE_INTERVAL_MS = 3_600_000;

interface StartEnv {
  env: AppEnv;
  settings: ProcessSettings;
  github: GithubAppEnv;
}

/** Every variable checked; all problems at once, then exit 1 (no stack trace: these are the operator's to fix). */
function readStartEnv(cwd: string): StartEnv {
  const problems: string[] = [];
  const collect = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof EnvError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const env = collect(() => readEnv());
  const settings = env === undefined ? undefined : collect(() => settingsFromEnv(env));
  const github = collect(() => readGithubAppEnv(process.env, cwd));
  if (env === undefined || settings === undefined || github === undefined) return exitWith(problems);
  return { env, settings, github };
}

function exitWith(problems: string[]): never {
  const [only] = problems;
  if (problems.length === 1 && only !== undefined) console.error(`deepseek-review cannot start: ${only}`);
  else
    console.error(`deepseek-review cannot start:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  process.exit(1);
}

function logWhereWebhooksGo(log: Logger, github: GithubAppEnv): void {
  log.info(
    { webhookPath: github.webhookPath, webhookProxyUrl: github.webhookProxyUrl },
    github.webhookProxyUrl === undefined
      ? "serving webhooks: the GitHub App's webhook URL must end in webhookPath"
      : "serving webhooks forwarded from the proxy channel",
  );
}
