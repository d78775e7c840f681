import { describe, expect, it } from "vitest";
import type { PullRequestState, UserPermission } from "../../../src/github/types.js";
import type { CommandJob, ReviewCommand } from "../../../src/jobs/job.js";
import type { JobDeps } from "../../../src/jobs/job-deps.js";
import { renderHelp } from "../../../src/jobs/render-help.js";
import { runCommandJob } from "../../../src/jobs/run-command-job.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import type { QueuedJob, Store } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";
import { createFakeGitHub } from "../../helpers/fake-github.js";
import {
  answerWith,
  createRecordingLogger,
  createScriptedModel,
  defaultProcessSettings,
  noLimit,
} from "../../helpers/fakes.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";

const openPr: PullRequestState = {
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

const processSettings = defaultProcessSettings();
const REVIEW: ReviewCommand = { kind: "review", model: "default", force: false };

function commandJob(command: ReviewCommand, user = "alice", commentId = 555): CommandJob {
  return {
    type: "command",
    installationId: 42,
    owner: "octo",
    repo: "hello",
    number: 7,
    deliveryId: "d-1",
    command,
    user,
    commentId,
  };
}

function queuedOf(job: CommandJob, attempt = 1): QueuedJob {
  return { id: "job-1", job, attempt, maxAttempts: 4, enqueuedAt: 0 };
}

async function run(params: {
  command: ReviewCommand;
  user?: string;
  permission?: UserPermission;
  config?: unknown;
  pull?: PullRequestState;
  fail?: Error;
  store?: Store;
  attempt?: number;
}) {
  const github = createFakeGitHub({
    pull: params.pull ?? openPr,
    ...(params.config === undefined ? {} : { config: params.config }),
    ...(params.permission === undefined ? {} : { permission: params.permission }),
    ...(params.fail === undefined ? {} : { fail: params.fail }),
  });
  const model = createScriptedModel(() => answerWith([]));
  const log = createRecordingLogger();
  const store = params.store ?? createTestStore();
  const deps: JobDeps = {
    process: processSettings,
    model,
    limit: noLimit,
    countTokens: estimateTokens,
    store,
    github,
    log,
  };
  const job = commandJob(params.command, params.user);
  const result = runCommandJob({ queued: queuedOf(job, params.attempt), job, deps });
  return { result, github, model, log, store };
}

describe("runCommandJob", () => {
  describe("/review help", () => {
    it("replies with the commands and the configuration in effect, and queues nothing", async () => {
      const { result, github, model, log, store } = await run({
        command: { kind: "help" },
        config: { colour: "red" },
      });
      await result;
      const loaded = {
        config: structuredClone(processSettings.repoDefaults),
        problems: [{ key: "colour", message: "unknown key, ignored", used: undefined }],
      };
      expect(github.replies).toEqual([
        { number: 7, body: renderHelp({ loaded, process: processSettings, showFreeText: true }) },
      ]);
      expect(github.reactions).toEqual([]);
      expect(model.requests).toEqual([]);
      expect((await store.queue.stats()).waiting).toBe(0);
      expect(log.withMessage("review.command")).toEqual([
        {
          level: "info",
          obj: expect.objectContaining({ command: "help", user: "alice", outcome: "help" }),
          msg: "review.command",
        },
      ]);
    });

    it("hides the configuration's free text from a triager allowed to run commands", async () => {
      const { result, github } = await run({
        command: { kind: "help" },
        config: { instructions: "secret org guidance", review_command: { min_permission: "triage" } },
        permission: { permission: "read", roleName: "triage" },
      });
      await result;
      expect(github.replies[0]?.body).not.toContain("secret org guidance");
      expect(github.replies[0]?.body).toContain("characters, shown to users with write access");
    });
  });

  describe("a commenter below the permission needed", () => {
    it.each<[string, Parameters<typeof run>[0], string]>([
      [
        "a reader when write is needed",
        { command: REVIEW, permission: { permission: "read", roleName: "read" } },
        "Sorry, `/review` commands need write permission on this repository or more; alice has read.",
      ],
      [
        "a triager asking for Pro",
        { command: { ...REVIEW, model: "pro" }, permission: { permission: "read", roleName: "triage" } },
        "Sorry, `/review` commands need write permission on this repository or more; alice has triage.",
      ],
      [
        "a writer when maintain is needed",
        {
          command: REVIEW,
          config: { review_command: { min_permission: "maintain" } },
          permission: { permission: "write", roleName: "write" },
        },
        "Sorry, `/review` commands need maintain permission on this repository or more; alice has write.",
      ],
      [
        "an outsider asking for help, named without markdown",
        {
          command: { kind: "help" },
          user: "mallory`**",
          permission: { permission: "none", roleName: "none" },
        },
        "Sorry, `/review` commands need write permission on this repository or more; mallory has none.",
      ],
    ])("gets one short refusal, no reaction and no queued job: %s", async (_name, params, reply) => {
      const { result, github, model, store } = await run(params);
      await result;
      expect(github.replies).toEqual([{ number: 7, body: reply }]);
      expect(github.reactions).toEqual([]);
      expect(model.requests).toEqual([]);
      expect((await store.queue.stats()).waiting).toBe(0);
    });

    it("is refused at most once an hour per pull request, whatever they send", async () => {
      const store = createTestStore();
      const outsider = { permission: { permission: "none", roleName: "none" } as UserPermission, store };
      const first = await run({ ...outsider, command: REVIEW, user: "mallory" });
      await first.result;
      const second = await run({ ...outsider, command: { kind: "help" }, user: "Mallory" });
      await second.result;
      const other = await run({ ...outsider, command: REVIEW, user: "eve" });
      await other.result;
      expect(first.github.replies).toHaveLength(1);
      expect(second.github.replies).toEqual([]);
      expect(second.log.withMessage("review.command")[0]?.obj).toMatchObject({
        outcome: "refused",
        replied: false,
      });
      expect(other.github.replies).toHaveLength(1);
    });
  });

  describe("a commenter allowed to review", () => {
    it.each<[string, Parameters<typeof run>[0]]>([
      ["a writer under the default", { command: REVIEW }],
      [
        "a maintainer (reported as write) when maintain is needed",
        {
          command: REVIEW,
          config: { review_command: { min_permission: "maintain" } },
          permission: { permission: "write", roleName: "maintain" },
        },
      ],
      [
        "an admin with a custom role",
        { command: REVIEW, permission: { permission: "admin", roleName: "security-lead" } },
      ],
    ])("gets 👀 and a queued review: %s", async (_name, params) => {
      const { result, github, model, store } = await run(params);
      await result;
      expect(github.reactions).toEqual([{ commentId: 555, content: "eyes" }]);
      expect(github.replies).toEqual([]);
      expect(model.requests).toEqual([]);
      expect((await store.queue.stats()).waiting).toBe(1);
    });

    it("does not lose a different command or a different user's command while one waits, and answers a repeat", async () => {
      const store = createTestStore();
      const plain = await run({ command: REVIEW, user: "alice", store });
      await plain.result;
      const pro = await run({ command: { ...REVIEW, model: "pro" }, user: "alice", store });
      await pro.result;
      const bob = await run({ command: REVIEW, user: "bob", store });
      await bob.result;
      const repeat = await run({ command: REVIEW, user: "alice", store });
      await repeat.result;
      expect((await store.queue.stats()).waiting).toBe(3);
      expect([plain, pro, bob].map((one) => one.github.reactions)).toEqual([
        [{ commentId: 555, content: "eyes" }],
        [{ commentId: 555, content: "eyes" }],
        [{ commentId: 555, content: "eyes" }],
      ]);
      expect(repeat.github.reactions).toEqual([]);
      expect(repeat.github.replies).toEqual([
        {
          number: 7,
          body: "A `/review` you asked for is already waiting; it reviews the newest head when its turn comes.",
        },
      ]);
    });

    it("answers that a closed pull request is closed, unless forced", async () => {
      const closed = { ...openPr, state: "closed" as const };
      const refused = await run({ command: { ...REVIEW, model: "pro" }, pull: closed });
      await refused.result;
      expect(refused.github.replies).toEqual([
        {
          number: 7,
          body: "This pull request is closed, so it was not reviewed. Comment `/review pro force` to review it anyway.",
        },
      ]);
      expect((await refused.store.queue.stats()).waiting).toBe(0);

      const forced = await run({ command: { ...REVIEW, force: true }, pull: closed });
      await forced.result;
      expect(forced.github.reactions).toEqual([{ commentId: 555, content: "eyes" }]);
      expect((await forced.store.queue.stats()).waiting).toBe(1);
    });

    it("answers that reviews are off in a repository that turned the app off", async () => {
      const { result, github, store } = await run({ command: REVIEW, config: { enabled: false } });
      await result;
      expect(github.replies).toEqual([
        {
          number: 7,
          body: "Reviews are turned off for this repository (`enabled: false` in `.github/deepseek-review.yml`).",
        },
      ]);
      expect((await store.queue.stats()).waiting).toBe(0);
    });

    it("pauses and resumes automatic reviews of the pull request", async () => {
      const store = createTestStore();
      const pause = await run({ command: { kind: "pause" }, store });
      await pause.result;
      expect(await store.pullRequestSettings({ repo: "octo/hello", pr: 7 })).toEqual({ paused: true });
      expect(pause.github.replies[0]?.body).toContain("paused");
      const resume = await run({ command: { kind: "resume" }, store });
      await resume.result;
      expect(await store.pullRequestSettings({ repo: "Octo/Hello", pr: 7 })).toEqual({ paused: false });
    });

    it("answers an unknown argument", async () => {
      const { result, github } = await run({ command: { kind: "unknown", argument: "foo`bar" } });
      await result;
      expect(github.replies).toEqual([
        {
          number: 7,
          body: "`/review foobar` is not a command I know. Comment `/review help` to see the commands.",
        },
      ]);
    });
  });

  describe("when GitHub fails", () => {
    it("logs the command as retrying and throws when GitHub may get over it and attempts are left", async () => {
      const unavailable = Object.assign(new Error("Service Unavailable"), { status: 503 });
      const { result, log } = await run({ command: REVIEW, fail: unavailable });
      await expect(result).rejects.toBe(unavailable);
      expect(log.withMessage("review.command")[0]?.obj).toMatchObject({ outcome: "retrying" });
    });

    it("logs the command as failed and resolves on an error that will not pass (401), or on the last attempt", async () => {
      const denied = await run({
        command: REVIEW,
        fail: Object.assign(new Error("Bad credentials"), { status: 401 }),
      });
      await expect(denied.result).resolves.toBeUndefined();
      expect(denied.log.withMessage("review.command")[0]?.obj).toMatchObject({
        outcome: "failed",
        err: { name: "Error", message: "Bad credentials" },
      });
      const last = await run({
        command: REVIEW,
        attempt: 4,
        fail: Object.assign(new Error("Bad gateway"), { status: 502 }),
      });
      await expect(last.result).resolves.toBeUndefined();
    });
  });
});
