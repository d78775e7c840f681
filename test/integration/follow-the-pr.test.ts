import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePatch } from "../../src/diff/parse-patch.js";
import { readReviewRecord } from "../../src/records/read-record.js";
import { renderRecord } from "../../src/records/render-record.js";
import { findingIdentity } from "../../src/review/finding-identity.js";
import { createTestApp, type TestApp } from "../helpers/create-test-app.js";
import type { LogRecord } from "../helpers/create-test-probot.js";
import { mockFindings } from "../helpers/deepseek-mocks.js";
import { diffOf } from "../helpers/fakes.js";
import {
  mockCompare,
  mockCreateReview,
  mockPullRequestReads,
  ownReview,
  reviewComment,
  setCurrentPull,
} from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

/** The head of pull request #2 in the webhook examples. */
const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
/** The head the app reviewed before the push. */
const LAST_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
/** A head after a force push. */
const NEW_SHA = "9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d";

type RestFile = { filename: string; patch?: string };
const files = (): RestFile[] =>
  JSON.parse(readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"));
const mathPatch = () => files().find((file) => file.filename === "src/math.js")?.patch ?? "";

/** What changed in src/math.js between LAST_SHA and HEAD_SHA: the version constant, in the second hunk only. */
const COMPARE_FILES = [
  {
    sha: "0000000000000000000000000000000000000000",
    filename: "src/math.js",
    status: "modified",
    additions: 1,
    deletions: 1,
    changes: 2,
    patch:
      '@@ -23,4 +23,4 @@\n   return value;\n }\n \n-export const VERSION = "0.9.0";\n+export const VERSION = "1.0.0";',
  },
];

const LOOP_FINDING = {
  path: "src/math.js",
  line: 7,
  severity: "critical",
  title: "Loop reads one element past the end",
  body: "`i <= values.length` reads `values[values.length]`, so the sum is `NaN`.",
};
const DIVISION_FINDING = {
  path: "src/math.js",
  line: 2,
  severity: "major",
  title: "Division by zero is no longer rejected",
  body: "`divide(1, 0)` now returns `Infinity` instead of throwing.",
};
const VERSION_FINDING = {
  path: "src/math.js",
  line: 26,
  severity: "minor",
  title: "Version is not read from package.json",
  body: "The constant will drift from the published version.",
};

/** The record the app writes on its comment on `line` of src/math.js (the findings name no category). */
function recordOf(params: { line: number; diff: ReturnType<typeof parsePatch> }): string {
  const comment = { path: "src/math.js", line: params.line, side: "RIGHT" as const, body: "" };
  return renderRecord({
    kind: "finding",
    finding: findingIdentity({ comment, category: undefined, diff: params.diff }),
  });
}

type PullRequestPayload = {
  pull_request: { head: { sha: string }; labels: { name: string }[] };
};

/** A pull_request event; the pull request `pulls.get` shows from now on is the payload's. */
function pullRequestEvent(action: string, change: (payload: PullRequestPayload) => void = () => {}) {
  const payload = webhookExample<PullRequestPayload>("pull_request", action);
  change(payload);
  setCurrentPull(payload.pull_request as unknown as Record<string, unknown>);
  return payload as never;
}

async function deliver(setupResult: TestApp, action: string, change?: (payload: PullRequestPayload) => void) {
  await setupResult.probot.receive({
    id: `delivery-${action}`,
    name: "pull_request",
    payload: pullRequestEvent(action, change),
  });
  expect(await setupResult.queue.drain(10_000)).toEqual([]);
}

/** The one line every job ends in. */
function outcomes(records: LogRecord[]) {
  return records.filter((record) => /^review\.(completed|skipped|failed)$/.test(record.msg));
}

type PostedReview = {
  commit_id: string;
  event: string;
  body: string;
  comments: { path: string; line: number; side: string; body: string }[];
};

describe("pull_request.synchronize", () => {
  describe("after a review of an earlier head that is an ancestor of the new one", () => {
    it("sends only the hunks changed since then and comments on lines of the whole pull request's diff", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA })] });
      mockCompare({ base: LAST_SHA, head: HEAD_SHA, status: "ahead", files: COMPARE_FILES });
      const deepseek = mockFindings([VERSION_FINDING]);
      const reviews = mockCreateReview({ id: 81 });

      await deliver(app, "synchronize");

      expect(deepseek).toHaveLength(1);
      expect(diffOf(deepseek[0])).toBe(
        [
          "=== FILE: src/math.js ===",
          "@@ -20,4 +21,6 @@ export function clamp(value, min, max) {",
          "   21 |   if (value < min) return min;",
          "   22 |   if (value > max) return max;",
          "   23 |   return value;",
          "   24 | }",
          "   25 |+",
          '   26 |+export const VERSION = "1.0.0";',
          "",
        ].join("\n"),
      );
      const review = reviews[0] as PostedReview;
      expect(review.commit_id).toBe(HEAD_SHA);
      expect(review.comments.map(({ body: _body, ...place }) => place)).toEqual([
        { path: "src/math.js", line: 26, side: "RIGHT" },
      ]);
      expect(review.body).toContain("Reviewed what changed since 6dcb09b, the last commit reviewed.");
      expect(readReviewRecord(review.body, HEAD_SHA)).toMatchObject({ head: HEAD_SHA, complete: true });
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({
          msg: "review.completed",
          headSha: HEAD_SHA,
          trigger: "auto",
          incrementalSince: LAST_SHA,
          requests: 1,
          findingsPosted: 1,
          reviewId: 81,
        }),
      ]);
    });
  });

  describe("when the last reviewed head is no longer an ancestor (force push)", () => {
    it("reviews the whole pull request and says why", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA })] });
      mockCompare({ base: LAST_SHA, head: HEAD_SHA, status: "diverged", files: COMPARE_FILES });
      const deepseek = mockFindings([]);
      const reviews = mockCreateReview({ id: 82 });

      await deliver(app, "synchronize");

      const diff = diffOf(deepseek[0]);
      expect(diff).toContain("=== FILE: src/math.js ===");
      expect(diff).toContain("@@ -1,8 +1,9 @@");
      expect(diff).toContain("@@ -20,4 +21,6 @@");
      expect(diff).toContain("=== FILE: src/greet.js ===");
      const { body } = reviews[0] as PostedReview;
      expect(body).toContain(
        "Full review: the last reviewed commit 6dcb09b is no longer part of the branch (force push).",
      );
      expect(body).not.toContain("Reviewed what changed since");
      const [line] = outcomes(app.records);
      expect(line).toMatchObject({ msg: "review.completed", requests: 1, findingsPosted: 0 });
      expect(line).not.toHaveProperty("incrementalSince");
    });
  });

  describe("when GitHub no longer knows the last reviewed head (404 on compare)", () => {
    it("reviews the whole pull request", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA })] });
      mockCompare({ base: LAST_SHA, head: HEAD_SHA, httpStatus: 404 });
      const deepseek = mockFindings([]);
      const reviews = mockCreateReview({ id: 83 });

      await deliver(app, "synchronize");

      expect(diffOf(deepseek[0])).toContain("=== FILE: src/greet.js ===");
      expect((reviews[0] as PostedReview).body).toContain(
        "Full review: the last reviewed commit 6dcb09b could not be found.",
      );
      const [line] = outcomes(app.records);
      expect(line).toMatchObject({ msg: "review.completed", requests: 1 });
      expect(line).not.toHaveProperty("incrementalSince");
    });
  });

  describe("when the head was already reviewed", () => {
    it("calls no model, posts nothing and logs why", async () => {
      const app = createTestApp();
      mockPullRequestReads({ reviews: [ownReview({ id: 10, reviewedSha: HEAD_SHA })], stopsAtReviews: true });

      await deliver(app, "synchronize");

      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({
          msg: "review.skipped",
          repo: "Codertocat/Hello-World",
          pr: 2,
          headSha: HEAD_SHA,
          trigger: "auto",
          reason: "this commit was already reviewed",
        }),
      ]);
    });
  });

  describe("when a human's review carries a forged marker for the head", () => {
    it("ignores the marker and reviews the pull request", async () => {
      const app = createTestApp();
      const forged = {
        ...ownReview({ id: 11, reviewedSha: HEAD_SHA, login: "mallory" }),
        user: { login: "mallory", type: "User" },
      };
      mockPullRequestReads({ files: files(), reviews: [forged] });
      const deepseek = mockFindings([LOOP_FINDING]);
      const reviews = mockCreateReview({ id: 84 });

      await deliver(app, "synchronize");

      expect(deepseek).toHaveLength(1);
      const review = reviews[0] as PostedReview;
      expect(review.comments.map(({ path, line }) => ({ path, line }))).toEqual([
        { path: "src/math.js", line: 7 },
      ]);
      expect(review.body).not.toContain("Reviewed what changed since");
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", findingsPosted: 1, reviewId: 84 }),
      ]);
    });
  });

  describe("when the model reports a finding the app already posted on the pull request", () => {
    it("posts only the new finding and says how many were not repeated", async () => {
      // First review: the loop finding is posted with its record.
      const first = createTestApp();
      mockPullRequestReads({ files: files() });
      mockFindings([LOOP_FINDING]);
      const firstReviews = mockCreateReview({ id: 85 });
      await deliver(first, "opened");
      const posted = (firstReviews[0] as PostedReview).comments[0];
      const diff = parsePatch({ path: "src/math.js", patch: mathPatch() });
      const loopRecord = recordOf({ line: 7, diff });
      expect(posted?.body.endsWith(`\n\n${loopRecord}`)).toBe(true);

      // After a force push the whole pull request is reviewed again and the model repeats itself.
      const second = createTestApp();
      const divisionRecord = recordOf({ line: 2, diff });
      mockPullRequestReads({
        files: files(),
        reviews: [ownReview({ id: 85, reviewedSha: HEAD_SHA })],
        comments: [
          reviewComment({ id: 501, body: posted?.body ?? "", path: "src/math.js", line: 7 }),
          // A human quoting the record of a finding does not stop the app from posting it.
          reviewComment({
            id: 502,
            body: `nice\n${divisionRecord}`,
            path: "src/math.js",
            line: 2,
            login: "mallory",
          }),
        ],
      });
      mockCompare({ base: HEAD_SHA, head: NEW_SHA, status: "diverged", files: [] });
      mockFindings([
        { ...LOOP_FINDING, body: "Reading past the end of `values` yields `NaN`." },
        DIVISION_FINDING,
      ]);
      const secondReviews = mockCreateReview({ id: 86 });
      await deliver(second, "synchronize", (payload) => {
        payload.pull_request.head.sha = NEW_SHA;
      });

      const review = secondReviews[0] as PostedReview;
      expect(review.commit_id).toBe(NEW_SHA);
      expect(review.comments.map(({ path, line }) => ({ path, line }))).toEqual([
        { path: "src/math.js", line: 2 },
      ]);
      expect(review.comments[0]?.body.endsWith(`\n\n${divisionRecord}`)).toBe(true);
      expect(review.body).toContain("1 already posted on this pull request, not repeated.");
      expect(outcomes(second.records)).toEqual([
        expect.objectContaining({
          msg: "review.completed",
          headSha: NEW_SHA,
          findingsPosted: 1,
          findingsAlreadyPosted: 1,
        }),
      ]);
    });
  });
});

