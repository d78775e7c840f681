import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ModelRequestError } from "../../../src/llm/errors.js";
import { createMetrics } from "../../../src/operations/create-metrics.js";
import { createOperationsHandler } from "../../../src/operations/create-operations-handler.js";
import type { Store } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";
import { answerWith, createScriptedModel } from "../../helpers/fakes.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** The handler on a loopback server, as Probot's server runs it (unhandled paths get 404). */
async function serve(handler: ReturnType<typeof createOperationsHandler>) {
  const server = createServer(async (request, response) => {
    if (!(await handler(request, response))) response.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return {
      status: response.status,
      text: await response.text(),
      type: response.headers.get("content-type"),
    };
  };
}

const request = { model: "deepseek-v4-flash", messages: [], maxTokens: 10, temperature: 0 };

describe("createMetrics", () => {
  it("counts reviews, cost, tokens, latency and errors, and reads the queue when scraped", async () => {
    const store = createTestStore();
    await store.queue.enqueue({
      type: "review",
      installationId: 1,
      owner: "o",
      repo: "r",
      number: 1,
      deliveryId: "d",
      trigger: { kind: "auto", event: "pull_request.opened", headSha: "a".repeat(40) },
    });
    const metrics = createMetrics({ queue: store.queue });
    const model = metrics.instrument(
      createScriptedModel([
        answerWith([], { promptCacheHitTokens: 100, promptCacheMissTokens: 20, completionTokens: 5 }),
        new ModelRequestError({
          message: "HTTP 503",
          userMessage: "DeepSeek server error",
          retryable: true,
          status: 503,
        }),
      ]),
    );
    await model.complete(request);
    await expect(model.complete(request)).rejects.toThrow("HTTP 503");
    metrics.recordReview({ outcome: "completed", models: [{ model: "deepseek-v4-flash", costUsd: 0.25 }] });
    metrics.recordReview({ outcome: "refused", models: [] });
    metrics.recordGitHubError(502);
    metrics.recordGitHubError(undefined);

    const text = await metrics.registry.metrics();
    expect(text).toContain('deepseek_review_reviews_total{outcome="completed"} 1');
    expect(text).toContain('deepseek_review_reviews_total{outcome="refused"} 1');
    expect(text).toContain('deepseek_review_cost_usd_total{model="deepseek-v4-flash"} 0.25');
    expect(text).toContain('deepseek_review_tokens_total{model="deepseek-v4-flash",kind="cache_hit"} 100');
    expect(text).toContain('deepseek_review_tokens_total{model="deepseek-v4-flash",kind="output"} 5');
    expect(text).toContain(
      'deepseek_review_model_request_duration_seconds_count{model="deepseek-v4-flash",outcome="answered"} 1',
    );
    expect(text).toContain('deepseek_review_deepseek_errors_total{status="503"} 1');
    expect(text).toContain('deepseek_review_github_errors_total{status="502"} 1');
    expect(text).toContain('deepseek_review_github_errors_total{status="network"} 1');
    expect(text).toContain("deepseek_review_queue_waiting_jobs 1");
    expect(text).toContain("deepseek_review_process_resident_memory_bytes");
    await store.close();
  });
});

describe("createOperationsHandler", () => {
  async function setUp(params: { store?: Store; ready?: () => boolean } = {}) {
    const store = params.store ?? createTestStore();
    const metrics = createMetrics({ queue: store.queue });
    const get = await serve(
      createOperationsHandler({ store, metrics, ...(params.ready ? { ready: params.ready } : {}) }),
    );
    return { get, store };
  }

  it("answers /healthz, /readyz and /metrics, and leaves other paths to the next handler", async () => {
    const { get } = await setUp();
    expect(await get("/healthz")).toMatchObject({ status: 200, text: "ok\n" });
    expect(await get("/readyz")).toMatchObject({ status: 200, text: "ready\n" });
    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain("text/plain");
    expect(metrics.text).toContain("# TYPE deepseek_review_reviews_total counter");
    expect((await get("/api/github/webhooks")).status).toBe(404);
  });

  it("is not ready while the app starts, nor when the store does not answer", async () => {
    let started = false;
    const { get, store } = await setUp({ ready: () => started });
    expect(await get("/readyz")).toMatchObject({ status: 503, text: "not ready: still starting\n" });
    started = true;
    expect((await get("/readyz")).status).toBe(200);
    await store.close();
    const down = await get("/readyz");
    expect(down.status).toBe(503);
    expect(down.text).toContain("not ready: the store does not answer");
    expect((await get("/healthz")).status).toBe(200);
  });
});
