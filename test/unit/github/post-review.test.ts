import fc from "fast-check";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import { MAX_GITHUB_BODY_CHARS, postReview, ReviewRejectedError } from "../../../src/github/post-review.js";
import { readRecord, readReviewRecord } from "../../../src/records/read-record.js";
import type { FindingIdentity } from "../../../src/records/record-schema.js";
import { renderRecord } from "../../../src/records/render-record.js";
import type { ReviewComment } from "../../../src/review/types.js";

const GITHUB = "https://api.github.com";
const REVIEWS = "/repos/octo-org/hello-world/pulls/7/reviews";
const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const BOT = "deepseek-review[bot]";
const REF = { owner: "octo-org", repo: "hello-world", number: 7, botLogin: BOT };
const NONCE = "3b241101-e2bb-4255-8caf-4136c566a962";
const FOOTER = "---\n<sub>Model `deepseek-v4-flash` · commit 6dcb09b</sub>";
const BODY = `### DeepSeek review\n\n**5 findings** in 5 files reviewed.\n\n${FOOTER}`;
const NOT_IN_DIFF = {
  message: "Unprocessable Entity",
  errors: ["Pull request review thread line must be part of the diff"],
  documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
  status: "422",
};

/** The identity recorded on the comment on `line`. */
function identity(line: number): FindingIdentity {
  return { file: "00000000000000aa", side: "RIGHT", lines: [line, line], code: [], category: "logic" };
}

/** The record this post writes, with the identities of the comments refused on these lines. */
function recordLine(refusedLines: number[] = []): string {
  return renderRecord({
    kind: "review",
    head: HEAD_SHA,
    base: BASE_SHA,
    complete: true,
    post: NONCE,
    refused: refusedLines.map(identity),
  });
}

/** A comment on `line` of its own file, its body ending with its finding's record as place-comments writes it. */
function comment(line: number, index = line - 10): ReviewComment {
  return {
    path: `src/f${index}.ts`,
    body: `Finding on line ${line}.\n\n${renderRecord({ kind: "finding", finding: identity(line) })}`,
    line,
    side: "RIGHT",
  };
}

/** Five comments on lines 10 to 14 of five files. */
const COMMENTS: ReviewComment[] = [10, 11, 12, 13, 14].map((line) => comment(line));

interface SentReview {
  commit_id: string;
  event?: string;
  body?: string;
  comments?: { line: number; body: string }[];
}

interface StoredReview {
  id: number;
  state: "PENDING" | "COMMENTED";
  body: string;
  login: string;
}

/**
 * GitHub's review endpoints as nock mocks that behave like GitHub: a review holding a comment on one of
 * `badLines` is refused with 422, and so is any review while the app has a pending one (GitHub allows one per
 * user and pull request); pending reviews can be deleted. Each endpoint must be called exactly as many times as
 * given. `log` lists the calls in order.
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
  /** Answers to POSTs by call index sent instead of applying them (a 5xx, or a transient 422). */
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
      const lines = (review.comments ?? []).map((one) => one.line);
      const kind = review.event ?? "PENDING";
      const failure = params.failures?.[index];
      if (failure !== undefined) {
        log.push(`POST ${kind} [${lines}] ${failure}`);
        return [failure, failure === 422 ? NOT_IN_DIFF : { message: "Server Error" }];
      }
      const pendingExists = stored.some((one) => one.state === "PENDING" && one.login === BOT);
      if (lines.some((line) => params.badLines?.includes(line)) || pendingExists) {
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
        return [200, stored.map(restReview)];
      });
  }

  return { log, sent, stored };
}

function restReview(one: StoredReview) {
  return {
    id: one.id,
    user: { login: one.login, type: one.login.endsWith("[bot]") ? "Bot" : "User" },
    body: one.body,
    state: one.state,
    commit_id: HEAD_SHA,
  };
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
  options: {
    body?: string;
    sleep?: (ms: number) => Promise<void>;
    octokit?: ReturnType<typeof createOctokit>;
  } = {},
) {
  return postReview(
    options.octokit ?? createOctokit(),
    REF,
    { commitId: HEAD_SHA, body: options.body ?? BODY, comments, record: { base: BASE_SHA, complete: true } },
    { nonce: NONCE, sleep: options.sleep ?? recordSleeps().sleep },
  );
}

