import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { parsePatch } from "../../src/diff/parse-patch.js";
import { renderRecord } from "../../src/records/render-record.js";
import { findingIdentity } from "../../src/review/finding-identity.js";
import { formatCommentBody } from "../../src/review/format-comment.js";
import type { Finding } from "../../src/review/types.js";
import { createTestApp, type TestApp } from "../helpers/create-test-app.js";
import type { LogRecord } from "../helpers/create-test-probot.js";
import { DEEPSEEK, mockFindings } from "../helpers/deepseek-mocks.js";
import {
  GITHUB,
  mockAppAuth,
  mockCheckRuns,
  mockCompare,
  mockCreateReview,
  mockGetPullRequest,
  mockIssueComment,
  mockPermission,
  mockPullRequestReads,
  mockRepoConfig,
  ownReview,
  reviewComment,
  reviewThread,
  setCurrentPull,
} from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

/** Pull request #2 of the webhook examples: its head, an earlier reviewed head, and its base. */
const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const LAST_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

type RestFile = { filename: string; patch?: string };
const files = (): RestFile[] =>
  JSON.parse(readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"));
/** The pull request at LAST_SHA: the version constant said 0.9.0. */
const atLast = () =>
  files().map((file) =>
    file.filename === "src/math.js" ? { ...file, patch: file.patch?.replace('"1.0.0"', '"0.9.0"') } : file,
  );

const LOOP_FINDING = {
  path: "src/math.js",
  line: 7,
  severity: "critical",
  title: "Loop reads one element past the end",
  body: "`i <= values.length` reads `values[values.length]`, so the sum is `NaN`.",
};

async function push(app: TestApp, id = "delivery-sync") {
  const payload = webhookExample<{ pull_request: Record<string, unknown> }>("pull_request", "synchronize");
  setCurrentPull(payload.pull_request);
  await app.probot.receive({ id, name: "pull_request", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

let commentIds = 0;

async function command(app: TestApp, body: string, id: string) {
  const payload = webhookExample<
    Record<string, unknown> & { issue: Record<string, unknown>; comment: Record<string, unknown> }
  >("issue_comment", "created");
  payload.issue.number = 2;
  payload.issue.pull_request = { url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
  payload.comment.body = body;
  // A comment of its own: the app answers each comment once.
  commentIds += 1;
  payload.comment.id = 1_000 + commentIds;
  await app.probot.receive({ id, name: "issue_comment", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

function outcomes(records: LogRecord[]) {
  return records.filter((record) => /^review\.(completed|skipped|failed|command)$/.test(record.msg));
}

describe("the check run of a review", () => {
  it("runs in progress with a progress line, then completes with the summary and a link to the review", async () => {
    const app = createTestApp();
    const checkRuns = mockCheckRuns();
    mockPullRequestReads({ files: files() });
    mockFindings([LOOP_FINDING]);
    mockCreateReview({ id: 77 });

    await push(app);

    expect(checkRuns.map((run) => [run.status, run.output.title])).toEqual([
      ["in_progress", "Reviewing: 0 of 1 chunk done"],
      ["completed", "1 new finding"],
    ]);
    expect(checkRuns[0]).toMatchObject({ name: "deepseek-review", head_sha: HEAD_SHA });
    expect(checkRuns[0]?.output.summary).toBe(
      "0 of 2 files and 0 of 1 chunk reviewed by `deepseek-v4-flash`.",
    );
    const summary = checkRuns[1]?.output.summary ?? "";
    expect(summary).toContain(
      "[The review](https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-77) was posted.",
    );
    expect(summary).toContain("**Files:** 2 reviewed, 3 skipped.");
    expect(summary).toContain("**Findings:** 1 critical — 1 posted inline");
    expect(summary).toContain("· 1 request · tokens: 1,000 cache hit, 500 cache miss, 200 output · $");
    expect(checkRuns[1]?.conclusion).toBe("neutral");
  });

  it("fails when a finding is at or above fail_on", async () => {
    const app = createTestApp();
    const checkRuns = mockCheckRuns();
    mockPullRequestReads({ files: files(), config: "fail_on: major\n" });
    mockFindings([LOOP_FINDING]);
    mockCreateReview({ id: 77 });

    await push(app);

    expect(checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(checkRuns.at(-1)?.output.summary).toContain(
      "a finding at or above `major` was reported (`fail_on`)",
    );
  });

  it("fails a push that does not touch an earlier finding at or above fail_on while its thread is open", async () => {
    // The app's comment on the loop (line 7) from the review at LAST_SHA: nobody resolved or dismissed it.
    const diff = parsePatch({
      path: "src/math.js",
      patch: files().find((file) => file.filename === "src/math.js")?.patch ?? "",
    });
    const record = renderRecord({
      kind: "finding",
      finding: findingIdentity({
        comment: { path: "src/math.js", line: 7, side: "RIGHT", body: "" },
        category: "logic",
        diff,
      }),
    });
    const comment = formatCommentBody({
      finding: { ...LOOP_FINDING, category: "logic" } as Finding,
      suggestion: "none",
    });
    const body = `${comment}\n\n${record}`;
    const app = createTestApp();
    const checkRuns = mockCheckRuns();
    mockPullRequestReads({
      files: files(),
      config: "fail_on: major\n",
      reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA })],
      comments: [reviewComment({ id: 501, body, path: "src/math.js", line: 7 })],
      threads: [
        reviewThread({ id: "PRRT_loop", path: "src/math.js", line: 7, comments: [{ id: 501, body }] }),
      ],
    });
    // The push changed only the version constant; the model finds nothing new there.
    mockCompare({ base: BASE_SHA, head: LAST_SHA, files: atLast() });
    mockFindings([]);

    await push(app);

    expect(checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(checkRuns.at(-1)?.output.summary).toContain(
      "an earlier finding at or above `major` is still open on this pull request",
    );
  });

  it("after the first review, a push with no new finding posts no review and completes the check run", async () => {
    const app = createTestApp();
    const checkRuns = mockCheckRuns();
    mockPullRequestReads({ files: files(), reviews: [ownReview({ id: 10, reviewedSha: LAST_SHA })] });
    mockCompare({ base: BASE_SHA, head: LAST_SHA, files: atLast() });
    const deepseek = mockFindings([]);

    await push(app);

    expect(deepseek).toHaveLength(1);
    expect(outcomes(app.records)).toEqual([
      expect.objectContaining({ msg: "review.completed", requests: 1, quiet: "no new finding" }),
    ]);
    expect(checkRuns.at(-1)).toMatchObject({
      status: "completed",
      conclusion: "neutral",
      output: expect.objectContaining({ title: "No new findings" }),
    });
    expect(checkRuns.at(-1)?.output.summary).toContain("No review posted: no new finding.");
    expect(checkRuns.at(-1)?.output.text).toContain("Reviewed what changed since 6dcb09b");
  });

  it("completes the check run, saying why, when the review fails", async () => {
    const app = createTestApp();
    const checkRuns = mockCheckRuns();
    mockPullRequestReads({ files: files() });
    nock(DEEPSEEK)
      .post("/chat/completions")
      .reply(402, { error: { message: "Insufficient Balance" } });
    mockCreateReview({ id: 78 });

    await push(app);

    expect(checkRuns.map((run) => run.status)).toEqual(["in_progress", "completed"]);
    expect(checkRuns.at(-1)).toMatchObject({
      conclusion: "neutral",
      output: expect.objectContaining({ title: "Review failed" }),
    });
    expect(checkRuns.at(-1)?.output.summary).toContain("**Not reviewed:** 2 files");
  });

  it("never stops a review when the installation has not granted checks: write", async () => {
    const app = createTestApp();
    nock(GITHUB)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(403, { message: "Resource not accessible by integration" });
    mockPullRequestReads({ files: files() });
    mockFindings([LOOP_FINDING]);
    const reviews = mockCreateReview({ id: 79 });

    await push(app);

    expect(reviews).toHaveLength(1);
    expect(app.records.filter((record) => record.msg === "check run not written")).toEqual([
      expect.objectContaining({ status: 403 }),
    ]);
    expect(outcomes(app.records)).toEqual([
      expect.objectContaining({ msg: "review.completed", reviewId: 79 }),
    ]);
  });
});

describe("/review pause and /review resume", () => {
  it("stop automatic reviews of the pull request until resumed; /review still reviews it meanwhile", async () => {
    const app = createTestApp();
    mockAppAuth();
    mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
    mockPermission({ user: "Codertocat", permission: "write" });
    const pauseReply = mockIssueComment({ number: 2 });
    await command(app, "/review pause", "delivery-pause");
    expect(pauseReply[0]?.body).toContain("Automatic reviews of this pull request are paused.");

    // A push while paused: read, then skipped (no model, no review, no check run).
    mockGetPullRequest();
    mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
    await push(app, "delivery-paused-push");
    expect(outcomes(app.records).at(-1)).toMatchObject({
      msg: "review.skipped",
      reason: "automatic reviews are paused on this pull request (/review resume)",
    });

    // /review still works while paused.
    mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
    mockPermission({ user: "Codertocat", permission: "write" });
    mockGetPullRequest();
    nock(GITHUB)
      .post(/\/issues\/comments\/\d+\/reactions$/)
      .reply(201, { id: 1, content: "eyes" });
    mockPullRequestReads({ files: files(), auth: false });
    mockFindings([LOOP_FINDING]);
    const commanded = mockCreateReview({ id: 80 });
    await command(app, "/review", "delivery-review");
    expect(commanded).toHaveLength(1);

    // Resumed: the next push is reviewed again (its head was just reviewed by /review, so it says so).
    mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
    mockPermission({ user: "Codertocat", permission: "write" });
    const resumeReply = mockIssueComment({ number: 2 });
    await command(app, "/review resume", "delivery-resume");
    expect(resumeReply[0]?.body).toContain("Automatic reviews of this pull request are on again");
    expect(await app.store.pullRequestSettings({ repo: "Codertocat/Hello-World", pr: 2 })).toEqual({
      paused: false,
    });
    // The next push gets past the pause (and stops at the head /review just reviewed).
    mockGetPullRequest();
    mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
    nock(GITHUB)
      .get("/repos/Codertocat/Hello-World/pulls/2/reviews")
      .query({ per_page: 100 })
      .reply(200, [ownReview({ id: 80, reviewedSha: HEAD_SHA })]);
    await push(app, "delivery-resumed-push");
    expect(outcomes(app.records).at(-1)).toMatchObject({
      msg: "review.skipped",
      reason: "this commit was already reviewed",
    });
  });
});
