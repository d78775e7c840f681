import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import { freePort, startLocalServer } from "../helpers/local-server.js";
import { startAppProcess } from "../helpers/start-app-process.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const SECRET = "shutdown-secret";
const files = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"),
);

/** A DeepSeek stand-in that answers `{"findings":[]}` after `delayMs`, and says when a request arrives. */
async function startSlowDeepSeek(delayMs: number) {
  let arrived: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drain the body
    }
    arrived();
    const timer = setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "c",
          object: "chat.completion",
          created: 1,
          model: "deepseek-v4-flash",
          choices: [
            { index: 0, finish_reason: "stop", message: { role: "assistant", content: '{"findings":[]}' } },
          ],
          usage: {
            prompt_tokens: 10,
            completion_tokens: 5,
            prompt_cache_hit_tokens: 0,
            prompt_cache_miss_tokens: 10,
          },
        }),
      );
    }, delayMs);
    res.on("close", () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    firstRequest,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startWithReviewInFlight(params: { deepseekDelayMs: number; shutdownTimeoutMs: number }) {
  const github = await startLocalServer((request) => {
    const { method, path } = request;
    if (method === "POST" && /access_tokens$/.test(path)) {
      return { status: 201, body: { token: "ghs_x", expires_at: "2099-01-01T00:00:00Z", permissions: {} } };
    }
    if (method === "GET" && path === "/api/v3/app")
      return { status: 200, body: { id: 123, slug: "deepseek-review" } };
    if (method === "GET" && path.includes("/contents/"))
      return { status: 404, body: { message: "Not Found" } };
    if (method === "GET" && /\/pulls\/2\/files\?/.test(path)) return { status: 200, body: files };
    if (method === "GET" && /\/pulls\/2\/(reviews|comments)\?/.test(path)) return { status: 200, body: [] };
    if (method === "POST" && /\/pulls\/2\/reviews$/.test(path)) return { status: 200, body: { id: 1 } };
    return undefined;
  });
  const deepseek = await startSlowDeepSeek(params.deepseekDelayMs);
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-shutdown-"));
  const app = startAppProcess(
    {
      APP_ID: "123",
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: `127.0.0.1:${github.port}`,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      DEEPSEEK_API_KEY: "sk-shutdown",
      DEEPSEEK_BASE_URL: deepseek.url,
      DEEPSEEK_MAX_RETRIES: "0",
      REVIEW_SHUTDOWN_TIMEOUT_MS: String(params.shutdownTimeoutMs),
    },
    cwd,
  );
  await app.waitForLog((line) => String(line.msg).includes("Listening on"));
  const body = JSON.stringify(webhookExample("pull_request", "opened"));
  const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": "shutdown-1",
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      connection: "close",
    },
    body,
  });
  expect(response.status).toBe(200);
  await deepseek.firstRequest;
  return {
    app,
    port,
    github,
    cleanup: async () => {
      await app.stop();
      await github.close();
      await deepseek.close();
      rmSync(cwd, { recursive: true, force: true });
    },
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
