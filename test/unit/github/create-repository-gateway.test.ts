import nock from "nock";
import type { Context } from "probot";
import { describe, expect, it } from "vitest";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import {
  createRepositoryGateway,
  pullRequestStateFromPayload,
} from "../../../src/github/create-repository-gateway.js";
import type { PullRequestState } from "../../../src/github/types.js";
import { webhookExample } from "../../helpers/webhook-examples.js";

const GITHUB = "https://api.github.com";
const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

function createGateway() {
  const Octokit = createOctokitClass({ enabled: false }, { retry: { enabled: false } });
  // Probot's auth strategy takes an options object: `auth: "token"` would leave requests unauthenticated.
  const octokit = new Octokit({ auth: { token: "test-token" } });
  return createRepositoryGateway(octokit, { owner: "octo-org", repo: "hello-world" });
}

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}`, as GitHub sends it (the fields that matter, and some that don't). */
function restPull(fields: Record<string, unknown> = {}) {
  return {
    id: 1,
    number: 7,
    state: "open",
    locked: false,
    title: "Add a cache",
    user: { login: "octocat", id: 1, type: "User" },
    body: "Caches the parsed config.",
    labels: [
      { id: 208045946, name: "bug", color: "f29513", default: true },
      { id: 208045947, name: "skip-ai-review", color: "ededed", default: false },
    ],
    head: { label: "octocat:cache", ref: "cache", sha: HEAD_SHA },
    base: { label: "octo-org:main", ref: "main", sha: BASE_SHA },
    draft: true,
    merged: false,
    author_association: "CONTRIBUTOR",
    ...fields,
  };
}

describe("createRepositoryGateway", () => {
  describe("getPullRequest", () => {
    it("maps the pull request's fields", async () => {
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .get("/repos/octo-org/hello-world/pulls/7")
        .reply(200, restPull());

      await expect(createGateway().getPullRequest(7)).resolves.toStrictEqual({
        owner: "octo-org",
        repo: "hello-world",
        number: 7,
        title: "Add a cache",
        body: "Caches the parsed config.",
        headSha: HEAD_SHA,
        baseSha: BASE_SHA,
        baseRef: "main",
        draft: true,
        state: "open",
        author: "octocat",
        labels: ["bug", "skip-ai-review"],
      } satisfies PullRequestState);
    });

    it("turns a null body into an empty one and a missing draft flag into false", async () => {
      const pull: Record<string, unknown> = restPull({ body: null, state: "closed", labels: [] });
      delete pull.draft;
      nock(GITHUB).get("/repos/octo-org/hello-world/pulls/7").reply(200, pull);

      await expect(createGateway().getPullRequest(7)).resolves.toMatchObject({
        body: "",
        draft: false,
        state: "closed",
        labels: [],
      });
    });

    it("rejects when the pull request does not exist", async () => {
      nock(GITHUB).get("/repos/octo-org/hello-world/pulls/9").reply(404, { message: "Not Found" });

      await expect(createGateway().getPullRequest(9)).rejects.toMatchObject({ status: 404 });
    });
  });

  describe("getPermission", () => {
    it.each([
      ["write", "write", { permission: "write", roleName: "write" }],
      ["admin", "admin", { permission: "admin", roleName: "admin" }],
      ["read", "read", { permission: "read", roleName: "read" }],
      ["write", "maintain", { permission: "write", roleName: "maintain" }],
      ["read", "triage", { permission: "read", roleName: "triage" }],
      ["maintain", "maintain", { permission: "write", roleName: "maintain" }],
      ["superuser", "custom-role", { permission: "none", roleName: "custom-role" }],
    ])("maps permission %s with role %s", async (permission, roleName, expected) => {
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .get("/repos/octo-org/hello-world/collaborators/octocat/permission")
        .reply(200, { permission, role_name: roleName, user: { login: "octocat", id: 1 } });

      await expect(createGateway().getPermission("octocat")).resolves.toStrictEqual(expected);
    });

    it("gives no permission to a user who is not a collaborator (404)", async () => {
      nock(GITHUB)
        .get("/repos/octo-org/hello-world/collaborators/drive-by/permission")
        .reply(404, { message: "drive-by is not a user", status: "404" });

      await expect(createGateway().getPermission("drive-by")).resolves.toStrictEqual({
        permission: "none",
        roleName: "none",
      });
    });

    it("rejects on any other error rather than guessing", async () => {
      nock(GITHUB)
        .get("/repos/octo-org/hello-world/collaborators/octocat/permission")
        .reply(500, { message: "Server Error" });

      await expect(createGateway().getPermission("octocat")).rejects.toMatchObject({ status: 500 });
    });
  });

  describe("reactToComment", () => {
    it("adds the reaction to the issue comment", async () => {
      let sent: unknown;
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .post("/repos/octo-org/hello-world/issues/comments/1234/reactions", (body) => {
          sent = body;
          return true;
        })
        .reply(201, { id: 1, content: "eyes" });

      await expect(createGateway().reactToComment(1234, "eyes")).resolves.toBeUndefined();
      expect(sent).toStrictEqual({ content: "eyes" });
    });
  });

  describe("replyOnPullRequest", () => {
    it("posts the body as a comment on the pull request's conversation", async () => {
      let sent: unknown;
      nock(GITHUB, { reqheaders: { authorization: "token test-token" } })
        .post("/repos/octo-org/hello-world/issues/7/comments", (body) => {
          sent = body;
          return true;
        })
        .reply(201, { id: 99, body: "Only collaborators with write access can run `/review`." });

      await expect(
        createGateway().replyOnPullRequest(7, "Only collaborators with write access can run `/review`."),
      ).resolves.toBeUndefined();
      expect(sent).toStrictEqual({ body: "Only collaborators with write access can run `/review`." });
    });
  });
});

describe("pullRequestStateFromPayload", () => {
  it("converts a real pull_request.synchronize payload", () => {
    const payload = webhookExample<Context<"pull_request.synchronize">["payload"]>(
      "pull_request",
      "synchronize",
    );

    expect(pullRequestStateFromPayload(payload.pull_request, payload.repository)).toStrictEqual({
      owner: "Codertocat",
      repo: "Hello-World",
      number: 2,
      title: "Update the README with new information.",
      body: "This is a pretty simple change that we need to pull into master.",
      headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      baseSha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
      baseRef: "master",
      draft: false,
      state: "open",
      author: "Codertocat",
      labels: ["bug"],
      changedFiles: 1,
      htmlUrl: "https://github.com/Codertocat/Hello-World/pull/2",
    } satisfies PullRequestState);
  });

  it.each([
    ["a null body becomes empty", { body: null }, { body: "" }],
    ["a missing body becomes empty", {}, { body: "" }],
    ["a missing draft flag is false", {}, { draft: false }],
    ["a deleted author is GitHub's ghost", { user: null }, { author: "ghost" }],
  ])("%s", (_name, fields, expected) => {
    const pull = {
      number: 3,
      title: "t",
      state: "open" as const,
      user: { login: "octocat" },
      labels: [],
      head: { sha: HEAD_SHA },
      base: { sha: BASE_SHA },
      ...fields,
    };
    expect(pullRequestStateFromPayload(pull, { name: "r", owner: { login: "o" } })).toMatchObject(expected);
  });
});
