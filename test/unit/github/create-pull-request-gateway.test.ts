import nock from "nock";
import { describe, expect, it } from "vitest";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import {
  createPullRequestGateway,
  toPullRequestFile,
} from "../../../src/github/create-pull-request-gateway.js";
import type { PullRequestFile } from "../../../src/review/types.js";

const GITHUB = "https://api.github.com";
const FILES = "/repos/octo-org/hello-world/pulls/7/files";
const REVIEWS = "/repos/octo-org/hello-world/pulls/7/reviews";
const PAGES = "https://api.github.com/repositories/1296269/pulls/7/files";
const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

function createGateway() {
  const Octokit = createOctokitClass({ enabled: false }, { retry: { enabled: false } });
  // Probot's auth strategy takes an options object: `auth: "token"` would leave requests unauthenticated.
  const octokit = new Octokit({ auth: { token: "test-token" } });
  return createPullRequestGateway(octokit, { owner: "octo-org", repo: "hello-world", number: 7 });
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

const link = (pages: Record<string, number>) =>
  Object.entries(pages)
    .map(([rel, page]) => `<${PAGES}?per_page=100&page=${page}>; rel="${rel}"`)
    .join(", ");

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
      });

      expect(result).toStrictEqual({ id: 80 });
      expect(sent).toStrictEqual({
        commit_id: HEAD_SHA,
        event: "COMMENT",
        body: "## DeepSeek review\n\n2 findings.",
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
      });

      expect(sent.comments).toStrictEqual([
        { path: "src/a.ts", body: "Range.", line: 20, side: "RIGHT", start_line: 18, start_side: "RIGHT" },
      ]);
    });

    it("rejects with the status when GitHub answers 422", async () => {
      nock(GITHUB)
        .post(REVIEWS)
        .reply(422, {
          message: "Unprocessable Entity",
          errors: ["Line could not be resolved"],
          documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
          status: "422",
        });

      await expect(
        createGateway().createReview({
          commitId: HEAD_SHA,
          body: "review",
          comments: [{ path: "src/a.ts", body: "Not in the diff.", line: 999, side: "RIGHT" }],
        }),
      ).rejects.toMatchObject({
        status: 422,
        message: expect.stringContaining("Line could not be resolved"),
      });
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
