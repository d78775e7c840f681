import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppWithStandIns,
  deliverWebhook,
  githubRoutesFor,
  startAppWithStandIns,
} from "../helpers/e2e.js";
import {
  chatCompletion,
  findingsToCheck,
  isVerificationRequest,
  userMessageOf,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import type { Route } from "../helpers/local-server.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

const REPO = "/api/v3/repos/Codertocat/Hello-World";
const BOT = "deepseek-review[bot]";
const FIRST = "1111111111111111111111111111111111111111";
const SECOND = "2222222222222222222222222222222222222222";

/** The base of pull request #2 in the webhook examples. */
const BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

/** The pull request at FIRST: the same, but without the version constant SECOND adds to the last hunk of src/math.js. */
const atFirst = () =>
  (fixture("files.json") as { filename: string; patch?: string }[]).map((file) =>
    file.filename === "src/math.js"
      ? {
          ...file,
          patch: file.patch
            ?.replace("@@ -20,4 +21,6 @@", "@@ -20,4 +21,5 @@")
            .replace('\n+export const VERSION = "1.0.0";', ""),
        }
      : file,
  );

/**
 * A GitHub stand-in that keeps what the app posts: its reviews and inline comments are listed back to it, as
 * GitHub would, so the app can find the head it last reviewed and the fingerprints it already posted.
 */
function githubRoutes(state: {
  head: string;
  reviews: Record<string, unknown>[];
  comments: Record<string, unknown>[];
  replies: unknown[];
}) {
  const extra: Route = (request) => {
    const { method, path } = request;
    if (method === "GET" && path.startsWith(`${REPO}/compare/${BASE}...${FIRST}`)) {
      return { status: 200, body: { status: "ahead", files: atFirst() } };
    }
    if (method === "GET" && path === `${REPO}/pulls/2`) {
      const pull = (webhookExample("pull_request", "opened") as { pull_request: { head: { sha: string } } })
        .pull_request;
      pull.head.sha = state.head;
      return { status: 200, body: pull };
    }
    if (method === "GET" && path.startsWith(`${REPO}/collaborators/`)) {
      return { status: 200, body: { permission: "write", role_name: "write" } };
    }
    if (method === "POST" && /\/issues\/comments\/\d+\/reactions$/.test(path))
      return { status: 201, body: { id: 1 } };
    if (method === "POST" && path === `${REPO}/issues/2/comments`) {
      state.replies.push(request.body);
      return { status: 201, body: { id: 2 } };
    }
    return undefined;
  };
  return githubRoutesFor({
    extra: [extra],
    files: fixture("files.json"),
    reviews: () => state.reviews,
    comments: () => state.comments,
    postReview: (request) => {
      const body = request.body as { commit_id: string; body: string; comments: { body: string }[] };
      const id = state.reviews.length + 1;
      state.reviews.push({
        id,
        user: { login: BOT, type: "Bot" },
        body: body.body,
        commit_id: body.commit_id,
        state: "COMMENTED",
      });
      for (const comment of body.comments)
        state.comments.push({ ...comment, user: { login: BOT, type: "Bot" } });
      return { status: 200, body: { id } };
    },
  });
}

describe("a pull request followed by the real app process", () => {
  const state = {
    head: FIRST,
    reviews: [] as Record<string, unknown>[],
    comments: [] as Record<string, unknown>[],
    replies: [] as unknown[],
  };
  let run: AppWithStandIns;
  let github: AppWithStandIns["github"];
  let deepseek: AppWithStandIns["deepseek"];
  let app: AppWithStandIns["app"];

  const deliver = async (event: string, id: string, payload: unknown) => {
    const response = await deliverWebhook({ port: app.port, event, id, payload });
    expect(response.status).toBeLessThan(300);
  };
  const pullRequestEvent = (action: string, sha: string) => {
    const payload = webhookExample<{ pull_request: { head: { sha: string } } }>("pull_request", action);
    payload.pull_request.head.sha = sha;
    state.head = sha;
    return payload;
  };
  /** The review requests (the verification pass's are answered apart). */
  const reviewRequests = () => deepseek.requests.filter((request) => !isVerificationRequest(request));
  const verificationRequests = () => deepseek.requests.filter(isVerificationRequest);
  /** The lines of the findings the verification request `index` asked about. */
  const checkedLines = (index: number) => {
    const request = verificationRequests()[index];
    return request === undefined ? [] : findingsToCheck(request).map((finding) => finding.line);
  };
  const promptOf = (index: number) => {
    const request = reviewRequests()[index];
    return request === undefined ? "" : userMessageOf(request);
  };
  const isOutcome = (line: Record<string, unknown>) =>
    /^review\.(completed|skipped|failed)$/.test(String(line.msg));
  const ended = async (count: number) => {
    await app.waitForLog(() => app.logs.filter(isOutcome).length >= count);
    return app.logs.filter(isOutcome)[count - 1] as Record<string, unknown>;
  };

  beforeAll(async () => {
    run = await startAppWithStandIns({
      github: githubRoutes(state),
      // Every review request gets the fixture's findings; the verification pass (on by default) confirms them.
      deepseek: (request) =>
        isVerificationRequest(request)
          ? verdictsCompletion(request)
          : chatCompletion({
              content: JSON.stringify(fixture("model-answer.json")),
              promptTokens: 3000,
              completionTokens: 200,
              cacheHitTokens: 2200,
            }),
    });
    ({ github, deepseek, app } = run);
  });

  afterAll(() => run?.close());

  it("reviews the opened pull request in full", async () => {
    await deliver("pull_request", "follow-1", pullRequestEvent("opened", FIRST));
    const line = await ended(1);
    expect(line).toMatchObject({ msg: "review.completed", headSha: FIRST, findingsPosted: 3, requests: 2 });
    expect(reviewRequests()).toHaveLength(1);
    // The findings at or above `verify_min_severity` (minor), all on src/math.js: one check.
    expect(verificationRequests()).toHaveLength(1);
    expect(checkedLines(0)).toEqual([7, 2, 14]);
    expect(state.reviews).toHaveLength(1);
  });

  it("ignores a redelivery of the same head", async () => {
    await deliver("pull_request", "follow-1b", pullRequestEvent("synchronize", FIRST));
    const line = await ended(2);
    expect(line).toMatchObject({
      msg: "review.skipped",
      headSha: FIRST,
      reason: "this commit was already reviewed",
    });
    // Nothing asked: neither a review nor a verification request.
    expect(deepseek.requests).toHaveLength(2);
  });

  it("reviews only what the next push changed, repeats no finding, and posts nothing when nothing is new", async () => {
    await deliver("pull_request", "follow-2", pullRequestEvent("synchronize", SECOND));
    const line = await ended(3);
    expect(line).toMatchObject({
      msg: "review.completed",
      headSha: SECOND,
      incrementalSince: FIRST,
      findingsPosted: 0,
      findingsAlreadyPosted: 3,
      // The answer's finding on a line off the diff is listed in the check run, not posted again.
      findingsNotInline: 1,
      quiet: "no new finding that can go inline",
    });
    const prompt = promptOf(1);
    expect(prompt).toContain("=== FILE: src/math.js ===");
    expect(prompt).toContain("export const VERSION");
    expect(prompt).not.toContain("src/greet.js");
    expect(prompt).not.toContain("values.length");
    // The findings the pull request already has are not checked again: only the one off the diff, never posted.
    expect(verificationRequests()).toHaveLength(2);
    expect(checkedLines(1)).toEqual([14]);
    expect(state.reviews).toHaveLength(1);
  });

  it("reviews the whole head again on /review, acknowledged with 👀, still without repeats", async () => {
    const payload = webhookExample<{
      issue: { number: number; pull_request?: unknown };
      comment: { body: string };
    }>("issue_comment", "created");
    payload.issue.number = 2;
    payload.issue.pull_request = { url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
    payload.comment.body = "/review";
    await deliver("issue_comment", "follow-3", payload);
    const line = await ended(4);
    expect(line).toMatchObject({
      msg: "review.completed",
      trigger: "command",
      headSha: SECOND,
      findingsAlreadyPosted: 3,
    });
    expect(line.incrementalSince).toBeUndefined();
    expect(
      github.requests.some(
        (request) =>
          request.path.endsWith("/reactions") && (request.body as { content: string }).content === "eyes",
      ),
    ).toBe(true);
    const prompt = promptOf(2);
    expect(prompt).toContain("src/greet.js");
    expect(verificationRequests()).toHaveLength(3);
    expect(checkedLines(2)).toEqual([14]);
  });
});