describe("pull_request.opened", () => {
  describe("when GitHub delivers the same event twice in a row", () => {
    it("reviews the head once", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files() });
      const deepseek = mockFindings([LOOP_FINDING]);
      const reviews = mockCreateReview({ id: 87 });

      const delivery = { id: "delivery-1", name: "pull_request" as const };
      await app.probot.receive({ ...delivery, payload: pullRequestEvent("opened") });
      await app.probot.receive({ ...delivery, payload: pullRequestEvent("opened") });
      expect(await app.queue.drain(10_000)).toEqual([]);

      expect(deepseek).toHaveLength(1);
      expect(reviews).toHaveLength(1);
      expect(app.records.filter((record) => record.msg === "delivery already processed; ignored")).toEqual([
        expect.objectContaining({ delivery: "delivery-1", event: "pull_request" }),
      ]);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", headSha: HEAD_SHA, reviewId: 87 }),
      ]);
    });
  });

  describe("when other deliveries for the same head arrive while its review is queued or running", () => {
    it("reviews the head once (opened twice under new ids, and a racing synchronize)", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files() });
      const deepseek = mockFindings([LOOP_FINDING]);
      const reviews = mockCreateReview({ id: 87 });

      await Promise.all([
        app.probot.receive({ id: "delivery-1", name: "pull_request", payload: pullRequestEvent("opened") }),
        app.probot.receive({ id: "delivery-2", name: "pull_request", payload: pullRequestEvent("opened") }),
        app.probot.receive({
          id: "delivery-3",
          name: "pull_request",
          payload: pullRequestEvent("synchronize"),
        }),
      ]);
      expect(await app.queue.drain(10_000)).toEqual([]);

      expect(deepseek).toHaveLength(1);
      expect(reviews).toHaveLength(1);
      expect(
        app.records.filter((record) => record.msg === "job queued" && record.result === "duplicate"),
      ).toHaveLength(2);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", headSha: HEAD_SHA, reviewId: 87 }),
      ]);
    });
  });

  describe("when the pull request has the escalation label", () => {
    it("is reviewed by the Pro model and says so", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files() });
      const deepseek = mockFindings([LOOP_FINDING], { hit: 1000, miss: 1000, completion: 100 });
      const reviews = mockCreateReview({ id: 88 });

      await deliver(app, "opened", (payload) => {
        payload.pull_request.labels.push({ name: "deep-review" });
      });

      expect(deepseek.map((request) => request.model)).toEqual(["deepseek-v4-pro"]);
      const { body } = reviews[0] as PostedReview;
      expect(body).toContain("Reviewed by `deepseek-v4-pro` (the pull request has the escalation label).");
      const [line] = outcomes(app.records);
      expect(line).toMatchObject({ msg: "review.completed", model: "deepseek-v4-pro", requests: 1 });
      expect(line?.costUsd).toBeCloseTo((1000 * 0.145 + 1000 * 1.74 + 100 * 3.48) / 1e6, 12);
    });
  });

  describe("when the pull request is closed", () => {
    it("does nothing at all", async () => {
      const app = createTestApp();
      await deliver(app, "opened", (payload) => {
        (payload.pull_request as unknown as { state: string }).state = "closed";
      });
      expect(outcomes(app.records)).toEqual([]);
    });
  });
});
