import { createHmac } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import { freePort, type RecordedRequest, startLocalServer } from "../helpers/local-server.js";
import { type AppProcess, startAppProcess } from "../helpers/start-app-process.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

const SECRET = "e2e-webhook-secret";
const REPO = "/api/v3/repos/Codertocat/Hello-World";

describe("the app process", () => {
  let github: Awaited<ReturnType<typeof startLocalServer>>;
  let deepseek: Awaited<ReturnType<typeof startLocalServer>>;
  let app: AppProcess;
  let port: number;
  let cwd: string;

  beforeAll(async () => {
    github = await startLocalServer((request) => {
      if (request.method === "POST" && request.path === "/api/v3/app/installations/1/access_tokens") {
        return {
          status: 201,
          body: { token: "ghs_e2e", expires_at: "2099-01-01T00:00:00Z", permissions: {} },
        };
      }
      if (request.method === "GET" && request.path === "/api/v3/app") {
        return { status: 200, body: { id: 123, slug: "deepseek-review" } };
      }
      if (request.method === "GET" && request.path.startsWith(`${REPO}/pulls/2/files`)) {
        return { status: 200, body: fixture("files.json") };
      }
      if (request.method === "GET" && /\/pulls\/2\/(reviews|comments)\?/.test(request.path)) {
        return { status: 200, body: [] };
      }
      if (request.method === "GET" && request.path.includes("/contents/")) {
        return { status: 404, body: { message: "Not Found" } };
      }
      if (request.method === "POST" && request.path === `${REPO}/pulls/2/reviews`) {
        return { status: 200, body: { id: 4242 } };
      }
      return undefined;
    });
    deepseek = await startLocalServer((request) => {
      if (request.method !== "POST" || request.path !== "/chat/completions") return undefined;
      return {
        status: 200,
        body: {
          id: "chatcmpl-e2e",
          object: "chat.completion",
          created: 1_764_460_800,
          model: "deepseek-v4-flash",
          choices: [
            {
              index: 0,
              finish_reason: "stop",
              message: { role: "assistant", content: JSON.stringify(fixture("model-answer.json")) },
            },
          ],
          usage: {
            prompt_tokens: 2000,
            completion_tokens: 250,
            total_tokens: 2250,
            prompt_cache_hit_tokens: 1500,
            prompt_cache_miss_tokens: 500,
          },
        },
      };
    });
    port = await freePort();
    cwd = mkdtempSync(join(tmpdir(), "deepseek-review-e2e-"));
    app = startAppProcess(
      {
        APP_ID: "123",
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: `127.0.0.1:${github.port}`,
        GHE_PROTOCOL: "http",
        HOST: "127.0.0.1",
        PORT: String(port),
        DEEPSEEK_API_KEY: "sk-e2e-secret",
        DEEPSEEK_BASE_URL: deepseek.url,
      },
      cwd,
    );
    await app.waitForLog((line) => String(line.msg).includes("Listening on"));
  });

  afterAll(async () => {
    await app?.stop();
    await github?.close();
    await deepseek?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("answers a signed webhook at once and posts one review on lines of the diff", async () => {
    const body = JSON.stringify(webhookExample("pull_request", "opened"));
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const started = Date.now();
    const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": "e2e-delivery-1",
        "x-hub-signature-256": signature,
      },
      body,
    });
    expect(response.status).toBeLessThan(300);
    expect(Date.now() - started).toBeLessThan(5_000);

    const completed = await app.waitForLog((line) => line.msg === "review.completed");
    expect(completed).toMatchObject({
      repo: "Codertocat/Hello-World",
      pr: 2,
      requests: 1,
      promptCacheHitTokens: 1500,
      promptCacheMissTokens: 500,
      completionTokens: 250,
      findingsPosted: 3,
      findingsNotInline: 1,
    });
    expect(completed.costUsd).toBeCloseTo((1500 * 0.028 + 500 * 0.14 + 250 * 0.28) / 1e6, 12);

    const reviews = github.requests.filter((request) => request.path === `${REPO}/pulls/2/reviews`);
    expect(reviews).toHaveLength(1);
    const review = (reviews[0] as RecordedRequest).body as {
      event: string;
      comments: { line: number; side: string }[];
    };
    expect(review.event).toBe("COMMENT");
    expect(review.comments.map((comment) => [comment.line, comment.side])).toEqual([
      [7, "RIGHT"],
      [2, "RIGHT"],
      [26, "RIGHT"],
    ]);
    expect(deepseek.requests).toHaveLength(1);
    expect(deepseek.requests[0]?.headers.authorization).toBe("Bearer sk-e2e-secret");
    expect(JSON.stringify(app.logs)).not.toContain("sk-e2e-secret");
  });

  it("rejects a webhook with a bad signature and reviews nothing", async () => {
    const before = deepseek.requests.length;
    const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": "e2e-delivery-2",
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      },
      body: JSON.stringify(webhookExample("pull_request", "opened")),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(deepseek.requests.length).toBe(before);
  });
});

describe("start-up without DEEPSEEK_API_KEY", () => {
  it("stops with a message naming the variable", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-e2e-"));
    const app = startAppProcess(
      { APP_ID: "123", PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET },
      cwd,
    );
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toContain("DEEPSEEK_API_KEY is missing");
    rmSync(cwd, { recursive: true, force: true });
  });
});

describe("start-up without APP_ID", () => {
  it("serves the GitHub App registration flow from app.yml", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-e2e-"));
    for (const file of ["app.yml", "package.json"]) {
      copyFileSync(new URL(`../../${file}`, import.meta.url), join(cwd, file));
    }
    const port = await freePort();
    const app = startAppProcess(
      { DEEPSEEK_API_KEY: "sk-e2e", HOST: "127.0.0.1", PORT: String(port), NO_SMEE_SETUP: "true" },
      cwd,
    );
    try {
      await app.waitForLog((line) => String(line.msg).includes("Welcome to Probot"));
      const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
      const manifest = page.replaceAll("&quot;", '"');
      expect(manifest).toContain('"name":"deepseek-review"');
      expect(manifest).toContain('"default_events":["pull_request","issue_comment"]');
      expect(manifest).toContain('"pull_requests":"write"');
    } finally {
      await app.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
