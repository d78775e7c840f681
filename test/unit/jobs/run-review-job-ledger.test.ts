import nock from "nock";
import type { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { formatUsd } from "../../../src/cost/compute-cost.js";
import { installationGitHub } from "../../../src/github/create-github-access.js";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import type { ReviewJob } from "../../../src/jobs/job.js";
import type { JobDeps } from "../../../src/jobs/job-deps.js";
import { runReviewJob } from "../../../src/jobs/run-review-job.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { MAX_JOB_ATTEMPTS } from "../../../src/store/retention.js";
import type { Store } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";
import {
  answerWith,
  createRecordingLogger,
  createScriptedModel,
  defaultProcessSettings,
  noLimit,
} from "../../helpers/fakes.js";
import { BOT_LOGIN, GITHUB, mockPullRequestReads, recordBody } from "../../helpers/github-mocks.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const REVIEWS = "/repos/Codertocat/Hello-World/pulls/2/reviews";
/** What the model reports for its one call: cache hits, misses and output tokens. */
const USAGE = { promptCacheHitTokens: 1_000, promptCacheMissTokens: 2_000, completionTokens: 300 };
/** That call at V4 Flash list prices ($0.028 / $0.14 / $0.28 per million tokens). */
const COST_USD = (1_000 * 0.028 + 2_000 * 0.14 + 300 * 0.28) / 1e6;

const job: ReviewJob = {
  type: "review",
  installationId: 42,
  owner: "Codertocat",
  repo: "Hello-World",
  number: 2,
  deliveryId: "d-1",
  trigger: { kind: "command", model: "default", user: "alice", commentId: 5 },
};

/** One added file, as `pulls.listFiles` lists it. */
const restFile = {
  sha: "0000000000000000000000000000000000000000",
  filename: "src/greet.js",
  status: "added",
  additions: 2,
  deletions: 0,
  changes: 2,
  patch: "@@ -0,0 +1,2 @@\n+export const greet = (name) =>\n+  'Hi ' + nam;",
};

function createOctokit(): Octokit {
  const Octokit = createOctokitClass({ enabled: false }, { retry: { enabled: false } });
  return new Octokit({ auth: { token: "test-token" } }) as Octokit;
}

/**
 * Runs the review job with the app's real GitHub gateways (GitHub answered by nock) on a real SQLite store: the
 * pull request, the configuration and the lists are read, the model answers once with `USAGE`, and what GitHub
 * does with the review is up to `mockPost`.
 */
async function runWithPostFailing(params: { attempt: number; mockPost: () => void; store?: Store }) {
  mockPullRequestReads({ files: [restFile], headSha: HEAD_SHA, auth: false });
  params.mockPost();
  const model = createScriptedModel(() => answerWith([], USAGE));
  const log = createRecordingLogger();
  const store = params.store ?? createTestStore();
  const octokit = createOctokit();
  const deps: JobDeps = {
    process: defaultProcessSettings(),
    model,
    limit: noLimit,
    countTokens: estimateTokens,
    store,
    github: {
      forInstallation: async () => installationGitHub(octokit, BOT_LOGIN, []),
      botLogin: async () => BOT_LOGIN,
    },
    log,
  };
  const queued = { id: "job-5", job, attempt: params.attempt, maxAttempts: MAX_JOB_ATTEMPTS, enqueuedAt: 0 };
  const result = await runReviewJob({ queued, job, deps }).catch((error: unknown) => ({ thrown: error }));
  return { result, model, log, store, runs: await store.listRuns({}) };
}

/** The spend of the one model call, as a ledger row holds it. */
const spent = {
  requests: 1,
  promptCacheHitTokens: 1_000,
  promptCacheMissTokens: 2_000,
  completionTokens: 300,
  models: [
    expect.objectContaining({
      model: "deepseek-v4-flash",
      requests: 1,
      promptCacheHitTokens: 1_000,
      promptCacheMissTokens: 2_000,
      completionTokens: 300,
    }),
  ],
};

describe("runReviewJob's ledger row when posting the review fails after the model was called", () => {
  it("keeps what was spent when GitHub rejects the review (422), with the outcome failed and GitHub's reason", async () => {
    const posted: unknown[] = [];
    const { result, model, runs } = await runWithPostFailing({
      attempt: 1,
      mockPost: () => {
        nock(GITHUB)
          .post(REVIEWS, recordBody(posted, "commit_id"))
          .reply(422, {
            message: "Unprocessable Entity",
            errors: ["Commit is not part of the pull request"],
          });
      },
    });
    expect(model.requests).toHaveLength(1);
    expect(posted).toHaveLength(1);
    expect(result).toMatchObject({ status: "failed" });
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run).toMatchObject({
      jobId: "job-5",
      installationId: 42,
      repo: "Codertocat/Hello-World",
      pr: 2,
      headSha: HEAD_SHA,
      trigger: "command",
      outcome: "failed",
      reason: expect.stringMatching(
        /^ReviewRejectedError \(HTTP 422\): GitHub rejected the review on commit ec26c3e/,
      ),
      findingsPosted: 0,
      ...spent,
    });
    expect(run?.costUsd).toBeGreaterThan(0);
    expect(run?.costUsd).toBeCloseTo(COST_USD, 12);
  });

  it("keeps what was spent when GitHub answers 500 to every post, on the job's last attempt", async () => {
    let posts = 0;
    const { result, model, log, runs } = await runWithPostFailing({
      attempt: MAX_JOB_ATTEMPTS,
      mockPost: () => {
        // The review is sent three times; before each new try the app's reviews are read to see it did not land.
        nock(GITHUB)
          .post(REVIEWS)
          .times(3)
          .reply(() => {
            posts++;
            return [500, { message: "Server Error" }];
          })
          .get(REVIEWS)
          .query({ per_page: 100 })
          .times(3)
          .reply(200, []);
      },
    });
    expect(posts).toBe(3);
    expect(model.requests).toHaveLength(1);
    expect(result).toMatchObject({ status: "failed", reason: "HttpError (HTTP 500): Server Error" });
    expect(log.withMessage("review.failed")[0]?.obj).toMatchObject({ requests: 1, costUsd: COST_USD });
    expect(runs).toEqual([
      expect.objectContaining({
        jobId: "job-5",
        headSha: HEAD_SHA,
        outcome: "failed",
        reason: "HttpError (HTTP 500): Server Error",
        findingsPosted: 0,
        ...spent,
        costUsd: expect.closeTo(COST_USD, 12),
      }),
    ]);
  });

  it("keeps what an earlier attempt spent, though that attempt is thrown for the queue to try again", async () => {
    const { result, model, runs } = await runWithPostFailing({
      attempt: 1,
      mockPost: () => {
        nock(GITHUB)
          .post(REVIEWS)
          .times(3)
          .reply(500, { message: "Server Error" })
          .get(REVIEWS)
          .query({ per_page: 100 })
          .times(3)
          .reply(200, []);
      },
    });
    expect(result).toMatchObject({ thrown: expect.objectContaining({ status: 500 }) });
    expect(model.requests).toHaveLength(1);
    expect(runs).toEqual([
      expect.objectContaining({
        jobId: "job-5",
        outcome: "failed",
        reason: `attempt 1 of ${MAX_JOB_ATTEMPTS}, tried again: HttpError (HTTP 500): Server Error`,
        ...spent,
        costUsd: expect.closeTo(COST_USD, 12),
      }),
    ]);
  });

  it("counts a failed run in the running total the next review of the pull request shows", async () => {
    const store = createTestStore();
    await runWithPostFailing({
      attempt: 1,
      store,
      mockPost: () => {
        nock(GITHUB).post(REVIEWS).reply(422, { message: "Unprocessable Entity" });
      },
    });
    const posted: { body: string }[] = [];
    const { runs } = await runWithPostFailing({
      attempt: 1,
      store,
      mockPost: () => {
        nock(GITHUB).post(REVIEWS, recordBody(posted, "commit_id")).reply(200, { id: 81 });
      },
    });
    expect(runs.map((run) => run.outcome)).toEqual(["failed", "completed"]);
    expect(await store.spentUsd({ repo: "Codertocat/Hello-World", pr: 2 })).toBeCloseTo(2 * COST_USD, 12);
    // The second review's body counts the first, failed one among the earlier reviews that called the model.
    expect(posted[0]?.body).toContain(`this pull request so far: ${formatUsd(2 * COST_USD)} over 2 reviews`);
  });
});
