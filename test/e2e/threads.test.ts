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
  type FakeDeepSeekStep,
  isVerificationRequest,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import type { RecordedRequest, Route } from "../helpers/local-server.js";
import { webhookExample } from "../helpers/webhook-examples.js";

type RestFile = { filename: string; patch?: string };
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

const REPO = "/api/v3/repos/Codertocat/Hello-World";
const BOT = "deepseek-review[bot]";
const FIRST = "1111111111111111111111111111111111111111";
const SECOND = "2222222222222222222222222222222222222222";

/** The pull request's files after the push that fixed the loop bound on line 7 of src/math.js. */
const fixedFiles = (): RestFile[] =>
  (fixture("files.json") as RestFile[]).map((file) =>
    file.filename === "src/math.js"
      ? { ...file, patch: (file.patch ?? "").replace("i <= values.length", "i < values.length") }
      : file,
  );

interface Comment {
  id: number;
  path: string;
  line: number;
  body: string;
  user: { login: string; type: string };
  in_reply_to_id?: number;
}

/**
 * GitHub as far as threads go: the app's inline comments are listed back and each starts a thread; replies join
 * their thread; after the push the thread on line 7 is outdated, as GitHub would mark it; the GraphQL API lists
 * the threads and carries out replies and resolutions.
 */
function githubRoutes(state: {
  head: string;
  files: RestFile[];
  reviews: Record<string, unknown>[];
  comments: Comment[];
  resolved: Set<string>;
  mutations: { thread: string; body: string }[];
}) {
  const user = (login: string) => ({ login, type: login.endsWith("[bot]") ? "Bot" : "User" });
  const threads = () =>
    state.comments
      .filter((comment) => comment.in_reply_to_id === undefined)
      .map((root) => {
        const outdated = state.head === SECOND && root.line === 7;
        const comments = state.comments.filter(
          (comment) => comment.id === root.id || comment.in_reply_to_id === root.id,
        );
        return {
          id: `PRRT_${root.id}`,
          isResolved: state.resolved.has(`PRRT_${root.id}`),
          isOutdated: outdated,
          resolvedBy: null,
          path: root.path,
          line: outdated ? null : root.line,
          comments: {
            totalCount: comments.length,
            nodes: comments.map((comment) => ({
              databaseId: comment.id,
              author: {
                __typename: comment.user.type,
                login: comment.user.login.replace(/\[bot\]$/, ""),
              },
              body: comment.body,
              createdAt: "2026-12-01T00:00:00Z",
              reactions: { nodes: [] },
            })),
          },
        };
      });
  const graphql = (request: RecordedRequest) => {
    const { query, variables } = request.body as { query: string; variables: Record<string, unknown> };
    if (query.includes("resolveReviewThread")) {
      const thread = String(variables.thread);
      state.mutations.push({ thread, body: String(variables.body) });
      state.resolved.add(thread);
      const rootId = Number(thread.replace("PRRT_", ""));
      const root = state.comments.find((comment) => comment.id === rootId);
      state.comments.push({
        id: 3000 + state.comments.length,
        path: root?.path ?? "",
        line: root?.line ?? 1,
        body: String(variables.body),
        user: user(BOT),
        in_reply_to_id: rootId,
      });
      return {
        status: 200,
        body: { data: { reply: { comment: { databaseId: 1 } }, resolve: { thread: { isResolved: true } } } },
      };
    }
    return {
      status: 200,
      body: {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: threads() },
            },
          },
        },
      },
    };
  };
  const extra: Route = (request) => {
    const { method, path } = request;
    if (method === "POST" && path === "/api/graphql") return graphql(request);
    if (method === "GET" && path.startsWith(`${REPO}/compare/${FIRST}...${SECOND}`)) {
      const math = state.files.find((file) => file.filename === "src/math.js");
      return { status: 200, body: { status: "ahead", files: [{ ...math, status: "modified" }] } };
    }
    if (method === "GET" && /\/pulls\/\d+\/files\?/.test(path)) return { status: 200, body: state.files };
    if (method === "GET" && path === `${REPO}/pulls/2`) {
      const pull = (webhookExample("pull_request", "opened") as { pull_request: { head: { sha: string } } })
        .pull_request;
      pull.head.sha = state.head;
      return { status: 200, body: pull };
    }
    const comment = /\/pulls\/comments\/(\d+)$/.exec(path);
    if (method === "GET" && comment !== null) {
      const found = state.comments.find((one) => one.id === Number(comment[1]));
      return found === undefined
        ? { status: 404, body: { message: "Not Found" } }
        : {
            status: 200,
            body: {
              ...found,
              original_line: found.line,
              diff_hunk: "@@ -5,4 +5,5 @@",
              commit_id: state.head,
            },
          };
    }
    const reply = /\/pulls\/2\/comments\/(\d+)\/replies$/.exec(path);
    if (method === "POST" && reply !== null) {
      const root = state.comments.find((one) => one.id === Number(reply[1]));
      const id = 2000 + state.comments.length;
      state.comments.push({
        id,
        path: root?.path ?? "",
        line: root?.line ?? 1,
        body: (request.body as { body: string }).body,
        user: user(BOT),
        in_reply_to_id: Number(reply[1]),
      });
      return { status: 201, body: { id } };
    }
    if (method === "GET" && path.startsWith(`${REPO}/collaborators/`))
      return { status: 200, body: { permission: "write", role_name: "write" } };
    return undefined;
  };
  return githubRoutesFor({
    extra: [extra],
    files: [],
    reviews: () => state.reviews,
    comments: () => state.comments,
    postReview: (request) => {
      const body = request.body as {
        commit_id: string;
        body: string;
        comments: Omit<Comment, "id" | "user">[];
      };
      const id = state.reviews.length + 1;
      state.reviews.push({
        id,
        user: user(BOT),
        body: body.body,
        commit_id: body.commit_id,
        state: "COMMENTED",
      });
      for (const posted of body.comments)
        state.comments.push({ ...posted, id: 1000 + state.comments.length, user: user(BOT) });
      return { status: 200, body: { id } };
    },
  });
}

