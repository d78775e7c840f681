import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../../src/config/repo-config.js";
import type { ProcessSettings } from "../../../src/config/settings-from-env.js";
import { DEFAULT_PRICES } from "../../../src/cost/prices.js";
import type { PullRequestState, RepositoryGateway, UserPermission } from "../../../src/github/types.js";
import type { ReviewCommand } from "../../../src/jobs/parse-review-command.js";
import { renderHelp } from "../../../src/jobs/render-help.js";
import { runReviewCommand } from "../../../src/jobs/run-review-command.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import type { OwnReview } from "../../../src/review/types.js";
import {
  addedPatch,
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  noLimit,
  ownReviewOf,
  pullRequestFile,
} from "../../helpers/fakes.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";

const pr: PullRequestState = {
  owner: "octo",
  repo: "hello",
  number: 7,
  title: "Add a greeting",
  body: "",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
  draft: false,
  state: "open",
  author: "octocat",
  labels: [],
};

const processSettings: ProcessSettings = {
  flashModel: "deepseek-v4-flash",
  proModel: "deepseek-v4-pro",
  prices: DEFAULT_PRICES,
  maxOutputTokens: 4_096,
  maxFilePatchBytes: 200_000,
  temperature: 0.1,
  repoDefaults: DEFAULT_REPO_CONFIG,
};

const files = [
  pullRequestFile({
    path: "src/greet.ts",
    patch: addedPatch(["export const greet = (name: string) =>", '  "Hi " + name;']),
  }),
];

interface RecordingRepository extends RepositoryGateway {
  readonly replies: { number: number; body: string }[];
  readonly reactions: { commentId: number; content: string }[];
  readonly permissionsAsked: string[];
  readonly pullRequestsFetched: number[];
}

/** A repository gateway answering with `permission` (or throwing `fail` from every call) and recording replies. */
function createRecordingRepository(params: {
  permission?: UserPermission;
  fail?: Error;
}): RecordingRepository {
  const replies: { number: number; body: string }[] = [];
  const reactions: { commentId: number; content: string }[] = [];
  const permissionsAsked: string[] = [];
  const pullRequestsFetched: number[] = [];
  const failIfAsked = () => {
    if (params.fail !== undefined) throw params.fail;
  };
  return {
    replies,
    reactions,
    permissionsAsked,
    pullRequestsFetched,
    async getPullRequest(number) {
      failIfAsked();
      pullRequestsFetched.push(number);
      return pr;
    },
    async getPermission(username) {
      failIfAsked();
      permissionsAsked.push(username);
      return params.permission ?? { permission: "write", roleName: "write" };
    },
    async reactToComment(commentId, content) {
      failIfAsked();
      reactions.push({ commentId, content });
    },
    async replyOnPullRequest(number, body) {
      failIfAsked();
      replies.push({ number, body });
    },
  };
}

async function run(params: {
  command: ReviewCommand;
  user?: string;
  permission?: UserPermission;
  config?: unknown;
  readConfig?: () => Promise<unknown>;
  ownReviews?: OwnReview[];
  fail?: Error;
}) {
  const repository = createRecordingRepository({
    ...(params.permission === undefined ? {} : { permission: params.permission }),
    ...(params.fail === undefined ? {} : { fail: params.fail }),
  });
  const github = createRecordingGateway({
    files,
    reviewId: 99,
    ...(params.ownReviews === undefined ? {} : { ownReviews: params.ownReviews }),
  });
  const model = createScriptedModel(() => answerWith([]));
  const log = createRecordingLogger();
  const result = await runReviewCommand({
    command: params.command,
    number: 7,
    user: params.user ?? "alice",
    repository,
    deps: { process: processSettings, model, limit: noLimit, countTokens: estimateTokens },
    scope: { github, readConfig: params.readConfig ?? (async () => params.config ?? null), log },
  });
  return { result, repository, github, model, log };
}

