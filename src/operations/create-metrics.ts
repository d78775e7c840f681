import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ModelClient } from "../llm/types.js";
import type { JobQueue } from "../store/types.js";

/** What the app counts for `/metrics` (Prometheus text format), on a registry of its own. */
export interface AppMetrics {
  readonly registry: Registry;
  /** One finished review run: its outcome, and per model what it spent. */
  recordReview(params: { outcome: string; models: { model: string; costUsd: number }[] }): void;
  /** One failed request to GitHub, by HTTP status ("network" when there was none). */
  recordGitHubError(status: number | undefined): void;
  /** The model client, timed and counted: latency by model and outcome, tokens by kind, DeepSeek errors by status. */
  instrument(client: ModelClient): ModelClient;
}

const PREFIX = "deepseek_review_";

/**
 * The app's metrics: reviews by outcome, queue depth and the age of the oldest job (read from the queue when
 * scraped), model latency, tokens by kind, cost, and GitHub and DeepSeek errors by status, plus Node's process
 * metrics (memory, event-loop lag, GC).
 */
export function createMetrics(params: { queue?: JobQueue } = {}): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const reviews = new Counter({
    name: `${PREFIX}reviews_total`,
    help: "Review runs by outcome (completed, skipped, failed, refused).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const cost = new Counter({
    name: `${PREFIX}cost_usd_total`,
    help: "Dollars spent on model calls, by model.",
    labelNames: ["model"],
    registers: [registry],
  });
  const tokens = new Counter({
    name: `${PREFIX}tokens_total`,
    help: "Tokens billed, by model and kind (cache_hit, cache_miss, output).",
    labelNames: ["model", "kind"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${PREFIX}model_request_duration_seconds`,
    help: "Time from sending a model request to its answer (or failure), by model and outcome.",
    labelNames: ["model", "outcome"],
    buckets: [0.5, 1, 2, 5, 10, 20, 40, 80, 160],
    registers: [registry],
  });
  const githubErrors = new Counter({
    name: `${PREFIX}github_errors_total`,
    help: "Failed GitHub requests by HTTP status.",
    labelNames: ["status"],
    registers: [registry],
  });
  const deepseekErrors = new Counter({
    name: `${PREFIX}deepseek_errors_total`,
    help: "Failed DeepSeek requests by HTTP status.",
    labelNames: ["status"],
    registers: [registry],
  });
  const queue = params.queue;
  const stats = () => queue?.stats().catch(() => undefined) ?? Promise.resolve(undefined);
  new Gauge({
    name: `${PREFIX}queue_waiting_jobs`,
    help: "Jobs waiting in the queue (due now or later).",
    registers: [registry],
    async collect() {
      this.set((await stats())?.waiting ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}queue_running_jobs`,
    help: "Jobs running in this process.",
    registers: [registry],
    async collect() {
      this.set((await stats())?.running ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}queue_oldest_job_age_seconds`,
    help: "Age of the oldest job due to run (0 when none waits).",
    registers: [registry],
    async collect() {
      this.set(((await stats())?.oldestWaitingMs ?? 0) / 1000);
    },
  });

  return {
    registry,
    recordReview({ outcome, models }) {
      reviews.inc({ outcome });
      for (const one of models) if (one.costUsd > 0) cost.inc({ model: one.model }, one.costUsd);
    },
    recordGitHubError(status) {
      githubErrors.inc({ status: status === undefined ? "network" : String(status) });
    },
    instrument(client) {
      return {
        async complete(request) {
          const end = latency.startTimer({ model: request.model });
          try {
            const response = await client.complete(request);
            end({ outcome: "answered" });
            tokens.inc({ model: request.model, kind: "cache_hit" }, response.usage.promptCacheHitTokens);
            tokens.inc({ model: request.model, kind: "cache_miss" }, response.usage.promptCacheMissTokens);
            tokens.inc({ model: request.model, kind: "output" }, response.usage.completionTokens);
            return response;
          } catch (error) {
            end({ outcome: "failed" });
            const status = (error as { status?: unknown }).status;
            deepseekErrors.inc({ status: typeof status === "number" ? String(status) : "network" });
            throw error;
          }
        },
      };
    },
  };
}