function refusedItem(line: number): string {
  return `- \`src/f${line - 10}.ts:${line}\`\n\n  Finding on line ${line}.`;
}

function bodyWithRefused(lines: number[]): string {
  const section = [
    "#### Comments GitHub did not accept",
    "GitHub refused to place these comments on the diff, so they are listed here:",
    ...lines.map(refusedItem),
  ].join("\n\n");
  return `### DeepSeek review\n\n**5 findings** in 5 files reviewed.\n\n${section}\n\n${FOOTER}\n\n${recordLine(lines)}`;
}

/** The posts of pending reviews with exactly one comment that GitHub refused, by line. */
function refusedAlone(log: string[]): number[] {
  return log.flatMap((line) => /^POST PENDING \[(\d+)\] 422$/.exec(line)?.[1] ?? []).map(Number);
}

describe("postReview", () => {
  describe("when GitHub accepts the review", () => {
    it("posts it once with event COMMENT, its record as the last line", async () => {
      const github = mockGitHub({ posts: 1 });

      const result = await post(COMMENTS);

      expect(result).toStrictEqual({ id: 501, refused: [], notChecked: [] });
      expect(github.log).toStrictEqual(["POST COMMENT [10,11,12,13,14] 200 #501"]);
      expect(github.sent[0]).toStrictEqual({
        commit_id: HEAD_SHA,
        event: "COMMENT",
        body: `${BODY}\n\n${recordLine()}`,
        comments: COMMENTS.map(({ path, body, line, side }) => ({ path, body, line, side })),
      });
      expect(readReviewRecord(github.sent[0]?.body, HEAD_SHA)).toStrictEqual({
        kind: "review",
        head: HEAD_SHA,
        base: BASE_SHA,
        complete: true,
        post: NONCE,
        refused: [],
      });
    });

    it("neutralises an HTML comment that slipped into the body, so the record is its only one", async () => {
      const github = mockGitHub({ posts: 1 });

      await post([], { body: `### DeepSeek review\n\n<!-- hidden -->\n\n${FOOTER}` });

      const body = github.sent[0]?.body ?? "";
      expect(body.match(/<!--/g)).toHaveLength(1);
      expect(body).toContain("<!-\u200D- hidden -\u200D->");
      expect(readRecord(body)).toMatchObject({ kind: "review", post: NONCE });
    });

    it("keeps the record whole and last when the body is over GitHub's limit", async () => {
      const github = mockGitHub({ posts: 1 });

      await post([], { body: `### DeepSeek review\n\n${"x".repeat(70_000)}\n\n${FOOTER}` });

      const body = github.sent[0]?.body ?? "";
      expect(body.length).toBeLessThanOrEqual(MAX_GITHUB_BODY_CHARS);
      expect(body.endsWith(`\n\n${recordLine()}`)).toBe(true);
    });
  });

  describe("when one comment of five is not part of the diff", () => {
    it("finds it with pending reviews, asks GitHub about it alone, and posts the other four with it in the body", async () => {
      const github = mockGitHub({ badLines: [12], posts: 8, deletes: 3, lists: 1 });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12,13,14] 422",
        "POST PENDING [10,11,12] 422",
        "POST PENDING [10,11] 200 #502",
        "DELETE #502",
        "POST PENDING [12] 422",
        "POST PENDING [13,14] 200 #503",
        "DELETE #503",
        "POST COMMENT [10,11,13,14] 200 #504",
      ]);
      expect(result).toStrictEqual({ id: 504, refused: [COMMENTS[2]], notChecked: [] });
      const final = github.sent[7] as SentReview;
      expect(final.comments).toHaveLength(4);
      expect(final.body).toBe(bodyWithRefused([12]));
      expect(github.stored.map((one) => one.state)).toStrictEqual(["COMMENTED"]);
    });

    it("records the refused comment's finding in the review's record, so it counts as posted", async () => {
      const github = mockGitHub({ badLines: [12], posts: 8, deletes: 3, lists: 1 });

      await post(COMMENTS);

      expect(readReviewRecord(github.sent[7]?.body, HEAD_SHA)?.refused).toStrictEqual([identity(12)]);
    });

    it("sends the body with the empty pending review only, never with comments", async () => {
      const github = mockGitHub({ badLines: [12], posts: 8, deletes: 3, lists: 1 });

      await post(COMMENTS);

      expect(github.sent.map((review) => review.body === undefined)).toStrictEqual([
        false,
        false,
        true,
        true,
        true,
        true,
        true,
        false,
      ]);
      expect(github.sent[1]?.body).toBe(BODY);
    });
  });

  describe("when two comments are not part of the diff", () => {
    it("moves both into the body, each refused on its own, and posts the other three inline", async () => {
      const github = mockGitHub({ badLines: [11, 14], posts: 12, deletes: 4, lists: 1 });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12,13,14] 422",
        "POST PENDING [10,11,12] 422",
        "POST PENDING [10,11] 422",
        "POST PENDING [10] 200 #502",
        "DELETE #502",
        "POST PENDING [11] 422",
        "POST PENDING [12] 200 #503",
        "DELETE #503",
        "POST PENDING [13,14] 422",
        "POST PENDING [13] 200 #504",
        "DELETE #504",
        "POST PENDING [14] 422",
        "POST COMMENT [10,12,13] 200 #505",
      ]);
      expect(result).toStrictEqual({ id: 505, refused: [COMMENTS[1], COMMENTS[4]], notChecked: [] });
      expect(github.sent[11]?.body).toBe(bodyWithRefused([11, 14]));
    });
  });

  describe("when no comment is part of the diff", () => {
    it("posts the review without inline comments and all five in the body", async () => {
      const github = mockGitHub({ badLines: [10, 11, 12, 13, 14], posts: 12, deletes: 1, lists: 1 });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12,13,14] 422",
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
      expect(result).toStrictEqual({ id: 502, refused: COMMENTS, notChecked: [] });
      expect(github.sent[11]?.comments).toStrictEqual([]);
      expect(github.sent[11]?.body).toBe(bodyWithRefused([10, 11, 12, 13, 14]));
    });
  });

  describe("when the 422 was not caused by a comment", () => {
    it("posts the review as it was after deleting the pending review the app left behind", async () => {
      const github = mockGitHub({
        posts: 4,
        deletes: 3,
        lists: 1,
        reviews: [
          { id: 90, state: "PENDING", body: "", login: BOT },
          { id: 91, state: "COMMENTED", body: "LGTM", login: "octocat" },
        ],
      });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "DELETE #90",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12,13,14] 200 #502",
        "DELETE #502",
        "POST COMMENT [10,11,12,13,14] 200 #503",
      ]);
      expect(result).toStrictEqual({ id: 503, refused: [], notChecked: [] });
      expect(github.sent[3]).toStrictEqual(github.sent[0]);
    });

    it("posts the review as it was after a transient 422", async () => {
      const github = mockGitHub({ posts: 4, deletes: 2, lists: 1, failures: { 0: 422 } });

      const result = await post(COMMENTS);

      expect(github.log.at(-1)).toBe("POST COMMENT [10,11,12,13,14] 200 #503");
      expect(result).toStrictEqual({ id: 503, refused: [], notChecked: [] });
    });

    it("sends it again as it was when no comment is refused on its own, even though all of them were once", async () => {
      const github = mockGitHub({ posts: 6, deletes: 3, lists: 1, failures: { 0: 422, 2: 422 } });

      const result = await post(COMMENTS);

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12,13,14] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12,13,14] 422",
        "POST PENDING [10,11,12] 200 #502",
        "DELETE #502",
        "POST PENDING [13,14] 200 #503",
        "DELETE #503",
        "POST COMMENT [10,11,12,13,14] 200 #504",
      ]);
      expect(result).toStrictEqual({ id: 504, refused: [], notChecked: [] });
    });

    it("gives up with a clear error when the review is refused again as it was", async () => {
      const github = mockGitHub({ posts: 4, deletes: 2, lists: 1, failures: { 0: 422, 3: 422 } });

      const error = await post(COMMENTS).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ReviewRejectedError);
      expect((error as Error).message).toMatch(
        /^GitHub rejected the review on commit 6dcb09b5b57875f334f61aebed695e2e4193db5e twice, although it accepts its body and each of its 5 inline comment\(s\) in a pending review/,
      );
      expect(github.log.filter((line) => line.startsWith("POST COMMENT"))).toHaveLength(2);
    });
  });

  describe("when the app left a pending review behind and a comment is refused", () => {
    it("deletes it before the first probe", async () => {
      const github = mockGitHub({
        badLines: [10],
        posts: 6,
        deletes: 3,
        lists: 1,
        reviews: [{ id: 90, state: "PENDING", body: "", login: BOT }],
      });

      const result = await post(COMMENTS.slice(0, 2));

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11] 422",
        "GET reviews",
        "DELETE #90",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11] 422",
        "POST PENDING [10] 422",
        "POST PENDING [11] 200 #502",
        "DELETE #502",
        "POST COMMENT [11] 200 #503",
      ]);
      expect(result.refused).toStrictEqual([COMMENTS[0]]);
    });
  });

  describe("when a single comment is refused", () => {
    it("calls it refused only after GitHub refused it alone", async () => {
      const github = mockGitHub({ badLines: [10], posts: 4, deletes: 1, lists: 1 });

      const result = await post(COMMENTS.slice(0, 1));

      expect(github.log).toStrictEqual([
        "POST COMMENT [10] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10] 422",
        "POST COMMENT [] 200 #502",
      ]);
      expect(result.refused).toStrictEqual([COMMENTS[0]]);
    });
  });

  describe("whatever comments GitHub refuses", () => {
    it("calls refused exactly those it refused alone, within 2n + 4 probes", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 9 }).chain((count) =>
            fc.record({
              count: fc.constant(count),
              bad: fc.uniqueArray(fc.integer({ min: 10, max: 9 + count }), { minLength: 1 }),
            }),
          ),
          async ({ count, bad }) => {
            const comments = Array.from({ length: count }, (_, index) => comment(10 + index));
            const github = mockGitHubLoosely(bad);
            try {
              const result = await post(comments);
              const probes = github.log.filter((line) => line.startsWith("POST PENDING")).length;
              expect(result.refused.map((one) => one.line)).toStrictEqual([...bad].sort((a, b) => a - b));
              expect(refusedAlone(github.log).sort()).toStrictEqual([...bad].sort());
              expect(result.notChecked).toStrictEqual([]);
              expect(probes).toBeLessThanOrEqual(2 * count + 4);
            } finally {
              nock.cleanAll();
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  describe("when the probes run out (answers lost along the way)", () => {
    it("posts what was proven good and lists the rest as not checked, not as refused", async () => {
      const { waits, sleep } = recordSleeps();
      // 2 comments: 8 probes. The body's probe takes 3 attempts, the whole set's 3, the first half's 2.
      const github = mockGitHub({
        badLines: [11],
        posts: 10,
        deletes: 2,
        lists: 6,
        failures: { 1: 502, 2: 502, 4: 502, 5: 502, 7: 502 },
      });

      const result = await post(COMMENTS.slice(0, 2), { sleep });

      expect(github.log.filter((line) => line.startsWith("POST PENDING"))).toHaveLength(8);
      expect(github.log.at(-1)).toBe("POST COMMENT [10] 200 #503");
      expect(result).toStrictEqual({ id: 503, refused: [], notChecked: [COMMENTS[1]] });
      const body = github.sent[9]?.body ?? "";
      expect(body).toContain(
        "#### Comments not checked\n\nGitHub refused this review, and these comments could not be checked one by " +
          "one within the limit on checks, so they are listed here instead of inline:\n\n- `src/f1.ts:11`\n\n  " +
          "Finding on line 11.",
      );
      expect(body).not.toContain("did not accept");
      expect(readReviewRecord(body, HEAD_SHA)?.refused).toStrictEqual([]);
      expect(waits).toStrictEqual([1000, 2000, 1000, 2000, 1000]);
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

    it("throws after the empty pending review is refused, without probing comments", async () => {
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
      const github = mockGitHub({ badLines: [12], posts: 7, deletes: 3, lists: 2, lostAnswers: { 3: 502 } });

      const result = await post(COMMENTS.slice(0, 3), { sleep });

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12] 422",
        "POST PENDING [10,11] 502 #502",
        "GET reviews",
        "DELETE #502",
        "POST PENDING [10,11] 200 #503",
        "DELETE #503",
        "POST PENDING [12] 422",
        "POST COMMENT [10,11] 200 #504",
      ]);
      expect(waits).toStrictEqual([1000]);
      expect(result.refused).toStrictEqual([COMMENTS[2]]);
      expect(github.stored.map((one) => one.state)).toStrictEqual(["COMMENTED"]);
    });

    it("leaves no pending review behind when every attempt fails, and posts nothing", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({
        badLines: [12],
        posts: 6,
        deletes: 4,
        lists: 4,
        lostAnswers: { 3: 500, 4: 502, 5: 503 },
      });

      await expect(post(COMMENTS.slice(0, 3), { sleep })).rejects.toMatchObject({ status: 503 });

      expect(github.log).toStrictEqual([
        "POST COMMENT [10,11,12] 422",
        "GET reviews",
        "POST PENDING [] 200 #501",
        "DELETE #501",
        "POST PENDING [10,11,12] 422",
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
    it("does not post it again when GitHub created it", async () => {
      const { waits, sleep } = recordSleeps();
      const github = mockGitHub({ posts: 1, lists: 1, lostAnswers: { 0: 502 } });

      const result = await post(COMMENTS, { octokit: createOctokit(true), sleep });

      expect(result).toStrictEqual({ id: 501, refused: [], notChecked: [] });
      expect(github.log).toStrictEqual(["POST COMMENT [10,11,12,13,14] 502 #501", "GET reviews"]);
      expect(waits).toStrictEqual([]);
    });

    it("posts it once more when GitHub did not create it, despite an earlier review of the same commit", async () => {
      const { waits, sleep } = recordSleeps();
      const earlier = renderRecord({
        kind: "review",
        head: HEAD_SHA,
        base: BASE_SHA,
        complete: true,
        post: "an-earlier-post",
        refused: [],
      });
      const github = mockGitHub({
        posts: 2,
        lists: 1,
        failures: { 0: 502 },
        reviews: [{ id: 40, state: "COMMENTED", body: `Earlier run.\n\n${earlier}`, login: BOT }],
      });

      const result = await post(COMMENTS, { octokit: createOctokit(true), sleep });

      expect(result).toStrictEqual({ id: 501, refused: [], notChecked: [] });
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

      await expect(post(COMMENTS, { octokit: createOctokit(true), sleep })).rejects.toMatchObject({
        status: 504,
      });

      expect(github.log.filter((line) => line.startsWith("POST"))).toHaveLength(3);
      expect(waits).toStrictEqual([1000, 2000]);
    });

    it.each([
      ["by someone else, with this post's record", "mallory", `Forged\n\n${recordLine()}`],
      ["by the app, with this post's record on a line that is not the last", BOT, `${recordLine()}\n\nmore`],
    ])("ignores a review %s", async (_case, login, body) => {
      const { sleep } = recordSleeps();
      const github = mockGitHub({
        posts: 2,
        lists: 1,
        failures: { 0: 502 },
        reviews: [{ id: 41, state: "COMMENTED", body, login }],
      });

      await expect(post(COMMENTS, { octokit: createOctokit(true), sleep })).resolves.toStrictEqual({
        id: 501,
        refused: [],
        notChecked: [],
      });
      expect(github.log.filter((line) => line.startsWith("POST"))).toHaveLength(2);
    });
  });

  describe("when the body is near GitHub's limit", () => {
    it("counts the refused comments that do not fit instead of listing them, and keeps the record last", async () => {
      const filler = "x".repeat(65_536 - 600 - FOOTER.length - recordLine([10]).length);
      const body = `### DeepSeek review\n\n${filler}\n\n${FOOTER}`;
      const long = {
        ...comment(10),
        body: `${"y".repeat(1_000)}\n\n${renderRecord({ kind: "finding", finding: identity(10) })}`,
      };
      const github = mockGitHub({ badLines: [10], posts: 6, deletes: 2, lists: 1 });

      await post([long, comment(11)], { body });

      expect(github.sent[5]?.comments).toHaveLength(1);
      const final = github.sent[5]?.body ?? "";
      expect(final.length).toBeLessThanOrEqual(65_536);
      expect(final).toContain(
        "#### Comments GitHub did not accept\n\nGitHub refused to place these comments on the diff, so they " +
          "are listed here:\n\n- …and 1 more, left out to keep this review under GitHub's size limit.",
      );
      expect(final).not.toContain("yyy");
      expect(final.endsWith(`${FOOTER}\n\n${recordLine([10])}`)).toBe(true);
    });

    it("lists a multi-line comment on removed lines with its range, without its record", async () => {
      const removed: ReviewComment = {
        path: "src/old.ts",
        body: `Check removed.\n\n\`\`\`ts\nif (x) return;\n\`\`\`\n\n${renderRecord({ kind: "finding", finding: { ...identity(9), side: "LEFT", lines: [7, 9] } })}`,
        line: 9,
        side: "LEFT",
        startLine: 7,
        startSide: "LEFT",
      };
      const github = mockGitHub({ badLines: [9], posts: 4, deletes: 1, lists: 1 });

      await post([removed], { body: "No footer here." });

      const record = renderRecord({
        kind: "review",
        head: HEAD_SHA,
        base: BASE_SHA,
        complete: true,
        post: NONCE,
        refused: [{ ...identity(9), side: "LEFT", lines: [7, 9] }],
      });
      expect(github.sent[3]?.body).toBe(
        "No footer here.\n\n#### Comments GitHub did not accept\n\nGitHub refused to place these comments on " +
          "the diff, so they are listed here:\n\n- `src/old.ts:7-9` (removed lines)\n\n  Check removed.\n\n" +
          `  \`\`\`ts\n  if (x) return;\n  \`\`\`\n\n${record}`,
      );
    });
  });
});

/**
 * GitHub as in `mockGitHub`, for any number of calls: a review holding a comment on one of `badLines` is refused
 * with 422; pending reviews are deleted. The caller cleans the mocks up.
 */
function mockGitHubLoosely(badLines: number[]) {
  const log: string[] = [];
  let nextId = 501;
  nock(GITHUB)
    .persist()
    .post(REVIEWS)
    .reply(async (request: Request) => {
      const review = (await request.json()) as SentReview;
      const lines = (review.comments ?? []).map((one) => one.line);
      const kind = review.event ?? "PENDING";
      const refused = lines.some((line) => badLines.includes(line));
      log.push(`POST ${kind} [${lines}] ${refused ? 422 : 200}`);
      return refused ? [422, NOT_IN_DIFF] : [200, { id: nextId++ }];
    })
    .delete(/\/reviews\/\d+$/)
    .reply(200, {})
    .get(REVIEWS)
    .query({ per_page: 100 })
    .reply(200, []);
  return { log };
}
