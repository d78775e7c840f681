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
  mockCheckRuns,
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

/** The base of pull request #2 in the webhook examples (the reviews of `ownReview` saw it too). */
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
/** A base before the base branch moved on. */
const OLD_BASE = "0ab1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9";

/** The pull request's files with src/math.js's patch changed by `change`. */
function filesWithMath(change: (patch: string) => string): RestFile[] {
  return files().map((file) =>
    file.filename === "src/math.js" ? { ...file, patch: change(file.patch ?? "") } : file,
  );
}

/** The pull request at LAST_SHA (its base...head then): the version constant said 0.9.0; the rest is the same. */
const atLast = () => filesWithMath((patch) => patch.replace('"1.0.0"', '"0.9.0"'));

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
      mockCompare({ base: BASE_SHA, head: LAST_SHA, files: atLast() });
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

  describe("when the push only merges the base (Update branch), which rewrote a context line of a hunk", () => {
    /**
     * The pull request as reviewed at LAST_SHA on OLD_BASE: the same changes, but the base said
     * `if (value < min) { return min; }` and the second hunk sat two lines higher. Since then the base rewrote that
     * line and the branch merged the base: the compare from LAST_SHA lists src/math.js as changed.
     */
    const beforeUpdate = () =>
      filesWithMath((patch) =>
        patch
          .replace("@@ -20,4 +21,6 @@", "@@ -18,4 +19,6 @@")
          .replace("   if (value < min) return min;", "   if (value < min) { return min; }"),
      );

    it("asks no model, posts no review, completes the check run and remembers the head", async () => {
      const app = createTestApp();
      const checkRuns = mockCheckRuns();
      mockPullRequestReads({
        files: files(),
        reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA, base: OLD_BASE })],
      });
      mockCompare({ base: OLD_BASE, head: LAST_SHA, status: "diverged", files: beforeUpdate() });

      await deliver(app, "synchronize");

      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({
          msg: "review.completed",
          headSha: HEAD_SHA,
          requests: 0,
          incrementalSince: LAST_SHA,
          quiet: "nothing new in the pull request's own changes since 6dcb09b, the last commit reviewed",
        }),
      ]);
      expect(checkRuns).toEqual([
        expect.objectContaining({
          name: "deepseek-review",
          head_sha: HEAD_SHA,
          status: "completed",
          conclusion: "neutral",
          output: expect.objectContaining({ title: "Nothing new to review" }),
        }),
      ]);
      expect(checkRuns[0]?.output.summary).toContain(
        "No review posted: nothing new in the pull request's own changes since 6dcb09b",
      );
      expect(await app.store.lastReviewed({ repo: "Codertocat/Hello-World", pr: 2 })).toMatchObject({
        head: HEAD_SHA,
        base: BASE_SHA,
        complete: true,
      });
    });

    it("starts the next push from the head it remembers, though no review was posted on it", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: files(),
        reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA, base: OLD_BASE })],
      });
      mockCompare({ base: OLD_BASE, head: LAST_SHA, files: beforeUpdate() });
      await deliver(app, "synchronize");

      // The next push changes the version again: only that is new since HEAD_SHA, the head reviewed quietly.
      const pushed = filesWithMath((patch) => patch.replace('"1.0.0"', '"1.1.0"'));
      mockPullRequestReads({
        files: pushed,
        reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA, base: OLD_BASE })],
        headSha: NEW_SHA,
        // The same app: its installation token and login are still known.
        auth: false,
      });
      mockCompare({ base: BASE_SHA, head: HEAD_SHA, files: files() });
      const deepseek = mockFindings([]);
      await app.probot.receive({
        id: "delivery-next",
        name: "pull_request",
        payload: pullRequestEvent("synchronize", (payload) => {
          payload.pull_request.head.sha = NEW_SHA;
        }),
      });
      expect(await app.queue.drain(10_000)).toEqual([]);

      expect(diffOf(deepseek[0])).toContain('export const VERSION = "1.1.0";');
      expect(diffOf(deepseek[0])).not.toContain("export function divide");
      expect(outcomes(app.records).at(-1)).toMatchObject({
        msg: "review.completed",
        headSha: NEW_SHA,
        incrementalSince: HEAD_SHA,
        quiet: "no new finding",
      });
    });
  });

  describe("when GitHub no longer knows the last reviewed head (404 on compare)", () => {
    it("reviews the whole pull request", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA })] });
      mockCompare({ base: BASE_SHA, head: LAST_SHA, httpStatus: 404 });
      const deepseek = mockFindings([LOOP_FINDING]);
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
      // GitHub no longer knows the reviewed head (a force push, then garbage collection): a full review.
      mockCompare({ base: BASE_SHA, head: HEAD_SHA, httpStatus: 404 });
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
