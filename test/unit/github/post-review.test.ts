import nock from "nock";
import { describe, expect, it } from "vitest";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import { postReview, ReviewRejectedError } from "../../../src/github/post-review.js";
import type { ReviewComment } from "../../../src/review/types.js";

const GITHUB = "https://api.github.com";
const REVIEWS = "/repos/octo-org/hello-world/pulls/7/reviews";
const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const BOT = "deepseek-review[bot]";
const REF = { owner: "octo-org", repo: "hello-world", number: 7, botLogin: BOT };
const NONCE = "3b241101-e2bb-4255-8caf-4136c566a962";
const POST_MARKER = `<!-- deepseek-review:post=${NONCE} -->`;
const REVIEWED_MARKER = `<!-- deepseek-review:reviewed=${HEAD_SHA} -->`;
const FOOTER = `---\n<sub>Model \`deepseek-v4-flash\` · commit 6dcb09b</sub>\n${REVIEWED_MARKER}`;
const BODY = `### DeepSeek review\n\n**5 findings** in 5 files reviewed.\n\n${FOOTER}`;
const NOT_IN_DIFF = {
  message: "Unprocessable Entity",
  errors: ["Pull request review thread line must be part of the diff"],
  documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
  status: "422",
};

/** Five comments on lines 10 to 14 of five files. */
const COMMENTS: ReviewComment[] = [10, 11, 12, 13, 14].map((line, index) => ({
  path: `src/f${index}.ts`,
  body: `Finding on line ${line}.`,
  line,
  side: "RIGHT",
}));

interface SentReview {
  commit_id: string;
  event?: string;
  body?: string;
  comments?: { line: number }[];
}

interface StoredReview {
  id: number;
  state: "PENDING" | "COMMENTED";
  body: string;
  login: string;
}

/**
 * GitHub's review endpoints as nock mocks that behave like GitHub: a review holding a comment on one of
 * `badLines` is refused with 422, a second pending review of the app too, and pending reviews can be deleted.
 * Each endpoint must be called exactly as many times as given. `log` lists the calls in order.
 */
function mockGitHub(params: {
  badLines?: number[];
  posts: number;
  deletes?: number;
  lists?: number;
  /** Reviews already on the pull request. */
  reviews?: StoredReview[];
  /** Answers to POSTs by call index (0-based) sent after GitHub applied them, as when the answer is lost. */
  lostAnswers?: Record<number, number>;
  /** Answers to POSTs by call index sent instead of applying them. */
  failures?: Record<number, number>;
}) {
  const log: string[] = [];
  const sent: SentReview[] = [];
  const stored: StoredReview[] = [...(params.reviews ?? [])];
  let nextId = 501;
  let postIndex = 0;

  nock(GITHUB)
    .post(REVIEWS)
    .times(params.posts)
    .reply(async (request: Request) => {
      const index = postIndex++;
      const review = (await request.json()) as SentReview;
      sent.push(review);
      const lines = (review.comments ?? []).map((comment) => comment.line);
      const kind = review.event ?? "PENDING";
      const failure = params.failures?.[index];
      if (failure !== undefined) {
        log.push(`POST ${kind} [${lines}] ${failure}`);
        return [failure, { message: "Server Error" }];
      }
      const pendingExists = stored.some((one) => one.state === "PENDING" && one.login === BOT);
      if (lines.some((line) => params.badLines?.includes(line)) || (kind === "PENDING" && pendingExists)) {
        log.push(`POST ${kind} [${lines}] 422`);
        return [422, NOT_IN_DIFF];
      }
      const id = nextId++;
      const state = kind === "PENDING" ? "PENDING" : "COMMENTED";
      stored.push({ id, state, body: review.body ?? "", login: BOT });
      const lost = params.lostAnswers?.[index];
      log.push(`POST ${kind} [${lines}] ${lost ?? 200} #${id}`);
      return lost === undefined ? [200, { id, state }] : [lost, { message: "Bad Gateway" }];
    });

  if (params.deletes) {
    nock(GITHUB)
      .delete(/\/repos\/octo-org\/hello-world\/pulls\/7\/reviews\/\d+$/)
      .times(params.deletes)
      .reply((request: Request) => {
        const id = Number(request.url.split("/").pop());
        const at = stored.findIndex((one) => one.id === id && one.state === "PENDING");
        log.push(`DELETE #${id}`);
        if (at === -1) return [404, { message: "Not Found" }];
        stored.splice(at, 1);
        return [200, { id, state: "PENDING" }];
      });
  }

  if (params.lists) {
    nock(GITHUB)
      .get(REVIEWS)
      .query({ per_page: 100 })
      .times(params.lists)
      .reply(() => {
        log.push("GET reviews");
        return [
          200,
          stored.map((one) => ({
            id: one.id,
            user: { login: one.login, type: one.login.endsWith("[bot]") ? "Bot" : "User" },
            body: one.body,
            state: one.state,
            commit_id: HEAD_SHA,
          })),
        ];
      });
  }

  return { log, sent, stored };
}

