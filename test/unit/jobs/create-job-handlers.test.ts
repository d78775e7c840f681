import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubAccess } from "../../../src/github/create-github-access.js";
import type { PullRequestState } from "../../../src/github/types.js";
import { createJobHandlers, ReviewGivenUpError } from "../../../src/jobs/create-job-handlers.js";
import type { CommandJob, ReviewJob } from "../../../src/jobs/job.js";
import type { JobDeps } from "../../../src/jobs/job-deps.js";
import { ModelRequestError } from "../../../src/llm/errors.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { openStore } from "../../../src/store/open-store.js";
import { MAX_JOB_ATTEMPTS } from "../../../src/store/retention.js";
import type { JobHandlers, QueuedJob, Store } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";
import { createFakeGitHub, type FakeGitHub } from "../../helpers/fake-github.js";
import {
  addedPatch,
  answerWith,
  createRecordingLogger,
  createScriptedModel,
  defaultProcessSettings,
  type ModelScript,
  noLimit,
  pullRequestFile,
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

const files = [
  pullRequestFile({ path: "src/greet.ts", patch: addedPatch(["export const greet = () => 'hi';"]) }),
];

const reviewJob: ReviewJob = {
  type: "review",
  installationId: 42,
  owner: "octo",
  repo: "hello",
  number: 7,
  deliveryId: "d-1",
  trigger: { kind: "command", model: "default", user: "alice", commentId: 5 },
};

const commandJob: CommandJob = {
  type: "command",
  installationId: 42,
  owner: "octo",
  repo: "hello",
  number: 7,
  deliveryId: "d-2",
  command: { kind: "help" },
  user: "alice",
  commentId: 6,
};

/** An error as Octokit throws it for an HTTP status. */
function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { name: "HttpError", status });
}

const BAD_GATEWAY = "HttpError (HTTP 502): Bad Gateway";

/**
 * The fake GitHub of the job tests, where reading the pull request fails with the next of `failures` (then works);
 * everything else, replies included, works.
 */
function flakyGitHub(params: { failures: Error[]; fake?: FakeGitHub }): FakeGitHub & { reads: number } {
  const fake = params.fake ?? createFakeGitHub({ pull: openPr, files });
  const failures = [...params.failures];
  const flaky = {
    ...fake,
    reads: 0,
    async forInstallation(id: number) {
      const installation = await fake.forInstallation(id);
      return {
        ...installation,
        repository(ref: { owner: string; repo: string }) {
          const repository = installation.repository(ref);
          return {
            ...repository,
            async getPullRequest(number: number) {
              flaky.reads++;
              const failure = failures.shift();
              if (failure !== undefined) throw failure;
              return repository.getPullRequest(number);
            },
          };
        },
      };
    },
  } satisfies GitHubAccess & { reads: number };
  return flaky;
}

function depsOf(params: { github: GitHubAccess; store?: Store; script?: ModelScript }) {
  const model = createScriptedModel(params.script ?? (() => answerWith([])));
  const log = createRecordingLogger();
  const deps: JobDeps = {
    process: defaultProcessSettings(),
    model,
    limit: noLimit,
    countTokens: estimateTokens,
    // A real store; when the handlers are called directly its queue is not started.
    store: params.store ?? createTestStore(),
    github: params.github,
    log,
  };
  return { deps, model, log };
}

function queuedOf(job: ReviewJob | CommandJob, attempt: number, maxAttempts = MAX_JOB_ATTEMPTS): QueuedJob {
  return { id: "job-3", job, attempt, maxAttempts, enqueuedAt: 0 };
}