describe("runReviewCommand", () => {
  describe("/review help", () => {
    it("replies with the commands and the configuration in effect, and reviews nothing", async () => {
      const { repository, github, model, log } = await run({
        command: { kind: "help" },
        config: { colour: "red" },
      });
      const loaded = {
        config: structuredClone(DEFAULT_REPO_CONFIG),
        problems: [{ key: "colour", message: "unknown key, ignored", used: undefined }],
      };
      expect(repository.replies).toEqual([
        { number: 7, body: renderHelp({ loaded, process: processSettings }) },
      ]);
      expect(repository.permissionsAsked).toEqual([]);
      expect(repository.pullRequestsFetched).toEqual([]);
      expect(github.reviews).toEqual([]);
      expect(model.requests).toEqual([]);
      expect(log.withMessage("review.command.help")).toEqual([
        { level: "info", obj: { pr: 7, user: "alice" }, msg: "review.command.help" },
      ]);
    });

    it("still answers in a repository that turned the app off", async () => {
      const { repository } = await run({ command: { kind: "help" }, config: { enabled: false } });
      expect(repository.replies).toHaveLength(1);
      expect(repository.replies[0]?.body).toContain("### DeepSeek review — commands");
    });
  });

  describe("refusals", () => {
    it.each<[string, Parameters<typeof run>[0], string]>([
      [
        "an unknown argument",
        { command: { kind: "unknown", argument: "foo`bar" } },
        "`/review foobar` is not a command I know. Comment `/review help` to see the commands.",
      ],
      [
        "a repository that turned the app off",
        { command: { kind: "review" }, config: { enabled: false } },
        "Reviews are turned off for this repository (`enabled: false` in `.github/deepseek-review.yml`).",
      ],
      [
        "a user with read permission when write is needed",
        { command: { kind: "review" }, permission: { permission: "read", roleName: "read" } },
        "Sorry, `/review` needs write permission on this repository or more; alice has read.",
      ],
      [
        "a triager when write is needed",
        { command: { kind: "pro" }, permission: { permission: "read", roleName: "triage" } },
        "Sorry, `/review` needs write permission on this repository or more; alice has triage.",
      ],
      [
        "a writer when maintain is needed",
        {
          command: { kind: "review" },
          config: { review_command: { min_permission: "maintain" } },
          permission: { permission: "write", roleName: "write" },
        },
        "Sorry, `/review` needs maintain permission on this repository or more; alice has write.",
      ],
      [
        "a user without access, named without markdown",
        {
          command: { kind: "review" },
          user: "mallory`**",
          permission: { permission: "none", roleName: "none" },
        },
        "Sorry, `/review` needs write permission on this repository or more; mallory has none.",
      ],
    ])("refuses %s with a reply and calls no model", async (_name, params, reply) => {
      const { repository, github, model, log } = await run(params);
      expect(repository.replies).toEqual([{ number: 7, body: reply }]);
      expect(repository.pullRequestsFetched).toEqual([]);
      expect(github.reviews).toEqual([]);
      expect(model.requests).toEqual([]);
      expect(log.withMessage("review.command.refused")).toHaveLength(1);
    });

    it("asks GitHub for the commenter's permission", async () => {
      const { repository } = await run({
        command: { kind: "review" },
        user: "bob",
        permission: { permission: "read", roleName: "read" },
      });
      expect(repository.permissionsAsked).toEqual(["bob"]);
    });
  });

  describe("when the commenter may review", () => {
    it.each<[string, Parameters<typeof run>[0]]>([
      ["a writer under the default", { command: { kind: "review" } }],
      [
        "a maintainer (reported as write) when maintain is needed",
        {
          command: { kind: "review" },
          config: { review_command: { min_permission: "maintain" } },
          permission: { permission: "write", roleName: "maintain" },
        },
      ],
      [
        "a triager when triage is needed",
        {
          command: { kind: "review" },
          config: { review_command: { min_permission: "triage" } },
          permission: { permission: "read", roleName: "triage" },
        },
      ],
      [
        "an admin with a custom role",
        { command: { kind: "review" }, permission: { permission: "admin", roleName: "security-lead" } },
      ],
    ])("reviews for %s", async (_name, params) => {
      const { repository, github, model } = await run(params);
      expect(repository.replies).toEqual([]);
      expect(repository.pullRequestsFetched).toEqual([7]);
      expect(model.requests).toHaveLength(1);
      expect(github.reviews).toHaveLength(1);
    });

    it("reviews a head that was already reviewed again and logs the command trigger", async () => {
      const { github, model, log } = await run({
        command: { kind: "review" },
        ownReviews: [ownReviewOf({ id: 1, sha: HEAD_SHA })],
      });
      expect(model.requests.map((request) => request.model)).toEqual(["deepseek-v4-flash"]);
      expect(github.reviews).toHaveLength(1);
      expect(github.reviews[0]?.commitId).toBe(HEAD_SHA);
      expect(log.withMessage("review.completed")).toEqual([
        expect.objectContaining({
          level: "info",
          obj: expect.objectContaining({
            trigger: "command",
            pr: 7,
            reviewId: 99,
            model: "deepseek-v4-flash",
          }),
        }),
      ]);
    });

    it("asks the Pro model for /review pro and says so in the review", async () => {
      const { github, model } = await run({ command: { kind: "pro" } });
      expect(model.requests.map((request) => request.model)).toEqual(["deepseek-v4-pro"]);
      expect(github.reviews[0]?.body).toContain(
        "Reviewed by `deepseek-v4-pro` (asked for with `/review pro`).",
      );
    });
  });

  describe("when GitHub fails", () => {
    it.each<[string, Parameters<typeof run>[0]]>([
      [
        "the permission lookup throws",
        { command: { kind: "review" }, fail: Object.assign(new Error("Bad credentials"), { status: 401 }) },
      ],
      ["the help reply throws", { command: { kind: "help" }, fail: new Error("Bad credentials") }],
      [
        "reading the configuration answers HTTP 500",
        {
          command: { kind: "review" },
          readConfig: async () => {
            throw Object.assign(new Error("Bad credentials"), { status: 500 });
          },
        },
      ],
    ])("logs review.command.failed and does not throw when %s", async (_name, params) => {
      const { result, github, model, log } = await run(params);
      expect(result).toBeUndefined();
      expect(github.reviews).toEqual([]);
      expect(model.requests).toEqual([]);
      expect(log.withMessage("review.command.failed")).toEqual([
        {
          level: "error",
          obj: { pr: 7, user: "alice", err: { name: "Error", message: "Bad credentials" } },
          msg: "review.command.failed",
        },
      ]);
    });
  });
});
