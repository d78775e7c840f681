import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/create-test-app.js";
import { type DeepSeekRequest, mockDeepSeek } from "../helpers/deepseek-mocks.js";
import { GITHUB, mockCreateReview, mockPullRequestReads } from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const CONTENTS = "/repos/Codertocat/Hello-World/contents";

/** src/math.js at the head: the diff's lines (1-9, 21-26) and lines 10-20 the diff does not show. */
const MATH_JS = [
  "export function divide(a, b) {",
  "  return a / b;",
  "}",
  "",
  "export function average(values) {",
  "  let sum = 0;",
  "  for (let i = 0; i <= values.length; i++) sum += values[i];",
  "  return sum / values.length;",
  "}",
  "",
  "export function median(values) {",
  "  const sorted = [...values].sort((x, y) => x - y);",
  "  const middle = Math.floor(sorted.length / 2);",
  "  return sorted[middle];",
  "}",
  "",
  "export function sum(values) {",
  "  return values.reduce((total, v) => total + v, 0);",
  "}",
  "export function clamp(value, min, max) {",
  "  if (value < min) return min;",
  "  if (value > max) return max;",
  "  return value;",
  "}",
  "",
  'export const VERSION = "1.0.0";',
].join("\n");

function mockContents() {
  nock(GITHUB)
    .get(`${CONTENTS}/src/math.js`)
    .query({ ref: HEAD_SHA })
    .reply(200, {
      type: "file",
      encoding: "base64",
      size: MATH_JS.length,
      name: "math.js",
      path: "src/math.js",
      content: Buffer.from(MATH_JS).toString("base64"),
    });
  nock(GITHUB).get(`${CONTENTS}/src/greet.js`).query({ ref: HEAD_SHA }).reply(404, { message: "Not Found" });
}

describe("pull_request.opened with the default configuration", () => {
  afterEach(() => nock.cleanAll());

  it("sends the code around the diff, has Flash check the findings, and drops the one it rejects", async () => {
    const { probot, records, queue } = createTestApp();
    mockPullRequestReads({ files: fixture("files.json") });
    mockContents();
    const reviews = mockCreateReview({});
    const review = mockDeepSeek({
      answer: fixture("model-answer.json"),
      usage: { hit: 1024, miss: 900, completion: 300 },
    });
    // The answer's findings in order: line 7 (critical), 2 (major), 14 (minor) are checked; the nit is not.
    const verification = mockDeepSeek({
      verification: true,
      answer: {
        verdicts: [
          { id: 1, verdict: "confirmed", reason: "The loop reads values[values.length]." },
          { id: 2, verdict: "confirmed", reason: "The guard is gone." },
          { id: 3, verdict: "rejected", reason: "Line 14 is unchanged and correct." },
        ],
      },
      usage: { hit: 0, miss: 400, completion: 60 },
    });

    await probot.receive({
      id: "delivery-context",
      name: "pull_request",
      payload: webhookExample("pull_request", "opened") as never,
    });
    expect(await queue.drain(10_000)).toEqual([]);

    const prompt = (review[0] as DeepSeekRequest).messages[1]?.content ?? "";
    expect(prompt).toContain("=== CONTEXT: src/math.js ===\n--- lines 1-26 (whole file) ---\n");
    expect(prompt).toContain("   11: export function median(values) {\n");
    expect(prompt.indexOf("<code_context>")).toBeLessThan(prompt.indexOf("<diff>"));

    expect(verification).toHaveLength(1);
    const check = verification[0] as DeepSeekRequest;
    expect(check.model).toBe("deepseek-v4-flash");
    expect(check.messages[1]?.content).toContain("=== CONTEXT: src/math.js ===");
    expect(check.messages[1]?.content).not.toContain("Version constant");

    const posted = reviews[0] as { body: string; comments: { path: string; line: number }[] };
    expect(posted.comments.map(({ line }) => line)).toEqual([7, 2, 26]);
    expect(posted.body).not.toContain("Unrelated helper may need the same fix");
    expect(posted.body).toContain("1 finding was rejected by the verification pass and not posted.");

    const completed = records.find((record) => record.msg === "review.completed");
    expect(completed).toMatchObject({
      requests: 2,
      promptCacheMissTokens: 1_300,
      findingsPosted: 3,
      verification: { checked: 3, rejected: 1, unverified: 0, calls: 1 },
    });
    expect(completed?.costUsd).toBeCloseTo((1024 * 0.028 + 1_300 * 0.14 + 360 * 0.28) / 1e6, 12);
    expect(records.filter((record) => record.msg === "finding rejected by verification")).toHaveLength(1);
  });
});