function createOctokit(retry: boolean = false) {
  const Octokit = createOctokitClass({ enabled: false }, retry ? {} : { retry: { enabled: false } });
  return new Octokit({ auth: { token: "t" } });
}

/** Records the waits instead of waiting. */
function recordSleeps() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

function post(
  comments: ReviewComment[],
  options: { body?: string; sleep?: (ms: number) => Promise<void> } = {},
) {
  return postReview(
    createOctokit(),
    REF,
    { commitId: HEAD_SHA, body: options.body ?? BODY, comments },
    { nonce: NONCE, sleep: options.sleep ?? recordSleeps().sleep },
  );
}

function rejectedItem(index: number): string {
  const line = 10 + index;
  return `- \`src/f${index}.ts:${line}\`\n\n  Finding on line ${line}.`;
}

function bodyWithRejected(indexes: number[]): string {
  const section = [
    "#### Comments GitHub did not accept",
    "GitHub refused to place these comments on the diff, so they are listed here:",
    ...indexes.map(rejectedItem),
  ].join("\n\n");
  return `### DeepSeek review\n\n**5 findings** in 5 files reviewed.\n\n${section}\n\n${FOOTER}\n\n${POST_MARKER}`;
}

describe("postReview", () => {
  describe("when GitHub accepts the review", () => {
    it("posts it once with event COMMENT and the post marker after the body", async () => {
      const github = mockGitHub({ posts: 1 });

      const result = await post(COMMENTS);

      expect(result).toStrictEqual({ id: 501, rejected: [] });
      expect(github.log).toStrictEqual(["POST COMMENT [10,11,12,13,14] 200 #501"]);
      expect(github.sent[0]).toStrictEqual({
        commit_id: HEAD_SHA,
        event: "COMMENT",
        body: `${BODY}\n\n${POST_MARKER}`,
        comments: COMMENTS.map(({ path, body, line, side }) => ({ path, body, line, side })),
      });
    });
  });

  describe("when one comment of five is not part of the diff", () => {
    it("finds it with pending reviews, deletes each, and posts the other four with it in the body", async () => {
      const github = mockGitHub({ badLines: [12], posts: 6, deletes: 3, lists: 1 });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12] 422",
        "POST PENDING [10,11] 200 #502",
        "DELETE #502",
        "POST PENDING [13,14] 200 #503",
        "DELETE #503",
        "POST COMMENT [10,11,13,14] 200 #504",
      ]);
      expect(result).toStrictEqual({ id: 504, rejected: [COMMENTS[2]] });
      const final = github.sent[5] as SentReview;
      expect(final.comments).toHaveLength(4);
      expect(final.body).toBe(bodyWithRejected([2]));
      expect(github.stored.map((one) => one.state)).toStrictEqual(["COMMENTED"]);
    });

    it("sends the body with the empty pending review only, never with a half", async () => {
      const github = mockGitHub({ badLines: [12], posts: 6, deletes: 3, lists: 1 });

      await post(COMMENTS);

      expect(github.sent.map((review) => review.body === undefined)).toStrictEqual([
        false,
        false,
        true,
        true,
        true,
        false,
      ]);
      expect(github.sent[1]?.body).toBe(BODY);
    });
  });

  describe("when two comments are not part of the diff", () => {
    it("moves both into the body and posts the other three inline", async () => {
      const github = mockGitHub({ badLines: [11, 14], posts: 9, deletes: 4, lists: 1 });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12] 422",
        "POST PENDING [10,11] 422",
        "POST PENDING [10] 200 #502",
        "DELETE #502",
        "POST PENDING [12] 200 #503",
        "DELETE #503",
        "POST PENDING [13,14] 422",
        "POST PENDING [13] 200 #504",
        "DELETE #504",
        "POST COMMENT [10,12,13] 200 #505",
      ]);
      expect(result).toStrictEqual({ id: 505, rejected: [COMMENTS[1], COMMENTS[4]] });
      expect(github.sent[8]?.body).toBe(bodyWithRejected([1, 4]));
    });
  });

  describe("when no comment is part of the diff", () => {
    it("posts the review without inline comments and all five in the body", async () => {
      const github = mockGitHub({ badLines: [10, 11, 12, 13, 14], posts: 11, deletes: 1, lists: 1 });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12] 422",
        "POST PENDING [10,11] 422",
        "POST PENDING [10] 422",
        "POST PENDING [11] 422",
        "POST PENDING [12] 422",
        "POST PENDING [13,14] 422",
        "POST PENDING [13] 422",
        "POST PENDING [14] 422",
        "POST COMMENT [] 200 #502",
      ]);
      expect(result).toStrictEqual({ id: 502, rejected: COMMENTS });
      expect(github.sent[10]?.comments).toStrictEqual([]);
      expect(github.sent[10]?.body).toBe(bodyWithRejected([0, 1, 2, 3, 4]));
    });
  });

  describe("when the app left a pending review behind", () => {
    it("deletes it before the first probe", async () => {
      const github = mockGitHub({
        badLines: [10],
        posts: 5,
        deletes: 3,
        lists: 1,
        reviews: [
          { id: 90, state: "PENDING", body: "", login: BOT },
          { id: 91, state: "COMMENTED", body: "LGTM", login: "octocat" },
        ],
      });

      const result = await post(COMMENTS.slice(0, 2));

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11] 422",
        "GET reviews",
        "DELETE #90",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10] 422",
        "POST PENDING [11] 200 #502",
        "DELETE #502",
        "POST COMMENT [11] 200 #503",
      ]);
      expect(result.rejected).toStrictEqual([COMMENTS[0]]);
    });
  });

  describe("when GitHub refuses the review even without comments", () => {
    it("throws a clear error after one POST when there are no comments", async () => {
      nock(GITHUB)
        .post(REVIEWS)
        .reply(422, {
          message: "Unprocessable Entity",
          errors: ["The commitOID is not part of the pull request"],
          status: "422",
        });

      const error = await post([]).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ReviewRejectedError);
      expect(error).toMatchObject({
        status: 422,
        retryable: false,
        message: expect.stringMatching(
          /^GitHub rejected the review on commit 6dcb09b5b57875f334f61aebed695e2e4193db5e even without inline comments \(.*The commitOID is not part of the pull request.*\): the commit may no longer be part of the pull request/,
        ),
      });
    });

    it("throws after the empty pending review is refused, without bisecting", async () => {
      // Every POST is refused, as when the head moved on.
      const log: string[] = [];
      nock(GITHUB)
        .post(REVIEWS)
        .times(2)
        .reply(async (request: Request) => {
          log.push(`POST ${((await request.json()) as SentReview).event ?? "PENDING"}`);
          return [
            422,
            { message: "Unprocessable Entity", errors: ["The commitOID is not part of the pull request"] },
          ];
        })
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(200, []);

      await expect(post(COMMENTS)).rejects.toThrow(ReviewRejectedError);
      expect(log).toStrictEqual(["POST COMMENT", "POST PENDING"]);
    });
  });

  describe("when a probe's answer is lost", () => {
    it("deletes the pending review GitHub created anyway, then probes again", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({ badLines: [12], posts: 5, deletes: 3, lists: 2, lostAnswers: { 2: 502 } });

      const result = await post(COMMENTS.slice(0, 3), { sleep });

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11] 502 #502",
        "GET reviews",
        "DELETE #502",
        "POST PENDING [10,11] 200 #503",
        "DELETE #503",
        "POST COMMENT [10,11] 200 #504",
      ]);
      expect(waits).toStrictEqual([1000]);
      expect(result.rejected).toStrictEqual([COMMENTS[2]]);
      expect(github.stored.map((one) => one.state)).toStrictEqual(["COMMENTED"]);
    });

    it("leaves no pending review behind when every attempt fails, and posts nothing", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({
        badLines: [12],
        posts: 5,
        deletes: 4,
        lists: 4,
        lostAnswers: { 2: 500, 3: 502, 4: 503 },
      });

      await expect(post(COMMENTS.slice(0, 3), { sleep })).rejects.toMatchObject({ status: 503 });

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11] 500 #502",
        "GET reviews",
        "DELETE #502",
        "POST PENDING [10,11] 502 #503",
        "GET reviews",
        "DELETE #503",
        "POST PENDING [10,11] 503 #504",
        "GET reviews",
        "DELETE #504",
      ]);
      expect(waits).toStrictEqual([1000, 2000]);
      expect(github.stored).toStrictEqual([]);
    });

    it("rejects when the pending review cannot be deleted, and posts nothing more", async () => {
      const log: string[] = [];
      nock(GITHUB)
        .post(REVIEWS)
        .reply(422, NOT_IN_DIFF)
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(200, [])
        .post(REVIEWS)
        .reply(200, { id: 501, state: "PENDING" })
        .delete(`${REVIEWS}/501`)
        .reply(() => {
          log.push("DELETE #501");
          return [500, { message: "Server Error" }];
        });

      await expect(post(COMMENTS)).rejects.toMatchObject({ status: 500 });
      expect(log).toStrictEqual(["DELETE #501"]);
    });
  });

  describe("when the answer to the review is lost (Octokit's retry plugin on)", () => {
    const lostPost = (octokit: ReturnType<typeof createOctokit>, sleep: (ms: number) => Promise<void>) =>
      postReview(
        octokit,
        REF,
        { commitId: HEAD_SHA, body: BODY, comments: COMMENTS },
        { nonce: NONCE, sleep },
      );

    it("does not post it again when GitHub created it", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({ posts: 1, lists: 1, lostAnswers: { 0: 502 } });

      const result = await lostPost(createOctokit(true), sleep);

      expect(result).toStrictEqual({ id: 501, rejected: [] });
      expect(github.log).toStrictEqual(["POST COMMENT [10,11,12,13,14] 502 #501", "GET reviews"]);
      expect(waits).toStrictEqual([]);
    });

    it("posts it once more when GitHub did not create it, despite an earlier review of the same commit", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({
        posts: 2,
        lists: 1,
        failures: { 0: 502 },
        reviews: [{ id: 40, state: "COMMENTED", body: `Earlier run.\n${REVIEWED_MARKER}`, login: BOT }],
      });

      const result = await lostPost(createOctokit(true), sleep);

      expect(result).toStrictEqual({ id: 501, rejected: [] });
      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 502",
        "GET reviews",
        "POST COMMENT [10,11,12,13,14] 200 #501",
      ]);
      expect(waits).toStrictEqual([1000]);
      expect(github.sent[1]).toStrictEqual(github.sent[0]);
    });

    it("gives up after three attempts with the last error", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({ posts: 3, lists: 3, failures: { 0: 502, 1: 500, 2: 504 } });

      await expect(lostPost(createOctokit(true), sleep)).rejects.toMatchObject({ status: 504 });

      expect(github.log.filter((line) => line.startsWith("POST"))).toHaveLength(3);
      expect(waits).toStrictEqual([1000, 2000]);
    });

    it("ignores a review with the post marker by someone else", async () => {
      const { sleep } = recordSleeps();
      const github = mockGitHub({
        posts: 2,
        lists: 1,
        failures: { 0: 502 },
        reviews: [{ id: 41, state: "COMMENTED", body: `Forged ${POST_MARKER}`, login: "mallory" }],
      });

      await expect(lostPost(createOctokit(true), sleep)).resolves.toStrictEqual({ id: 501, rejected: [] });
      expect(github.log.filter((line) => line.startsWith("POST"))).toHaveLength(2);
    });
  });

  describe("when the body is near GitHub's limit", () => {
    it("counts the rejected comments that do not fit instead of listing them", async () => {
      const filler = "x".repeat(65_536 - 600 - FOOTER.length);
      const body = `### DeepSeek review\n\n${filler}\n\n${FOOTER}`;
      const long = { ...(COMMENTS[0] as ReviewComment), body: "y".repeat(1_000) };
      const github = mockGitHub({ badLines: [10], posts: 5, deletes: 2, lists: 1 });

      await post([long, COMMENTS[1] as ReviewComment], { body });

      expect(github.sent[4]?.comments).toHaveLength(1);
      const final = github.sent[4]?.body ?? "";
      expect(final.length).toBeLessThanOrEqual(65_536);
      expect(final).toContain(
        "#### Comments GitHub did not accept\n\nGitHub refused to place these comments on the diff, so they " +
          "are listed here:\n\n- …and 1 more, left out to keep this review under GitHub's size limit.",
      );
      expect(final).not.toContain("yyy");
      expect(final.endsWith(`${REVIEWED_MARKER}\n\n${POST_MARKER}`)).toBe(true);
    });

    it("lists a multi-line comment on removed lines with its range", async () => {
      const removed: ReviewComment = {
        path: "src/old.ts",
        body: "Check removed.\n\n```ts\nif (x) return;\n```",
        line: 9,
        side: "LEFT",
        startLine: 7,
        startSide: "LEFT",
      };
      const github = mockGitHub({ badLines: [9], posts: 3, deletes: 1, lists: 1 });

      await post([removed], { body: "No footer here." });

      expect(github.sent[2]?.body).toBe(
        "No footer here.\n\n#### Comments GitHub did not accept\n\nGitHub refused to place these comments on " +
          "the diff, so they are listed here:\n\n- `src/old.ts:7-9` (removed lines)\n\n  Check removed.\n\n" +
          `  \`\`\`ts\n  if (x) return;\n  \`\`\`\n\n${POST_MARKER}`,
      );
    });
  });
});