describe("the app's threads, followed by the real app process across webhooks", () => {
  const state = {
    head: FIRST,
    files: fixture("files.json") as RestFile[],
    reviews: [] as Record<string, unknown>[],
    comments: [] as Comment[],
    resolved: new Set<string>(),
    mutations: [] as { thread: string; body: string }[],
  };
  let reviewsAsked = 0;
  let run: AppWithStandIns;
  let app: AppWithStandIns["app"];

  const deliver = async (event: string, id: string, payload: unknown) => {
    const response = await deliverWebhook({ port: app.port, event, id, payload });
    expect(response.status).toBeLessThan(300);
  };
  const count = (msg: string) => app.logs.filter((line) => line.msg === msg).length;
  const waitFor = (msg: string, times: number) => app.waitForLog(() => count(msg) >= times);
  const push = (action: string, sha: string) => {
    const payload = webhookExample<{ pull_request: { head: { sha: string } } }>("pull_request", action);
    payload.pull_request.head.sha = sha;
    state.head = sha;
    return payload;
  };

  beforeAll(async () => {
    run = await startAppWithStandIns({
      github: githubRoutes(state),
      deepseek: (request): FakeDeepSeekStep => {
        const system = (request.body as { messages: { content: string }[] }).messages[0]?.content ?? "";
        if (system.includes("replied to one of your review comments")) {
          return chatCompletion({
            content: JSON.stringify({
              answer: "Yes: with `<=` the last pass reads `values[values.length]`.",
            }),
            promptTokens: 900,
            completionTokens: 40,
            cacheHitTokens: 0,
          });
        }
        // The verification pass (on by default) confirms the review's findings; it is not a review asked.
        if (isVerificationRequest(request)) return verdictsCompletion(request);
        reviewsAsked += 1;
        // The first review finds the model answer's findings; later ones find nothing new.
        const answer = reviewsAsked === 1 ? fixture("model-answer.json") : { findings: [] };
        return chatCompletion({
          content: JSON.stringify(answer),
          promptTokens: 3000,
          completionTokens: 200,
          cacheHitTokens: 2200,
        });
      },
    });
    ({ app } = run);
  });

  afterAll(() => run?.close());

  it("posts the first review's findings, each starting a thread", async () => {
    await deliver("pull_request", "threads-1", push("opened", FIRST));
    await waitFor("review.completed", 1);
    expect(state.comments.map((comment) => comment.line).sort((a, b) => a - b)).toEqual([2, 7, 26]);
  });

  it("answers the author's reply in the thread on line 7, once", async () => {
    const root = state.comments.find((comment) => comment.line === 7) as Comment;
    const payload = webhookExample<{
      comment: { id: number; in_reply_to_id?: number; body: string; user: { login: string; type: string } };
    }>("pull_request_review_comment", "created");
    payload.comment.id = 5001;
    payload.comment.in_reply_to_id = root.id;
    payload.comment.body = "Is this really reachable?";
    state.comments.push({
      id: 5001,
      path: root.path,
      line: root.line,
      body: payload.comment.body,
      user: { login: "Codertocat", type: "User" },
      in_reply_to_id: root.id,
    });
    await deliver("pull_request_review_comment", "threads-2", payload);
    await waitFor("answer.completed", 1);
    const answers = state.comments.filter(
      (comment) => comment.in_reply_to_id === root.id && comment.user.type === "Bot",
    );
    expect(answers.map((comment) => comment.body)).toEqual([
      "Yes: with `<=` the last pass reads `values[values.length]`.",
    ]);
  });

  it("resolves the thread on line 7 with a reply once a push fixes that line, and leaves the others open", async () => {
    state.files = fixedFiles();
    await deliver("pull_request", "threads-3", push("synchronize", SECOND));
    await waitFor("review.completed", 2);
    const root = state.comments.find(
      (comment) => comment.line === 7 && comment.in_reply_to_id === undefined,
    ) as Comment;
    expect(state.mutations).toEqual([
      {
        thread: `PRRT_${root.id}`,
        body: `Resolved: at ${SECOND.slice(0, 7)}, the code this comment pointed at changed or was removed. Reopen this thread if the point still holds.`,
      },
    ]);
    expect(app.logs.find((line) => line.msg === "threads.tended" && line.resolved === 1)).toMatchObject({
      own: 3,
      tally: { posted: 3, actedOn: 1, dismissed: 0, answered: 1 },
    });
  });
});
