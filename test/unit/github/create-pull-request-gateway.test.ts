import nock from "nock";
import { describe, expect, it } from "vitest";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import {
  createPullRequestGateway,
  toPullRequestFile,
} from "../../../src/github/create-pull-request-gateway.js";
import { readReviewRecord } from "../../../src/records/read-record.js";
import type { FindingIdentity, ReviewRecord } from "../../../src/records/record-schema.js";
import { renderRecord } from "../../../src/records/render-record.js";
import type { PullRequestFile } from "../../../src/review/types.js";

const GITHUB = "https://api.github.com";
const FILES = "/repos/octo-org/hello-world/pulls/7/files";
const REVIEWS = "/repos/octo-org/hello-world/pulls/7/reviews";
const PAGES = "https://api.github.com/repositories/1296269/pulls/7/files";
const REVIEW_COMMENTS = "/repos/octo-org/hello-world/pulls/7/comments";
const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const OLD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const COMPARE = `/repos/octo-org/hello-world/compare/${BASE_SHA}...${HEAD_SHA}`;
const BOT = "deepseek-review[bot]";

function createGateway() {
  const Octokit = createOctokitClass({ enabled: false }, { retry: { enabled: false } });
  // Probot's auth strategy takes an options object: `auth: "token"` would leave requests unauthenticated.
  const octokit = new Octokit({ auth: { token: "test-token" } });
  return createPullRequestGateway(octokit, {
    owner: "octo-org",
    repo: "hello-world",
    number: 7,
    botLogin: BOT,
  });
}

/** One item of `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`, as GitHub sends it. */
function restFile(fields: { filename: string; status: string; patch?: string; previous_filename?: string }) {
  return {
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    additions: 2,
    deletions: 1,
    changes: 3,
    blob_url: `https://github.com/octo-org/hello-world/blob/${HEAD_SHA}/${fields.filename}`,
    raw_url: `https://github.com/octo-org/hello-world/raw/${HEAD_SHA}/${fields.filename}`,
    contents_url: `https://api.github.com/repos/octo-org/hello-world/contents/${fields.filename}?ref=${HEAD_SHA}`,
    ...fields,
  };
}

const link = (pages: Record<string, number>, base = PAGES) =>
  Object.entries(pages)
    .map(([rel, page]) => `<${base}?per_page=100&page=${page}>; rel="${rel}"`)
    .join(", ");

/** A user as GitHub embeds it in reviews and comments. */
function restUser(login: string) {
  return { login, id: login.length, type: login.endsWith("[bot]") ? "Bot" : "User" };
}

/** One item of `GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews`, as GitHub sends it. */
function restReview(fields: {
  id: number;
  login: string | null;
  body: string;
  commit_id: string | null;
  state?: string;
}) {
  const { login, ...rest } = fields;
  return {
    node_id: `PRR_${fields.id}`,
    user: login === null ? null : restUser(login),
    state: "COMMENTED",
    html_url: `https://github.com/octo-org/hello-world/pull/7#pullrequestreview-${fields.id}`,
    pull_request_url: "https://api.github.com/repos/octo-org/hello-world/pulls/7",
    author_association: login?.endsWith("[bot]") ? "NONE" : "MEMBER",
    submitted_at: "2026-11-02T10:00:00Z",
    ...rest,
  };
}

/** One item of `GET /repos/{owner}/{repo}/pulls/{pull_number}/comments`, as GitHub sends it. */
function restReviewComment(fields: { id: number; login: string | null; body: string }) {
  const { login, ...rest } = fields;
  return {
    pull_request_review_id: 80,
    path: "src/a.ts",
    line: 12,
    side: "RIGHT",
    commit_id: HEAD_SHA,
    original_commit_id: HEAD_SHA,
    user: login === null ? null : restUser(login),
    ...rest,
  };
}

