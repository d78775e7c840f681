import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { deliverWebhook, githubRoutesFor, startAppWithStandIns } from "../helpers/e2e.js";
import { chatCompletion } from "../helpers/fake-deepseek.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const files = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"),
);

async function startWithReviewInFlight(params: { deepseekDelayMs: number; shutdownTimeoutMs: number }) {
  // DeepSeek answers `{"findings":[]}` after `deepseekDelayMs`, and says when a request arrives.
  let arrived: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const { github, app, close } = await startAppWithStandIns({
    github: githubRoutesFor({ files }),
    deepseek: () => {
      arrived();
      return {
        ...chatCompletion({ content: '{"findings":[]}', promptTokens: 10, completionTokens: 5 }),
        delayMs: params.deepseekDelayMs,
      };
    },
    env: { DEEPSEEK_MAX_RETRIES: "0", REVIEW_SHUTDOWN_TIMEOUT_MS: String(params.shutdownTimeoutMs) },
  });
  const response = await deliverWebhook({
    port: app.port,
    event: "pull_request",
    id: "shutdown-1",
    payload: webhookExample("pull_request", "opened"),
    headers: { connection: "close" },
  });
  expect(response.status).toBe(200);
  await firstRequest;
  return {
    app,
    port: app.port,
    github,
    cleanup: close,
  };
}

describe("SIGTERM", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it("stops taking work, lets the review in flight finish and post, and exits 0", async () => {
    const run = await startWithReviewInFlight({ deepseekDelayMs: 1_000, shutdownTimeoutMs: 20_000 });
    cleanup = run.cleanup;
    run.app.child.kill("SIGTERM");
    expect(await run.app.exited).toBe(0);
    expect(run.app.logs.find((line) => line.msg === "review.completed")).toMatchObject({ pr: 2 });
    expect(
      run.github.requests.filter((request) => request.path.endsWith("/reviews") && request.method === "POST"),
    ).toHaveLength(1);
    await expect(
      fetch(`http://127.0.0.1:${run.port}/api/github/webhooks`, { method: "POST" }),
    ).rejects.toThrow();
  });

  it("exits 0 after the shutdown timeout and logs the review that could not finish by pull request", async () => {
    const run = await startWithReviewInFlight({ deepseekDelayMs: 30_000, shutdownTimeoutMs: 300 });
    cleanup = run.cleanup;
    run.app.child.kill("SIGTERM");
    expect(await run.app.exited).toBe(0);
    expect(run.app.logs.find((line) => line.msg === "review not finished before shutdown")).toMatchObject({
      pr: "Codertocat/Hello-World#2",
    });
    expect(run.app.logs.find((line) => line.msg === "review.completed")).toBeUndefined();
  });
});
