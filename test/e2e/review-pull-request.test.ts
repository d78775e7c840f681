import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import {
  type AppWithStandIns,
  deliverWebhook,
  E2E_API_KEY,
  E2E_WEBHOOK_SECRET,
  examplePull,
  githubRoutesFor,
  startAppWithStandIns,
} from "../helpers/e2e.js";
import {
  chatCompletion,
  type FakeDeepSeekRequest,
  findingsToCheck,
  isVerificationRequest,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import type { RecordedRequest } from "../helpers/local-server.js";
import { startAppProcess } from "../helpers/start-app-process.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

const REPO = "/api/v3/repos/Codertocat/Hello-World";

describe("the app process", () => {
  let run: AppWithStandIns;
  let github: AppWithStandIns["github"];
  let deepseek: AppWithStandIns["deepseek"];
  let app: AppWithStandIns["app"];

  beforeAll(async () => {
    run = await startAppWithStandIns({
      github: githubRoutesFor({
        files: fixture("files.json"),
        postReview: () => ({ status: 200, body: { id: 4242 } }),
      }),
      // The review request gets the fixture's findings; the verification pass (on by default) confirms them.
      deepseek: (request) =>
        isVerificationRequest(request)
          ? verdictsCompletion(request, "confirmed", {
              promptTokens: 1000,
              completionTokens: 60,
              cacheHitTokens: 800,
            })
          : chatCompletion({
              content: JSON.stringify(fixture("model-answer.json")),
              promptTokens: 2000,
              completionTokens: 250,
              cacheHitTokens: 1500,
            }),
    });
    ({ github, deepseek, app } = run);
  });

  afterAll(() => run?.close());

  it("answers a signed webhook at once and posts one review on lines of the diff", async () => {
    const response = await deliverWebhook({
      port: app.port,
      event: "pull_request",
      id: "e2e-delivery-1",
      payload: webhookExample("pull_request", "opened"),
    });
    expect(response.status).toBeLessThan(300);
    expect(response.ms).toBeLessThan(5_000);

    const completed = await app.waitForLog((line) => line.msg === "review.completed");
    expect(completed).toMatchObject({
      repo: "Codertocat/Hello-World",
      pr: 2,
      // One review request and one verification request (every finding is on one file), both billed.
      requests: 2,
      promptCacheHitTokens: 1500 + 800,
      promptCacheMissTokens: 500 + 200,
      completionTokens: 250 + 60,
      findingsPosted: 3,
      findingsNotInline: 1,
    });
    expect(completed.costUsd).toBeCloseTo((2300 * 0.028 + 700 * 0.14 + 310 * 0.28) / 1e6, 12);

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
    expect(deepseek.requests).toHaveLength(2);
    const [reviewRequest, verification] = [
      deepseek.requests.filter((request) => !isVerificationRequest(request)),
      deepseek.requests.filter(isVerificationRequest),
    ];
    expect(reviewRequest).toHaveLength(1);
    expect(verification).toHaveLength(1);
    // The findings at or above `verify_min_severity` (minor) are checked; the nit is posted unchecked.
    expect(findingsToCheck(verification[0] as FakeDeepSeekRequest).map((finding) => finding.line)).toEqual([
      7, 2, 14,
    ]);
    for (const request of deepseek.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${E2E_API_KEY}`);
    }
    // The check run on the head: created in progress, completed with the review's findings.
    const checkRuns = github.requests.filter((request) => request.path.includes("/check-runs"));
    expect(checkRuns[0]).toMatchObject({
      method: "POST",
      path: `${REPO}/check-runs`,
      body: { head_sha: (examplePull() as { head: { sha: string } }).head.sha, status: "in_progress" },
    });
    expect(checkRuns.at(-1)).toMatchObject({ method: "PATCH", body: { status: "completed" } });
    expect(app.logs.some((line) => line.msg === "check run not written")).toBe(false);
    expect(JSON.stringify(app.logs)).not.toContain(E2E_API_KEY);
  });

  it("rejects a webhook with a bad signature and reviews nothing", async () => {
    const before = deepseek.requests.length;
    const response = await deliverWebhook({
      port: app.port,
      event: "pull_request",
      id: "e2e-delivery-2",
      payload: webhookExample("pull_request", "opened"),
      signature: `sha256=${"0".repeat(64)}`,
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(deepseek.requests.length).toBe(before);
  });

  it("serves /healthz, /readyz and /metrics beside the webhook path, counting the review it did", async () => {
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${app.port}${path}`);
      return { status: response.status, text: await response.text() };
    };
    expect(await get("/healthz")).toEqual({ status: 200, text: "ok\n" });
    expect(await get("/readyz")).toEqual({ status: 200, text: "ready\n" });
    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('deepseek_review_reviews_total{outcome="completed"} 1');
    expect(metrics.text).toContain(
      'deepseek_review_tokens_total{model="deepseek-v4-flash",kind="cache_hit"} 2300',
    );
    expect(metrics.text).toMatch(/deepseek_review_cost_usd_total\{model="deepseek-v4-flash"\} 0\.0002492/);
    expect(metrics.text).toContain("deepseek_review_queue_waiting_jobs 0");
  });
});

describe("start-up without DEEPSEEK_API_KEY", () => {
  it("stops with a message naming the variable", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-e2e-"));
    const app = startAppProcess(
      { APP_ID: "123", PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: E2E_WEBHOOK_SECRET },
      cwd,
    );
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toContain("DEEPSEEK_API_KEY is missing");
    rmSync(cwd, { recursive: true, force: true });
  });
});