const stores: { store: Store; dataDir: string }[] = [];
afterEach(async () => {
  for (const { store, dataDir } of stores.splice(0)) {
    await store.queue.stop(1_000);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A real SQLite store in a temporary directory, whose failed jobs run again at once. */
async function openTestStore(dataDir = mkdtempSync(join(tmpdir(), "job-handlers-"))) {
  const store = await openStore({ dataDir, reviewConcurrency: 1, retryDelaySeconds: 0 });
  stores.push({ store, dataDir });
  return { store, dataDir };
}

/** The handlers, wrapped to note how many replies the pull request had when each attempt began. */
function observed(handlers: JobHandlers, github: FakeGitHub) {
  const attempts: { attempt: number; repliesBefore: number }[] = [];
  const givenUp: { attempt: number; reason: string }[] = [];
  const wrapped: JobHandlers = {
    async run(queued) {
      attempts.push({ attempt: queued.attempt, repliesBefore: github.replies.length });
      await handlers.run(queued);
    },
    async giveUp(queued, reason) {
      givenUp.push({ attempt: queued.attempt, reason });
      await handlers.giveUp(queued, reason);
    },
  };
  return { wrapped, attempts, givenUp };
}

describe("createJobHandlers", () => {
  describe("a review job whose GitHub reads fail every time, on the real queue", () => {
    it("runs it the allowed number of times, then marks it failed and tells the pull request once, on the last attempt only", async () => {
      const { store } = await openTestStore();
      const github = flakyGitHub({
        failures: Array.from({ length: MAX_JOB_ATTEMPTS }, () => httpError(502, "Bad Gateway")),
      });
      const { deps, model, log } = depsOf({ github, store });
      const { wrapped, attempts, givenUp } = observed(createJobHandlers(deps), github);

      await store.queue.enqueue(reviewJob);
      await store.queue.start(wrapped);
      expect(await store.queue.drain(10_000)).toEqual([]);

      expect(attempts).toEqual(
        Array.from({ length: MAX_JOB_ATTEMPTS }, (_, index) => ({ attempt: index + 1, repliesBefore: 0 })),
      );
      expect(givenUp).toEqual([{ attempt: MAX_JOB_ATTEMPTS, reason: `ReviewGivenUpError: ${BAD_GATEWAY}` }]);
      expect(github.replies).toEqual([
        {
          number: 7,
          body: `I could not review this pull request after 4 attempts (${BAD_GATEWAY}). Comment \`/review\` to try again.`,
        },
      ]);
      expect(model.requests).toEqual([]);
      expect(log.withMessage("review.retrying")).toHaveLength(MAX_JOB_ATTEMPTS - 1);
      expect(log.withMessage("job given up")).toEqual([
        {
          level: "error",
          msg: "job given up",
          obj: expect.objectContaining({
            repo: "octo/hello",
            pr: 7,
            attempts: MAX_JOB_ATTEMPTS,
            reason: `ReviewGivenUpError: ${BAD_GATEWAY}`,
          }),
        },
      ]);
      expect(await store.queue.stats()).toMatchObject({ waiting: 0, running: 0 });
    });

    it("does not tell the pull request again when the process starts again on the same store", async () => {
      const first = await openTestStore();
      const github = flakyGitHub({
        failures: Array.from({ length: MAX_JOB_ATTEMPTS }, () => httpError(502, "Bad Gateway")),
      });
      const { deps } = depsOf({ github, store: first.store });
      await first.store.queue.enqueue(reviewJob);
      await first.store.queue.start(createJobHandlers(deps));
      expect(await first.store.queue.drain(10_000)).toEqual([]);
      expect(github.replies).toHaveLength(1);
      await first.store.queue.stop(1_000);
      await first.store.close();

      const second = await openTestStore(first.dataDir);
      const { wrapped, attempts, givenUp } = observed(
        createJobHandlers({ ...deps, store: second.store }),
        github,
      );
      await second.store.queue.start(wrapped);
      expect(await second.store.queue.drain(5_000)).toEqual([]);
      expect(attempts).toEqual([]);
      expect(givenUp).toEqual([]);
      expect(github.replies).toHaveLength(1);
    });

    it("posts the review and no give-up reply when GitHub answers again on the last attempt", async () => {
      const { store } = await openTestStore();
      const github = flakyGitHub({
        failures: Array.from({ length: MAX_JOB_ATTEMPTS - 1 }, () => httpError(503, "Service Unavailable")),
      });
      const { deps, model } = depsOf({ github, store });
      const { wrapped, attempts, givenUp } = observed(createJobHandlers(deps), github);

      await store.queue.enqueue(reviewJob);
      await store.queue.start(wrapped);
      expect(await store.queue.drain(10_000)).toEqual([]);

      expect(attempts.map((one) => one.attempt)).toEqual([1, 2, 3, 4]);
      expect(givenUp).toEqual([]);
      expect(github.replies).toEqual([]);
      expect(model.requests).toHaveLength(1);
      expect(github.pullRequest.reviews.map((review) => review.commitId)).toEqual([HEAD_SHA]);
    });

    it("ends after a second attempt that meets a failure no retry can mend, without a give-up reply", async () => {
      const { store } = await openTestStore();
      const github = flakyGitHub({ failures: [httpError(502, "Bad Gateway"), httpError(404, "Not Found")] });
      const { deps } = depsOf({ github, store });
      const { wrapped, attempts, givenUp } = observed(createJobHandlers(deps), github);

      await store.queue.enqueue(reviewJob);
      await store.queue.start(wrapped);
      expect(await store.queue.drain(10_000)).toEqual([]);

      expect(attempts.map((one) => one.attempt)).toEqual([1, 2]);
      expect(givenUp).toEqual([]);
      expect(github.replies).toEqual([]);
    });

    it("ends at once, without a give-up reply, on a failure no retry can mend (404)", async () => {
      const { store } = await openTestStore();
      const github = flakyGitHub({ failures: [httpError(404, "Not Found")] });
      const { deps, log } = depsOf({ github, store });
      const { wrapped, attempts, givenUp } = observed(createJobHandlers(deps), github);

      await store.queue.enqueue(reviewJob);
      await store.queue.start(wrapped);
      expect(await store.queue.drain(10_000)).toEqual([]);

      expect(attempts.map((one) => one.attempt)).toEqual([1]);
      expect(givenUp).toEqual([]);
      expect(github.replies).toEqual([]);
      expect(log.withMessage("review.failed")[0]?.obj).toMatchObject({
        reason: "HttpError (HTTP 404): Not Found",
      });
    });
  });

  describe("run", () => {
    it("ends a job, without giving it up, on a failure no retry can mend before its last attempt", async () => {
      const github = flakyGitHub({ failures: [httpError(404, "Not Found")] });
      const { deps, log } = depsOf({ github });
      await expect(createJobHandlers(deps).run(queuedOf(reviewJob, 2))).resolves.toBeUndefined();
      expect(log.withMessage("review.failed")).toHaveLength(1);
      expect(github.replies).toEqual([]);
    });

    it("throws GitHub's error on every attempt but the last, for the queue to try again, and replies nothing", async () => {
      const github = createFakeGitHub({ pull: openPr, files });
      for (let attempt = 1; attempt < MAX_JOB_ATTEMPTS; attempt++) {
        const failing = flakyGitHub({ failures: [httpError(502, "Bad Gateway")], fake: github });
        const { deps } = depsOf({ github: failing });
        const error = await createJobHandlers(deps)
          .run(queuedOf(reviewJob, attempt))
          .catch((caught: unknown) => caught);
        expect(error).not.toBeInstanceOf(ReviewGivenUpError);
        expect(error).toMatchObject({ status: 502 });
      }
      expect(github.replies).toEqual([]);
    });

    it("gives the job up with the failure's reason on the last attempt, and leaves the reply to giveUp", async () => {
      const github = flakyGitHub({ failures: [httpError(502, "Bad Gateway")] });
      const { deps } = depsOf({ github });
      const run = createJobHandlers(deps).run(queuedOf(reviewJob, MAX_JOB_ATTEMPTS));
      await expect(run).rejects.toThrow(new ReviewGivenUpError(BAD_GATEWAY));
      expect(github.replies).toEqual([]);
    });

    it("does not give up a job allowed a single attempt (it was never tried again)", async () => {
      const github = flakyGitHub({ failures: [httpError(502, "Bad Gateway")] });
      const { deps, log } = depsOf({ github });
      await expect(createJobHandlers(deps).run(queuedOf(reviewJob, 1, 1))).resolves.toBeUndefined();
      expect(log.withMessage("review.failed")).toHaveLength(1);
      expect(github.replies).toEqual([]);
    });

    it("does not give up a review that reached the model and failed there: its posted review says so", async () => {
      const github = flakyGitHub({ failures: [] });
      const balance = new ModelRequestError({
        message: "DeepSeek answered HTTP 402",
        userMessage: "the DeepSeek balance is exhausted",
        retryable: false,
        status: 402,
      });
      const { deps, model } = depsOf({ github, script: () => balance });
      await expect(
        createJobHandlers(deps).run(queuedOf(reviewJob, MAX_JOB_ATTEMPTS)),
      ).resolves.toBeUndefined();
      expect(model.requests).toHaveLength(1);
      expect(github.pullRequest.reviews).toHaveLength(1);
      expect(github.pullRequest.reviews[0]?.body).toContain("the DeepSeek balance is exhausted");
      expect(github.replies).toEqual([]);
    });
  });

  describe("giveUp", () => {
    it("replies once on a review job's pull request, with the attempts and the reason without markup", async () => {
      const github = flakyGitHub({ failures: [] });
      const { deps } = depsOf({ github });
      await createJobHandlers(deps).giveUp(
        queuedOf(reviewJob, 4),
        "ReviewGivenUpError: HttpError (HTTP 500): <img src=x> `@everyone` see [here](https://evil.example)",
      );
      expect(github.replies).toEqual([
        {
          number: 7,
          body:
            "I could not review this pull request after 4 attempts (HttpError (HTTP 500): img src=x everyone see here(https://evil.example)). " +
            "Comment `/review` to try again.",
        },
      ]);
    });

    it("cuts a long reason to 200 characters", async () => {
      const github = flakyGitHub({ failures: [] });
      const { deps } = depsOf({ github });
      await createJobHandlers(deps).giveUp(
        queuedOf(reviewJob, 4),
        `ReviewGivenUpError: ${"x".repeat(5_000)}`,
      );
      expect(github.replies[0]?.body).toBe(
        `I could not review this pull request after 4 attempts (${"x".repeat(200)}). Comment \`/review\` to try again.`,
      );
    });

    it("logs a stored job this version cannot read (no pull request to tell), and does not throw", async () => {
      const github = flakyGitHub({ failures: [] });
      const { deps, log } = depsOf({ github });
      const unreadable = { ...queuedOf(reviewJob, 1), job: undefined } as unknown as QueuedJob;
      await createJobHandlers(deps).giveUp(
        unreadable,
        "Error: the stored job is not a job this version can read",
      );
      expect(github.replies).toEqual([]);
      expect(log.withMessage("job given up")).toHaveLength(1);
    });

    it("logs a command job given up, and does not reply for it", async () => {
      const github = flakyGitHub({ failures: [] });
      const { deps, log } = depsOf({ github });
      await createJobHandlers(deps).giveUp(queuedOf(commandJob, 4), "Error: GitHub is down");
      expect(github.replies).toEqual([]);
      expect(log.withMessage("job given up")).toHaveLength(1);
    });

    it("never throws: a reply GitHub refuses is logged", async () => {
      const github = createFakeGitHub({ pull: openPr, fail: httpError(403, "Resource not accessible") });
      const { deps, log } = depsOf({ github });
      await expect(
        createJobHandlers(deps).giveUp(queuedOf(reviewJob, 4), "ReviewGivenUpError: boom"),
      ).resolves.toBeUndefined();
      expect(github.replies).toEqual([]);
      expect(log.withMessage("could not tell the pull request that its review was given up")).toEqual([
        expect.objectContaining({
          level: "warn",
          obj: expect.objectContaining({ err: { message: "Resource not accessible" } }),
        }),
      ]);
    });
  });
});
