import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePatch } from "../../src/diff/parse-patch.js";
import { renderRecord } from "../../src/records/render-record.js";
import { findingIdentity } from "../../src/review/finding-identity.js";
import { createTestApp, type TestApp } from "../helpers/create-test-app.js";
import type { LogRecord } from "../helpers/create-test-probot.js";
import { mockFindings } from "../helpers/deepseek-mocks.js";
import {
  EXAMPLE_BASE_SHA,
  mockCheckRuns,
  mockCompare,
  mockCreateReview,
  mockPullRequestReads,
  mockReplyAndResolve,
  ownReview,
  reviewComment,
  reviewThread,
  setCurrentPull,
} from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const NEW_SHA = "9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d";
const LATER_SHA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

type RestFile = { filename: string; patch?: string };
const files = (): RestFile[] =>
  JSON.parse(readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"));
const mathPatch = () => files().find((file) => file.filename === "src/math.js")?.patch ?? "";

/** The pull request's files after the loop bound on line 7 of src/math.js was fixed. */
const fixedFiles = (): RestFile[] =>
  files().map((file) =>
    file.filename === "src/math.js"
      ? { ...file, patch: (file.patch ?? "").replace("i <= values.length", "i < values.length") }
      : file,
  );

/** The app's comment on line 7 (the loop) as the earlier review posted it: its body ends in its record. */
function loopCommentBody(): string {
  const diff = parsePatch({ path: "src/math.js", patch: mathPatch() });
  const comment = { path: "src/math.js", line: 7, side: "RIGHT" as const, body: "" };
  const record = renderRecord({
    kind: "finding",
    finding: findingIdentity({ comment, category: undefined, diff }),
  });
  return `**critical** Loop reads one element past the end\n\n${record}`;
}

/** The same defect in other words and with a category the model did not give it before. */
const REWORDED_LOOP = {
  path: "src/math.js",
  line: 7,
  severity: "major",
  category: "logic",
  title: "Off-by-one in the summing loop",
  body: "The loop condition lets `i` reach `values.length`.",
};

type PullRequestPayload = { pull_request: { head: { sha: string } } };

async function push(app: TestApp, headSha: string) {
  const payload = webhookExample<PullRequestPayload>("pull_request", "synchronize");
  payload.pull_request.head.sha = headSha;
  setCurrentPull(payload.pull_request as unknown as Record<string, unknown>);
  await app.probot.receive({ id: `delivery-${headSha}`, name: "pull_request", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

const ownComment = () => reviewComment({ id: 501, body: loopCommentBody(), path: "src/math.js", line: 7 });

function lines(records: LogRecord[], msg: string) {
  return records.filter((record) => record.msg === msg);
}

type PostedReview = { body: string; comments: { path: string; line: number }[] };

describe("the app's own review threads", () => {
  describe("when a push changed the line the app commented on", () => {
    it("replies with one line saying why and resolves the thread", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: fixedFiles(),
        comments: [ownComment()],
        threads: [
          reviewThread({
            id: "PRRT_loop",
            path: "src/math.js",
            line: null,
            isOutdated: true,
            comments: [{ id: 501, body: loopCommentBody() }],
          }),
        ],
      });
      const resolved = mockReplyAndResolve();
      mockFindings([]);
      const reviews = mockCreateReview({ id: 90 });

      await push(app, NEW_SHA);

      expect(resolved).toEqual([
        {
          thread: "PRRT_loop",
          body: `Resolved: at ${NEW_SHA.slice(0, 7)}, the code this comment pointed at changed or was removed. Reopen this thread if the point still holds.`,
        },
      ]);
      expect(lines(app.records, "threads.tended")).toEqual([
        expect.objectContaining({
          resolved: 1,
          dismissed: 0,
          tally: expect.objectContaining({ actedOn: 1 }),
        }),
      ]);
      expect((reviews[0] as PostedReview).body).toContain("1 acted on");
      expect(await app.store.listThreadEvents({ repo: "Codertocat/Hello-World", pr: 2 })).toEqual([
        expect.objectContaining({ key: "PRRT_loop", kind: "acted-on" }),
      ]);
    });

    it("leaves it alone when a person wrote after the app's last comment", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: fixedFiles(),
        comments: [ownComment()],
        threads: [
          reviewThread({
            id: "PRRT_loop",
            path: "src/math.js",
            line: null,
            isOutdated: true,
            comments: [
              { id: 501, body: loopCommentBody() },
              { id: 502, body: "Is this still wrong after my change?", login: "octocat" },
            ],
          }),
        ],
      });
      mockFindings([]);
      mockCreateReview({ id: 90 });

      await push(app, NEW_SHA);

      // No mutation was mocked: nock fails the test on any request to resolve.
      expect(lines(app.records, "threads.tended")).toEqual([expect.objectContaining({ resolved: 0 })]);
    });

    it("never touches a thread a person started, even one quoting the app's record", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: fixedFiles(),
        comments: [ownComment()],
        threads: [
          reviewThread({
            id: "PRRT_human",
            path: "src/math.js",
            line: null,
            isOutdated: true,
            comments: [{ id: 601, body: loopCommentBody(), login: "mallory" }],
          }),
          reviewThread({
            id: "PRRT_other_bot",
            path: "src/math.js",
            line: null,
            isOutdated: true,
            comments: [{ id: 602, body: loopCommentBody(), login: "other-app", bot: true }],
          }),
        ],
      });
      mockFindings([]);
      mockCreateReview({ id: 90 });

      await push(app, NEW_SHA);

      expect(lines(app.records, "threads.tended")).toEqual([
        expect.objectContaining({ threads: 2, own: 0, resolved: 0 }),
      ]);
      expect(await app.store.listThreadEvents({})).toEqual([]);
    });
  });

  type Comments = Parameters<typeof reviewThread>[0]["comments"];
  describe.each([
    [
      "a 👎 on the app's comment",
      { comments: [{ id: 501, body: "", thumbsDownBy: ["octocat"] }] as Comments },
      "reaction",
    ],
    [
      "a reply saying “Won’t fix.”",
      {
        comments: [
          { id: 501, body: "" },
          { id: 502, body: "Won’t fix. We never pass empty arrays here.", login: "octocat" },
        ] as Comments,
      },
      "reply",
    ],
    [
      "a person resolving the thread without changing the code",
      { comments: [{ id: 501, body: "" }] as Comments, isResolved: true, resolvedBy: "octocat" },
      "resolved",
    ],
  ])("after %s", (_name, thread, by) => {
    it("never raises the finding again on this pull request, reworded or not, and counts it as dismissed", async () => {
      const app = createTestApp();
      const dismissedThread = reviewThread({
        id: "PRRT_loop",
        path: "src/math.js",
        line: 7,
        ...("isResolved" in thread ? { isResolved: true, resolvedBy: thread.resolvedBy } : {}),
        comments: thread.comments.map((comment, index) =>
          index === 0 ? { ...comment, body: loopCommentBody() } : comment,
        ),
      });
      mockPullRequestReads({ files: files(), comments: [ownComment()], threads: [dismissedThread] });
      mockFindings([REWORDED_LOOP]);
      const first = mockCreateReview({ id: 91 });

      await push(app, NEW_SHA);

      const review = first[0] as PostedReview;
      expect(review.comments).toEqual([]);
      expect(review.body).toContain("1 dismissed earlier on this pull request, not raised again.");
      expect(lines(app.records, "review.completed")).toEqual([
        expect.objectContaining({ findingsPosted: 0, findingsDismissed: 1 }),
      ]);
      expect(await app.store.listThreadEvents({ repo: "Codertocat/Hello-World", pr: 2 })).toEqual([
        expect.objectContaining({ key: "PRRT_loop", kind: "dismissed", detail: by }),
      ]);

      // A later push touches the loop's hunk (so the model is asked about it again); the 👎 or reply is gone from
      // GitHub, and the model says it once more in yet other words.
      const touched = files().map((file) =>
        file.filename === "src/math.js"
          ? {
              ...file,
              patch: (file.patch ?? "").replace("+  let sum = 0;", "+  let sum = 0; // running total"),
            }
          : file,
      );
      mockPullRequestReads({
        files: touched,
        reviews: [ownReview({ id: 91, reviewedSha: NEW_SHA })],
        comments: [ownComment()],
        threads: [],
        auth: false,
      });
      mockCompare({ base: EXAMPLE_BASE_SHA, head: NEW_SHA, files: files() });
      const asked = mockFindings([
        { ...REWORDED_LOOP, title: "Index goes out of bounds", body: "Reads past the end." },
      ]);

      await push(app, LATER_SHA);

      // Asked, and nothing new to say: no review at all (test/setup.ts fails on an unmatched POST).
      expect(asked).toHaveLength(1);
      expect(lines(app.records, "review.completed").at(-1)).toEqual(
        expect.objectContaining({ findingsDismissed: 1, quiet: "no new finding" }),
      );
    });
  });

  describe("with fail_on", () => {
    it("does not fail the check run on a finding a person dismissed, raised again in other words", async () => {
      const app = createTestApp();
      const checkRuns = mockCheckRuns();
      const dismissedThread = reviewThread({
        id: "PRRT_loop",
        path: "src/math.js",
        line: 7,
        comments: [{ id: 501, body: loopCommentBody(), thumbsDownBy: ["octocat"] }],
      });
      mockPullRequestReads({
        files: files(),
        config: "fail_on: major\n",
        comments: [ownComment()],
        threads: [dismissedThread],
      });
      mockFindings([REWORDED_LOOP]);
      mockCreateReview({ id: 93 });

      await push(app, NEW_SHA);

      expect(lines(app.records, "review.completed")).toEqual([
        expect.objectContaining({ findingsPosted: 0, findingsDismissed: 1 }),
      ]);
      expect(checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "neutral" });
    });
  });

  describe("without a dismissal", () => {
    it("posts the reworded finding of another category (the dismissal is what stops it)", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: files(),
        comments: [ownComment()],
        threads: [
          reviewThread({
            id: "PRRT_loop",
            path: "src/math.js",
            line: 7,
            comments: [{ id: 501, body: loopCommentBody() }],
          }),
        ],
      });
      mockFindings([REWORDED_LOOP]);
      const reviews = mockCreateReview({ id: 93 });

      await push(app, NEW_SHA);

      expect((reviews[0] as PostedReview).comments.map(({ line }) => line)).toEqual([7]);
    });
  });
});