/** A finding identity told apart by its first line. */
const identity = (line: number): FindingIdentity => ({
  file: "0123456789abcdef",
  side: "RIGHT",
  lines: [line, line],
  code: ["89abcdef"],
  category: "logic",
});
const reviewRecord = (sha: string, refused: FindingIdentity[] = []): ReviewRecord => ({
  kind: "review",
  head: sha,
  base: BASE_SHA,
  complete: true,
  post: `nonce-for-${sha.slice(0, 7)}`,
  refused,
});
/** The record line of a complete review of `sha`. */
const marker = (sha: string, refused: FindingIdentity[] = []) => renderRecord(reviewRecord(sha, refused));
/** The record line of an inline comment. */
const fp = (line: number) => renderRecord({ kind: "finding", finding: identity(line) });

describe("createPullRequestGateway", () => {
  describe("listFiles", () => {
    it("follows the Link headers across 3 pages and converts every file", async () => {
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .get(FILES)
        .query({ per_page: 100 })
        .reply(
          200,
          [
            restFile({ filename: "src/a.ts", status: "modified", patch: "@@ -1 +1,2 @@\n-a\n+a\n+b" }),
            restFile({ filename: "assets/logo.png", status: "added" }),
          ],
          { Link: link({ next: 2, last: 3 }) },
        )
        .get("/repositories/1296269/pulls/7/files")
        .query({ per_page: 100, page: 2 })
        .reply(
          200,
          [
            restFile({
              filename: "src/new-name.ts",
              status: "renamed",
              previous_filename: "src/old-name.ts",
              patch: "@@ -3 +3 @@\n-x\n+y",
            }),
          ],
          { Link: link({ prev: 1, next: 3, last: 3, first: 1 }) },
        )
        .get("/repositories/1296269/pulls/7/files")
        .query({ per_page: 100, page: 3 })
        .reply(200, [restFile({ filename: "old.txt", status: "removed", patch: "@@ -1 +0,0 @@\n-gone" })], {
          Link: link({ prev: 2, first: 1 }),
        });

      const files = await createGateway().listFiles();

      expect(files).toStrictEqual([
        {
          path: "src/a.ts",
          status: "modified",
          additions: 2,
          deletions: 1,
          changes: 3,
          patch: "@@ -1 +1,2 @@\n-a\n+a\n+b",
        },
        { path: "assets/logo.png", status: "added", additions: 2, deletions: 1, changes: 3 },
        {
          path: "src/new-name.ts",
          previousPath: "src/old-name.ts",
          status: "renamed",
          additions: 2,
          deletions: 1,
          changes: 3,
          patch: "@@ -3 +3 @@\n-x\n+y",
        },
        {
          path: "old.txt",
          status: "removed",
          additions: 2,
          deletions: 1,
          changes: 3,
          patch: "@@ -1 +0,0 @@\n-gone",
        },
      ] satisfies PullRequestFile[]);
      for (const file of files) {
        expect(Object.values(file)).not.toContain(undefined);
      }
      expect("patch" in (files[1] as PullRequestFile)).toBe(false);
      expect("previousPath" in (files[0] as PullRequestFile)).toBe(false);
    });

    it("rejects when a page fails instead of returning the files read so far", async () => {
      nock(GITHUB)
        .get(FILES)
        .query({ per_page: 100 })
        .reply(200, [restFile({ filename: "a.ts", status: "added", patch: "@@ -0,0 +1 @@\n+a" })], {
          Link: link({ next: 2, last: 2 }),
        })
        .get("/repositories/1296269/pulls/7/files")
        .query({ per_page: 100, page: 2 })
        .reply(500, { message: "Server Error" });

      await expect(createGateway().listFiles()).rejects.toMatchObject({ status: 500 });
    });
  });

  describe("createReview", () => {
    it("sends one COMMENT review with line/side placement and never position", async () => {
      let sent: unknown;
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .post(REVIEWS, (body) => {
          sent = body;
          return true;
        })
        .reply(200, { id: 80, node_id: "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=", state: "COMMENTED" });

      const result = await createGateway().createReview({
        commitId: HEAD_SHA,
        body: "## DeepSeek review\n\n2 findings.",
        comments: [
          { path: "src/a.ts", body: "Off by one.", line: 12, side: "RIGHT" },
          {
            path: "src/b.ts",
            body: "Removed check.",
            line: 9,
            side: "LEFT",
            startLine: 7,
            startSide: "LEFT",
          },
        ],
        record: { base: BASE_SHA, complete: true },
      });

      expect(result).toStrictEqual({ id: 80, rejected: 0 });
      const body = (sent as { body: string }).body;
      // The record tells this review apart if its answer is lost (see post-review.test.ts).
      expect(readReviewRecord(body, HEAD_SHA)).toStrictEqual({
        kind: "review",
        head: HEAD_SHA,
        base: BASE_SHA,
        complete: true,
        post: expect.stringMatching(/^[0-9a-f-]{36}$/),
        refused: [],
      });
      expect(sent).toStrictEqual({
        commit_id: HEAD_SHA,
        event: "COMMENT",
        body: expect.stringMatching(
          /^## DeepSeek review\n\n2 findings\.\n\n<!-- deepseek-review:v1 [\w-]+ -->$/,
        ),
        comments: [
          { path: "src/a.ts", body: "Off by one.", line: 12, side: "RIGHT" },
          {
            path: "src/b.ts",
            body: "Removed check.",
            line: 9,
            side: "LEFT",
            start_line: 7,
            start_side: "LEFT",
          },
        ],
      });
      expect(JSON.stringify(sent)).not.toContain("position");
    });

    it("gives a multi-line comment without startSide the side of its last line", async () => {
      let sent: { comments?: unknown[] } = {};
      nock(GITHUB)
        .post(REVIEWS, (body) => {
          sent = body;
          return true;
        })
        .reply(200, { id: 81 });

      await createGateway().createReview({
        commitId: HEAD_SHA,
        body: "",
        comments: [{ path: "src/a.ts", body: "Range.", line: 20, side: "RIGHT", startLine: 18 }],
        record: { base: BASE_SHA, complete: true },
      });

      expect(sent.comments).toStrictEqual([
        { path: "src/a.ts", body: "Range.", line: 20, side: "RIGHT", start_line: 18, start_side: "RIGHT" },
      ]);
    });

    it("moves a comment GitHub does not accept into the body of the one review it posts", async () => {
      const posted: { event?: string; body: string; comments: unknown[] }[] = [];
      nock(GITHUB)
        .post(REVIEWS)
        .reply(422, {
          message: "Unprocessable Entity",
          errors: ["Line could not be resolved"],
          documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
          status: "422",
        })
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(200, [])
        .post(REVIEWS)
        .reply(200, { id: 90, state: "PENDING" })
        .delete(`${REVIEWS}/90`)
        .reply(200, { id: 90, state: "PENDING" })
        // The comment alone, in a pending review: refused.
        .post(REVIEWS)
        .reply(422, { message: "Unprocessable Entity", errors: ["Line could not be resolved"] })
        .post(REVIEWS, (body) => {
          posted.push(body);
          return true;
        })
        .reply(200, { id: 91, state: "COMMENTED" });

      const result = await createGateway().createReview({
        commitId: HEAD_SHA,
        body: "review",
        comments: [{ path: "src/a.ts", body: `Not in the diff.\n\n${fp(999)}`, line: 999, side: "RIGHT" }],
        record: { base: BASE_SHA, complete: true },
      });

      expect(result).toStrictEqual({ id: 91, rejected: 1 });
      expect(readReviewRecord(posted[0]?.body, HEAD_SHA)?.refused).toStrictEqual([identity(999)]);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.event).toBe("COMMENT");
      expect(posted[0]?.comments).toStrictEqual([]);
      expect(posted[0]?.body).toContain("#### Comments GitHub did not accept");
      expect(posted[0]?.body).toContain("- `src/a.ts:999`\n\n  Not in the diff.");
    });
  });
  describe("listOwnReviews", () => {
    const REVIEW_PAGES = "https://api.github.com/repositories/1296269/pulls/7/reviews";

    it("keeps only the bot's reviews across 2 pages, oldest first, with the records of their last lines", async () => {
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(
          200,
          [
            restReview({
              id: 1,
              login: BOT,
              body: `## DeepSeek review\n\n${marker(OLD_SHA)}`,
              commit_id: OLD_SHA,
            }),
            restReview({ id: 2, login: "mallory", body: `LGTM\n${marker(HEAD_SHA)}`, commit_id: HEAD_SHA }),
            restReview({ id: 3, login: "DeepSeek-Review[bot]", body: "No record here.", commit_id: OLD_SHA }),
          ],
          { Link: link({ next: 2, last: 2 }, REVIEW_PAGES) },
        )
        .get("/repositories/1296269/pulls/7/reviews")
        .query({ per_page: 100, page: 2 })
        .reply(
          200,
          [
            restReview({ id: 4, login: null, body: marker(HEAD_SHA), commit_id: HEAD_SHA }),
            restReview({ id: 5, login: "other-app[bot]", body: marker(HEAD_SHA), commit_id: HEAD_SHA }),
            restReview({ id: 6, login: BOT, body: `Second pass.\n${marker(HEAD_SHA)}`, commit_id: HEAD_SHA }),
          ],
          { Link: link({ prev: 1, first: 1 }, REVIEW_PAGES) },
        );

      const reviews = await createGateway().listOwnReviews();

      expect(reviews).toStrictEqual([
        { id: 1, commitId: OLD_SHA, record: reviewRecord(OLD_SHA) },
        { id: 3, commitId: OLD_SHA },
        { id: 6, commitId: HEAD_SHA, record: reviewRecord(HEAD_SHA) },
      ]);
    });

    it("leaves out a pending review and a review whose commit GitHub no longer knows", async () => {
      nock(GITHUB)
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(200, [
          restReview({ id: 7, login: BOT, body: marker(HEAD_SHA), commit_id: HEAD_SHA, state: "PENDING" }),
          restReview({ id: 8, login: BOT, body: marker(OLD_SHA), commit_id: null }),
          restReview({ id: 9, login: BOT, body: marker(OLD_SHA), commit_id: OLD_SHA, state: "DISMISSED" }),
        ]);

      await expect(createGateway().listOwnReviews()).resolves.toStrictEqual([
        { id: 9, commitId: OLD_SHA, record: reviewRecord(OLD_SHA) },
      ]);
    });

    it.each([
      ["a record of another commit than the review's", `Review.\n\n${marker(HEAD_SHA)}`],
      ["a record that is not the last line", `${marker(OLD_SHA)}\n\nMore text.`],
      ["a record quoted in a path", `- \`notes/${marker(OLD_SHA)}.txt\`\n\n${marker(HEAD_SHA)}`],
      ["a record indented in a list", `- item\n\n  ${marker(OLD_SHA)}`],
    ])("reads no record from %s", async (_case, body) => {
      nock(GITHUB)
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(200, [restReview({ id: 10, login: BOT, body, commit_id: OLD_SHA })]);

      await expect(createGateway().listOwnReviews()).resolves.toStrictEqual([{ id: 10, commitId: OLD_SHA }]);
    });
  });

  describe("listPostedFindings", () => {
    const COMMENT_PAGES = "https://api.github.com/repositories/1296269/pulls/7/comments";

    it("collects the identities of the bot's inline comments across 2 pages and those its reviews refused", async () => {
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .get(REVIEWS)
        .query({ per_page: 100 })
        .reply(200, [
          restReview({
            id: 1,
            login: BOT,
            body: `Review.\n\n${marker(OLD_SHA, [identity(40)])}`,
            commit_id: OLD_SHA,
          }),
          restReview({
            id: 2,
            login: "mallory",
            body: marker(HEAD_SHA, [identity(41)]),
            commit_id: HEAD_SHA,
          }),
        ])
        .get(REVIEW_COMMENTS)
        .query({ per_page: 100 })
        .reply(
          200,
          [
            restReviewComment({ id: 11, login: BOT, body: `Off by one.\n\n${fp(11)}` }),
            restReviewComment({ id: 12, login: "mallory", body: `Forged.\n\n${fp(12)}` }),
            restReviewComment({ id: 13, login: null, body: fp(13) }),
            // Model text that quotes a record is not a record: only the last line is.
            restReviewComment({ id: 17, login: BOT, body: `\`${fp(17)}\`\n\nBody.` }),
          ],
          { Link: link({ next: 2, last: 2 }, COMMENT_PAGES) },
        )
        .get("/repositories/1296269/pulls/7/comments")
        .query({ per_page: 100, page: 2 })
        .reply(
          200,
          [
            restReviewComment({ id: 14, login: "DEEPSEEK-REVIEW[BOT]", body: `Again.\n\n${fp(14)}` }),
            restReviewComment({ id: 16, login: BOT, body: "A reply without a record." }),
          ],
          { Link: link({ prev: 1, first: 1 }, COMMENT_PAGES) },
        );

      const gateway = createGateway();
      const reviews = await gateway.listOwnReviews();
      const posted = await gateway.listPostedFindings();

      expect(reviews.map((review) => review.id)).toStrictEqual([1]);
      expect(posted).toStrictEqual([identity(11), identity(14), identity(40)]);
    });
  });

  describe("compare", () => {
    it("maps an 'ahead' comparison with its files", async () => {
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .get(COMPARE)
        .query({ per_page: 100 })
        .reply(200, {
          status: "ahead",
          ahead_by: 2,
          behind_by: 0,
          total_commits: 2,
          commits: [],
          files: [
            restFile({ filename: "src/a.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }),
            restFile({ filename: "src/c.ts", status: "renamed", previous_filename: "src/b.ts" }),
          ],
        });

      const comparison = await createGateway().compare(BASE_SHA, HEAD_SHA);

      expect(comparison).toStrictEqual({
        status: "ahead",
        files: [
          {
            path: "src/a.ts",
            status: "modified",
            additions: 2,
            deletions: 1,
            changes: 3,
            patch: "@@ -1 +1 @@\n-a\n+b",
          },
          {
            path: "src/c.ts",
            previousPath: "src/b.ts",
            status: "renamed",
            additions: 2,
            deletions: 1,
            changes: 3,
          },
        ],
        complete: true,
      });
    });

    it("maps a 'diverged' comparison, as after a force push", async () => {
      nock(GITHUB)
        .get(COMPARE)
        .query({ per_page: 100 })
        .reply(200, {
          status: "diverged",
          ahead_by: 1,
          behind_by: 3,
          commits: [],
          files: [restFile({ filename: "x.ts", status: "added", patch: "@@ -0,0 +1 @@\n+x" })],
        });

      await expect(createGateway().compare(BASE_SHA, HEAD_SHA)).resolves.toMatchObject({
        status: "diverged",
        complete: true,
      });
    });

    it("gives an 'identical' comparison without a files key no files", async () => {
      nock(GITHUB).get(COMPARE).query({ per_page: 100 }).reply(200, { status: "identical", commits: [] });

      await expect(createGateway().compare(BASE_SHA, HEAD_SHA)).resolves.toStrictEqual({
        status: "identical",
        files: [],
        complete: true,
      });
    });

    it.each([
      [299, true],
      [300, false],
    ])("with %i files returns complete: %s", async (count, complete) => {
      const files = Array.from({ length: count }, (_, i) =>
        restFile({ filename: `f${i}.ts`, status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }),
      );
      nock(GITHUB).get(COMPARE).query({ per_page: 100 }).reply(200, { status: "ahead", commits: [], files });

      const comparison = await createGateway().compare(BASE_SHA, HEAD_SHA);

      expect(comparison?.files).toHaveLength(count);
      expect(comparison?.files[count - 1]?.path).toBe(`f${count - 1}.ts`);
      expect(comparison?.complete).toBe(complete);
    });

    it.each([
      [404, { message: "Not Found", status: "404" }],
      [422, { message: "No common ancestor between f95f852 and 6dcb09b.", status: "422" }],
    ])("returns undefined when GitHub answers %i", async (status, body) => {
      nock(GITHUB).get(COMPARE).query({ per_page: 100 }).reply(status, body);

      await expect(createGateway().compare(BASE_SHA, HEAD_SHA)).resolves.toBeUndefined();
    });

    it("rejects on any other error", async () => {
      nock(GITHUB).get(COMPARE).query({ per_page: 100 }).reply(500, { message: "Server Error" });

      await expect(createGateway().compare(BASE_SHA, HEAD_SHA)).rejects.toMatchObject({ status: 500 });
    });
  });
});

describe("toPullRequestFile", () => {
  it.each([
    [
      "a modified file keeps its patch",
      restFile({ filename: "a.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }),
      {
        path: "a.ts",
        status: "modified",
        additions: 2,
        deletions: 1,
        changes: 3,
        patch: "@@ -1 +1 @@\n-a\n+b",
      },
    ],
    [
      "a binary file has no patch key",
      restFile({ filename: "logo.png", status: "added" }),
      { path: "logo.png", status: "added", additions: 2, deletions: 1, changes: 3 },
    ],
    [
      "an empty patch stays an empty patch",
      restFile({ filename: "empty.txt", status: "added", patch: "" }),
      { path: "empty.txt", status: "added", additions: 2, deletions: 1, changes: 3, patch: "" },
    ],
    [
      "a renamed file gets previousPath",
      restFile({ filename: "new.ts", status: "renamed", previous_filename: "old.ts" }),
      { path: "new.ts", previousPath: "old.ts", status: "renamed", additions: 2, deletions: 1, changes: 3 },
    ],
  ])("%s", (_name, rest, expected) => {
    expect(toPullRequestFile(rest as Parameters<typeof toPullRequestFile>[0])).toStrictEqual(expected);
  });
});

describe("readFile", () => {
  const CONTENTS = "/repos/octo-org/hello-world/contents/src/a.ts";
  const content = (text: string, extra: object = {}) => ({
    type: "file",
    encoding: "base64",
    size: Buffer.byteLength(text),
    name: "a.ts",
    path: "src/a.ts",
    content: Buffer.from(text).toString("base64"),
    sha: "3d21ec53a331a6f037a91c368710b99387d012c1",
    ...extra,
  });

  it("reads a text file at the given commit once per job", async () => {
    nock(GITHUB).get(CONTENTS).query({ ref: HEAD_SHA }).reply(200, content("export const a = 1;\n"));
    const gateway = createGateway();
    expect(await gateway.readFile?.("src/a.ts", HEAD_SHA)).toBe("export const a = 1;\n");
    expect(await gateway.readFile?.("src/a.ts", HEAD_SHA)).toBe("export const a = 1;\n");
  });

  it("gives nothing for a file that is gone, binary, too large or a directory", async () => {
    nock(GITHUB)
      .get(CONTENTS)
      .query({ ref: "a".repeat(40) })
      .reply(404, { message: "Not Found" });
    nock(GITHUB)
      .get(CONTENTS)
      .query({ ref: "b".repeat(40) })
      .reply(200, content("\u0000PNG"));
    nock(GITHUB)
      .get(CONTENTS)
      .query({ ref: "c".repeat(40) })
      .reply(200, content("x", { size: 10_000_000 }));
    nock(GITHUB)
      .get(CONTENTS)
      .query({ ref: "d".repeat(40) })
      .reply(200, []);
    const gateway = createGateway();
    for (const ref of ["a", "b", "c", "d"]) {
      expect(await gateway.readFile?.("src/a.ts", ref.repeat(40))).toBeUndefined();
    }
  });

  it("throws other failures, for the review to go on without context", async () => {
    nock(GITHUB).get(CONTENTS).query({ ref: HEAD_SHA }).reply(500, { message: "boom" });
    await expect(createGateway().readFile?.("src/a.ts", HEAD_SHA)).rejects.toThrow();
  });
});
