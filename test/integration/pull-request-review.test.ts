import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/create-test-app.js";
import type { LogRecord } from "../helpers/create-test-probot.js";
import { DEEPSEEK, mockDeepSeek } from "../helpers/deepseek-mocks.js";
import {
  GITHUB,
  mockAppAuth,
  mockCreateReview,
  mockGetPullRequest,
  mockPullRequestReads,
  mockRepoConfig,
  pullRequestObject,
} from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

function completedLine(records: LogRecord[]) {
  return records.filter((record) => record.msg === "review.completed" || record.msg === "review.failed");
}

describe("pull_request.opened", () => {
  afterEach(() => nock.cleanAll());

  describe("with a reviewable diff", () => {
    it("posts one review with every comment on a line of the diff and logs what it cost", async () => {
      const { probot, records, queue } = createTestApp();
      mockPullRequestReads({ files: fixture("files.json") });
      const reviews = mockCreateReview({});
      const deepseek = mockDeepSeek({
        answer: fixture("model-answer.json"),
        usage: { hit: 1024, miss: 900, completion: 300 },
      });

      await probot.receive({
        id: "delivery-1",
        name: "pull_request",
        payload: webhookExample("pull_request", "opened") as never,
      });
      expect(await queue.drain(10_000)).toEqual([]);

      // One DeepSeek request in Non-Think, JSON mode; skipped files never reach the model.
      expect(deepseek).toHaveLength(1);
      const request = deepseek[0] as {
        model: string;
        thinking: unknown;
        response_format: unknown;
        messages: { role: string; content: string }[];
      };
      expect(request.model).toBe("deepseek-v4-flash");
      expect(request.thinking).toEqual({ type: "disabled" });
      expect(request.response_format).toEqual({ type: "json_object" });
      const prompt = JSON.stringify(request.messages);
      expect(prompt).toContain("src/math.js");
      expect(prompt).toContain("src/greet.js");
      expect(prompt).not.toContain("sk-live-4f9a8b7c6d5e");
      expect(prompt).not.toContain("package-lock.json");

      // The exact review request.
      const review = reviews[0] as {
        commit_id: string;
        event: string;
        body: string;
        comments: Record<string, unknown>[];
      };
      expect(review.commit_id).toBe(HEAD_SHA);
      expect(review.event).toBe("COMMENT");
      expect(review.comments.map(({ body: _body, ...placement }) => placement)).toEqual([
        { path: "src/math.js", line: 7, side: "RIGHT" },
        { path: "src/math.js", line: 2, side: "RIGHT" },
        { path: "src/math.js", line: 26, side: "RIGHT" },
      ]);
      expect(review.comments).not.toContainEqual(expect.objectContaining({ position: expect.anything() }));
      expect(review.comments[0]?.body).toContain(
        "```suggestion\n  for (let i = 0; i < values.length; i++) sum += values[i];\n```",
      );
      expect(review.comments[2]?.body).toContain("line 27");
      expect(review.body).toContain("Unrelated helper may need the same fix");
      expect(review.body).toContain("line 14 is not part of the diff");
      for (const skipped of ["package-lock.json", "assets/logo.png", ".env.production"]) {
        expect(review.body).toContain(skipped);
      }
      expect(review.body).toContain("deepseek-v4-flash");
      expect(review.body).toContain("$0.000239");

      // One structured log line with what the review did and cost.
      const lines = completedLine(records);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        msg: "review.completed",
        repo: "Codertocat/Hello-World",
        pr: 2,
        headSha: HEAD_SHA,
        model: "deepseek-v4-flash",
        requests: 1,
        promptCacheHitTokens: 1024,
        promptCacheMissTokens: 900,
        completionTokens: 300,
        findingsPosted: 3,
        findingsNotInline: 1,
      });
      expect(lines[0]?.costUsd).toBeCloseTo((1024 * 0.028 + 900 * 0.14 + 300 * 0.28) / 1e6, 12);
      expect(lines[0]?.durationMs).toEqual(expect.any(Number));
      expect(JSON.stringify(records)).not.toContain("sk-test");
      expect(JSON.stringify(records)).not.toContain("ghs_test");
    });
  });

  describe("when the installation has spent its hourly ceiling", () => {
    it("calls no model and says on the pull request which ceiling and when it resets", async () => {
      const { probot, records, queue } = createTestApp({
        env: { LIMIT_INSTALLATION_USD_PER_HOUR: "0.0001" },
      });
      mockPullRequestReads({ files: fixture("files.json") });
      const reviews = mockCreateReview({});

      await probot.receive({
        id: "delivery-ceiling",
        name: "pull_request",
        payload: webhookExample("pull_request", "opened") as never,
      });
      expect(await queue.drain(10_000)).toEqual([]);

      const review = reviews[0] as { body: string };
      expect(review.body).toMatch(
        /\*\*Nothing could be reviewed:\*\* not sent to the model: this review may cost up to \$0\.\d+, and this GitHub App installation has \$0\.000100 left of its ceiling of \$0\.000100 per hour \(`LIMIT_INSTALLATION_USD_PER_HOUR`\); it resets at \d{4}-\d\d-\d\d \d\d:00 UTC\./,
      );
      expect(review.body).not.toContain("deepseek-review:reviewed");
      const lines = completedLine(records);
      expect(lines).toEqual([
        expect.objectContaining({
          msg: "review.failed",
          requests: 0,
          costUsd: 0,
          limitReached: expect.objectContaining({
            scope: "installation",
            setting: "LIMIT_INSTALLATION_USD_PER_HOUR",
          }),
        }),
      ]);
    });
  });

  describe("when the pull request is a draft", () => {
    it("does not review it", async () => {
      const { probot, records, queue } = createTestApp();
      mockAppAuth();
      mockGetPullRequest({ pull: { ...pullRequestObject(), draft: true } });
      mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
      const payload = webhookExample<{ pull_request: { draft: boolean } }>("pull_request", "opened");
      payload.pull_request.draft = true;
      await probot.receive({ id: "delivery-2", name: "pull_request", payload: payload as never });
      expect(await queue.drain(10_000)).toEqual([]);
      expect(completedLine(records)).toEqual([]);
      expect(records.find((record) => record.msg === "review.skipped")).toMatchObject({
        reason: "draft pull request; reviewed when marked ready",
      });
    });
  });

  describe("when every changed file is skipped", () => {
    it("posts a short review that lists the skipped files and calls no model", async () => {
      const { probot, records, queue } = createTestApp();
      const files = (fixture("files.json") as { filename: string }[]).filter((file) =>
        ["package-lock.json", "assets/logo.png"].includes(file.filename),
      );
      mockPullRequestReads({ files });
      const reviews = mockCreateReview({ id: 78 });

      await probot.receive({
        id: "delivery-3",
        name: "pull_request",
        payload: webhookExample("pull_request", "opened") as never,
      });
      expect(await queue.drain(10_000)).toEqual([]);

      const review = reviews[0] as { body: string; comments: unknown[]; event: string };
      expect(review.event).toBe("COMMENT");
      expect(review.comments).toEqual([]);
      expect(review.body).toContain("Nothing was sent to the model");
      expect(review.body).toContain("package-lock.json");
      expect(completedLine(records)[0]).toMatchObject({ msg: "review.completed", requests: 0, costUsd: 0 });
    });
  });

  describe("when DeepSeek rejects the API key", () => {
    it("posts a review that says so and logs review.failed", async () => {
      const { probot, records, queue } = createTestApp();
      mockPullRequestReads({ files: fixture("files.json") });
      const reviews = mockCreateReview({ id: 79 });
      nock(DEEPSEEK)
        .post("/chat/completions")
        .reply(401, {
          error: { message: "Authentication Fails (sk-test is invalid)", type: "authentication_error" },
        });

      await probot.receive({
        id: "delivery-4",
        name: "pull_request",
        payload: webhookExample("pull_request", "opened") as never,
      });
      expect(await queue.drain(10_000)).toEqual([]);

      expect((reviews[0] as { body: string }).body).toContain("DeepSeek rejected the API key");
      const [line] = completedLine(records);
      expect(line).toMatchObject({
        msg: "review.failed",
        reason: "DeepSeek rejected the API key",
        requests: 0,
      });
      expect(JSON.stringify(records)).not.toContain("sk-test");
    });
  });
});

describe("when GitHub refuses the installation's token", () => {
  it("ends the job in exactly one review.failed line that names the pull request and the reason", async () => {
    const { probot, records, queue } = createTestApp();
    nock(GITHUB)
      .post(/^\/app\/installations\/\d+\/access_tokens$/)
      .reply(401, { message: "A JSON web token could not be decoded" });
    nock(GITHUB).get("/app").reply(200, { id: 123, slug: "deepseek-review" });

    await probot.receive({
      id: "delivery-auth",
      name: "pull_request",
      payload: webhookExample("pull_request", "opened") as never,
    });
    expect(await queue.drain(10_000)).toEqual([]);

    const lines = records.filter((record) =>
      /^review\.(completed|skipped|failed|retrying)$/.test(record.msg),
    );
    expect(lines).toEqual([
      expect.objectContaining({
        msg: "review.failed",
        repo: "Codertocat/Hello-World",
        pr: 2,
        reason: expect.stringContaining("HTTP 401"),
      }),
    ]);
    expect(records.filter((record) => record.msg === "review job crashed")).toEqual([]);
  });
});
