import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/create-test-app.js";
import type { LogRecord } from "../helpers/create-test-probot.js";
import { mockFindings } from "../helpers/deepseek-mocks.js";
import {
  mockAppAuth,
  mockCreateReview,
  mockGetPullRequest,
  mockIssueComment,
  mockPermission,
  mockPullRequestLists,
  mockReaction,
  mockRepoConfig,
  ownReview,
} from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const COMMENT_ID = 492700400;
const USER = "Codertocat";

const files = (): unknown[] =>
  JSON.parse(readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"));

/** Pull request #2 as `pulls.get` returns it (the webhook object has the same fields). */
const pullRequest = () =>
  webhookExample<{ pull_request: { number: number } }>("pull_request", "opened").pull_request;

const FINDING = {
  path: "src/math.js",
  line: 7,
  severity: "critical",
  title: "Loop reads one element past the end",
  body: "`i <= values.length` reads `values[values.length]`, so the sum is `NaN`.",
};

type CommentPayload = {
  action: string;
  issue: { number: number; pull_request?: { url: string } };
  comment: { id: number; body: string; user: { login: string; type: string } };
  sender: { login: string; type: string };
  changes?: unknown;
};

/** A real issue_comment.created payload turned into a comment on pull request #2. */
function commentEvent(body: string, change: (payload: CommentPayload) => void = () => {}) {
  const payload = webhookExample<CommentPayload>("issue_comment", "created");
  payload.issue.number = 2;
  payload.issue.pull_request = { url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
  payload.comment.body = body;
  change(payload);
  return payload;
}

async function comment(app: TestApp, payload: CommentPayload) {
  await app.probot.receive({ id: "delivery-comment", name: "issue_comment", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

/** Logged at the end of every command job and every review. */
function outcomes(records: LogRecord[]) {
  return records.filter((record) => /^review\.(completed|skipped|failed|command)$/.test(record.msg));
}

/** The GitHub calls of every command job: the app's login, the config and the commenter's permission. */
function mockCommandStart(params: { config?: string; permission: string; roleName?: string }) {
  mockAppAuth();
  mockRepoConfig({
    owner: "Codertocat",
    repo: "Hello-World",
    ...(params.config === undefined ? {} : { config: params.config }),
  });
  mockPermission({
    user: USER,
    permission: params.permission,
    ...(params.roleName === undefined ? {} : { roleName: params.roleName }),
  });
}

/**
 * A command that is accepted: the pull request (is it open?) and the 👀 reaction; then the review it queued runs:
 * the pull request and config again, its reads, DeepSeek and the review.
 */
function mockCommandReview(config?: string, commentId = COMMENT_ID) {
  mockGetPullRequest({ pull: pullRequest() });
  const reactions = mockReaction({ commentId });
  mockGetPullRequest({ pull: pullRequest(), times: 2 });
  mockRepoConfig({ owner: "Codertocat", repo: "Hello-World", ...(config === undefined ? {} : { config }) });
  mockPullRequestLists({ files: files(), reviews: [ownReview({ id: 10, reviewedSha: HEAD_SHA })] });
  const deepseek = mockFindings([FINDING]);
  const reviews = mockCreateReview({ id: 90 });
  return { deepseek, reviews, reactions };
}

type PostedReview = { commit_id: string; body: string; comments: { path: string; line: number }[] };

describe("issue_comment.created", () => {
  describe("/review on a pull request the app already reviewed at its head", () => {
    it("reacts with eyes, checks the permission and reviews the whole pull request again", async () => {
      const app = createTestApp();
      mockCommandStart({ permission: "write" });
      const { deepseek, reviews, reactions } = mockCommandReview();

      await comment(app, commentEvent("/review"));

      expect(reactions).toEqual([{ content: "eyes" }]);
      expect(deepseek.map((request) => request.model)).toEqual(["deepseek-v4-flash"]);
      const review = reviews[0] as PostedReview;
      expect(review.commit_id).toBe(HEAD_SHA);
      expect(review.comments.map(({ path, line }) => ({ path, line }))).toEqual([
        { path: "src/math.js", line: 7 },
      ]);
      expect(review.body).not.toContain("Reviewed what changed since");
      expect(review.body).not.toContain("Full review:");
      const lines = outcomes(app.records);
      expect(lines).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "queued", user: USER }),
        expect.objectContaining({
          msg: "review.completed",
          repo: "Codertocat/Hello-World",
          pr: 2,
          headSha: HEAD_SHA,
          trigger: "command",
          model: "deepseek-v4-flash",
          requests: 1,
          findingsPosted: 1,
          reviewId: 90,
        }),
      ]);
      expect(lines[1]).not.toHaveProperty("incrementalSince");
    });
  });

  describe("/review pro", () => {
    it("reviews with the Pro model", async () => {
      const app = createTestApp();
      mockCommandStart({ permission: "admin" });
      const { deepseek, reviews } = mockCommandReview();

      await comment(app, commentEvent("/review pro"));

      expect(deepseek.map((request) => request.model)).toEqual(["deepseek-v4-pro"]);
      expect((reviews[0] as PostedReview).body).toContain(
        "Reviewed by `deepseek-v4-pro` (asked for with `/review pro`).",
      );
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "queued" }),
        expect.objectContaining({ msg: "review.completed", trigger: "command", model: "deepseek-v4-pro" }),
      ]);
    });
  });

  describe("/review help while a /review runs and another waits", () => {
    it("is answered, and neither command is lost", async () => {
      const app = createTestApp();
      mockAppAuth();
      // Every mock below must be used (test/setup.ts): three command jobs, then two reviews.
      for (let job = 0; job < 3; job++) {
        mockRepoConfig({ owner: "Codertocat", repo: "Hello-World" });
        mockPermission({ user: USER, permission: "write" });
      }
      const plain = mockCommandReview(undefined, 1);
      const pro = mockCommandReview(undefined, 2);
      const replies = mockIssueComment({ number: 2 });

      for (const [id, commentId, body] of [
        ["c1", 1, "/review"],
        ["c2", 2, "/review pro"],
        ["c3", 3, "/review help"],
      ] as const) {
        const payload = commentEvent(body, (one) => {
          one.comment.id = commentId;
        });
        await app.probot.receive({ id, name: "issue_comment", payload: payload as never });
      }
      expect(await app.queue.drain(10_000)).toEqual([]);

      expect([plain.reactions, pro.reactions]).toEqual([[{ content: "eyes" }], [{ content: "eyes" }]]);
      expect((replies[0] as { body: string }).body).toContain("### DeepSeek review — commands");
      const models = [...plain.deepseek, ...pro.deepseek].map((request) => request.model).sort();
      expect(models).toEqual(["deepseek-v4-flash", "deepseek-v4-pro"]);
      expect(app.records.filter((record) => record.msg === "review.completed")).toHaveLength(2);
    });
  });

  describe("/review help", () => {
    it("answers with the commands and the configuration in effect, and calls no model", async () => {
      const app = createTestApp();
      mockCommandStart({ config: "max_comments: 5\nlanguage: Deutsch\n", permission: "write" });
      const replies = mockIssueComment({ number: 2 });

      await comment(app, commentEvent("/review help"));

      expect(replies).toHaveLength(1);
      const body = (replies[0] as { body: string }).body;
      expect(body).toContain("### DeepSeek review — commands");
      expect(body).toContain("- `/review` — review the current head of this pull request in full");
      expect(body).toContain(
        "- `/review pro` — the same with `deepseek-v4-pro` instead of `deepseek-v4-flash`.",
      );
      expect(body).toContain("- `/review help` — this message.");
      expect(body).toContain(
        "Only users with write permission on the repository or more can use these commands.",
      );
      const json = /```json\n([\s\S]*?)\n```/.exec(body)?.[1] ?? "";
      expect(JSON.parse(json)).toMatchObject({
        enabled: true,
        auto_review: { enabled: true, drafts: false },
        max_comments: 5,
        language: "Deutsch",
        min_severity: "nit",
        review_command: { min_permission: "write" },
      });
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "help", pr: 2, user: USER }),
      ]);
    });
  });

  describe("by a user with read permission", () => {
    it("replies why and reviews nothing", async () => {
      const app = createTestApp();
      mockCommandStart({ permission: "read" });
      const replies = mockIssueComment({ number: 2 });

      await comment(app, commentEvent("/review"));

      const reason =
        "Sorry, `/review` commands need write permission on this repository or more; Codertocat has read.";
      expect(replies).toEqual([{ body: reason }]);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({
          msg: "review.command",
          outcome: "refused",
          pr: 2,
          user: USER,
          replied: true,
        }),
      ]);
    });
  });

  describe("with a role finer than GitHub's permission", () => {
    it("lets a maintainer run /review when the config asks for maintain", async () => {
      const app = createTestApp();
      const config = "review_command:\n  min_permission: maintain\n";
      mockCommandStart({ config, permission: "write", roleName: "maintain" });
      const { deepseek, reviews } = mockCommandReview(config);

      await comment(app, commentEvent("/review"));

      expect(deepseek).toHaveLength(1);
      expect(reviews).toHaveLength(1);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "queued" }),
        expect.objectContaining({ msg: "review.completed", trigger: "command" }),
      ]);
    });

    it("refuses a triager when the config asks for write", async () => {
      const app = createTestApp();
      mockCommandStart({ permission: "read", roleName: "triage" });
      const replies = mockIssueComment({ number: 2 });

      await comment(app, commentEvent("/review"));

      expect(replies).toEqual([
        {
          body: "Sorry, `/review` commands need write permission on this repository or more; Codertocat has triage.",
        },
      ]);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "refused" }),
      ]);
    });
  });

  describe("/review with an argument it does not know", () => {
    it("replies that it is unknown and points to /review help", async () => {
      const app = createTestApp();
      mockCommandStart({ permission: "write" });
      const replies = mockIssueComment({ number: 2 });

      await comment(app, commentEvent("/review foo"));

      const reason = "`/review foo` is not a command I know. Comment `/review help` to see the commands.";
      expect(replies).toEqual([{ body: reason }]);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "unknown" }),
      ]);
    });
  });

  describe("comments that are not a /review command for the app", () => {
    let unmatched: string[];
    const record = (request: Request) => {
      unmatched.push(`${request.method} ${request.url}`);
    };
    beforeEach(() => {
      unmatched = [];
      nock.emitter.on("no match", record);
    });
    afterEach(() => {
      nock.emitter.removeListener("no match", record);
    });

    it.each<[string, string, (payload: CommentPayload) => void]>([
      [
        "a comment by a bot",
        "/review",
        (payload) => {
          payload.comment.user = { login: "renovate[bot]", type: "Bot" };
          payload.sender = { login: "renovate[bot]", type: "Bot" };
        },
      ],
      [
        "an edited comment",
        "/review",
        (payload) => {
          payload.action = "edited";
          payload.changes = { body: { from: "LGTM" } };
        },
      ],
      [
        "a comment on an issue",
        "/review",
        (payload) => {
          delete payload.issue.pull_request;
        },
      ],
      ["a comment whose first line is not /review", "LGTM\n/review", () => {}],
      ["a comment that mentions /review in passing", "Please /review this", () => {}],
    ])("ignores %s without calling GitHub or DeepSeek", async (_name, body, change) => {
      const app = createTestApp();

      await comment(app, commentEvent(body, change));

      expect(unmatched).toEqual([]);
      expect(app.records.filter((one) => one.level >= 30)).toEqual([]);
    });
  });
});
