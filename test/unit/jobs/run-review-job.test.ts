import { describe, expect, it } from "vitest";
import { formatUsd } from "../../../src/cost/compute-cost.js";
import type { PullRequestState } from "../../../src/github/types.js";
import type { ReviewJob, ReviewTrigger } from "../../../src/jobs/job.js";
import type { JobDeps } from "../../../src/jobs/job-deps.js";
import { MAX_RETRY_ROUNDS, runReviewJob } from "../../../src/jobs/run-review-job.js";
import { ModelRequestError } from "../../../src/llm/errors.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import type { Store } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";
import { createFakeGitHub } from "../../helpers/fake-github.js";
import {
  addedPatch,
  answerWith,
  createRecordingLogger,
  createScriptedModel,
  defaultProcessSettings,
  filesOf,
  type ModelScript,
  noLimit,
  pullRequestFile,
} from "../../helpers/fakes.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";
const OLD_SHA = "1111111111111111111111111111111111111111";

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
  pullRequestFile({
    path: "src/greet.ts",
    patch: addedPatch(["export const greet = (name: string) =>", '  "Hi " + nam;']),
  }),
  pullRequestFile({ path: "src/bye.ts", patch: addedPatch(["export const bye = () => 1;"]) }),
];

function reviewJob(trigger: ReviewTrigger): ReviewJob {
  return {
    type: "review",
    installationId: 42,
    owner: "octo",
    repo: "hello",
    number: 7,
    deliveryId: "d-1",
    trigger,
  };
}

async function run(params: {
  trigger: ReviewTrigger;
  pull?: PullRequestState;
  config?: unknown;
  store?: Store;
  attempt?: number;
  script?: ModelScript;
}) {
  const github = createFakeGitHub({ pull: params.pull ?? openPr, files, config: params.config });
  const model = createScriptedModel(
    params.script ??
      (() => answerWith([], { promptCacheHitTokens: 100, promptCacheMissTokens: 200, completionTokens: 30 })),
  );
  const log = createRecordingLogger();
  const store = params.store ?? createTestStore();
  const deps: JobDeps = {
    process: defaultProcessSettings(),
    model,
    limit: noLimit,
    countTokens: estimateTokens,
    store,
    github,
    log,
  };
  const job = reviewJob(params.trigger);
  const result = await runReviewJob({
    queued: { id: "job-9", job, attempt: params.attempt ?? 1, maxAttempts: 4, enqueuedAt: 0 },
    job,
    deps,
  });
  return { result, github, model, log, store };
}

const auto: ReviewTrigger = { kind: "auto", event: "pull_request.synchronize", headSha: OLD_SHA };

describe("runReviewJob", () => {
  it("reviews the pull request's current head, whatever head the webhook named, and rebuilds GitHub from the installation", async () => {
    const { result, github, model } = await run({ trigger: auto });
    expect(result.status).toBe("completed");
    expect(github.installations).toEqual([42]);
    expect(model.requests).toHaveLength(1);
    expect(github.pullRequest.reviews.map((review) => review.commitId)).toEqual([HEAD_SHA]);
  });

  it("records the run in the ledger with what it spent", async () => {
    const { store } = await run({ trigger: auto });
    const [run1, ...others] = await store.listRuns({});
    expect(others).toEqual([]);
    expect(run1).toMatchObject({
      jobId: "job-9",
      installationId: 42,
      repo: "octo/hello",
      pr: 7,
      headSha: HEAD_SHA,
      trigger: "auto",
      requests: 1,
      promptCacheHitTokens: 100,
      promptCacheMissTokens: 200,
      completionTokens: 30,
      outcome: "completed",
      models: [expect.objectContaining({ model: "deepseek-v4-flash", requests: 1 })],
    });
    expect(run1?.costUsd).toBeCloseTo((100 * 0.028 + 200 * 0.14 + 30 * 0.28) / 1e6, 12);
  });

  it.each<[string, Parameters<typeof run>[0], string]>([
    [
      "a closed pull request",
      { trigger: auto, pull: { ...openPr, state: "closed" } },
      "the pull request is not open",
    ],
    [
      "a draft",
      { trigger: auto, pull: { ...openPr, draft: true } },
      "draft pull request; reviewed when marked ready",
    ],
    [
      "auto_review: false",
      { trigger: auto, config: { auto_review: false } },
      "auto_review is off; reviews run on /review only",
    ],
    [
      "a retry of a head that moved on",
      { trigger: { kind: "retry", headSha: OLD_SHA, paths: ["src/greet.ts"], round: 1 } },
      "the head moved on; the newer head is reviewed instead",
    ],
    [
      "a label that is not the escalation label",
      { trigger: { kind: "label", label: "bug", headSha: HEAD_SHA } },
      "bug is not the escalation label",
    ],
    [
      "the escalation label, removed again before the job ran",
      { trigger: { kind: "label", label: "deep-review", headSha: HEAD_SHA } },
      "the label was removed again",
    ],
  ])("skips %s with its reason, calls no model and records nothing", async (_name, params, reason) => {
    const { result, model, log, store } = await run(params);
    expect(result).toMatchObject({ status: "skipped", reason });
    expect(model.requests).toEqual([]);
    expect(log.withMessage("review.skipped")).toHaveLength(1);
    expect(await store.listRuns({})).toEqual([]);
  });

  it("skips automatic reviews of a paused pull request, but not /review", async () => {
    const store = createTestStore();
    await store.setPaused({ repo: "octo/hello", pr: 7 }, true);
    const paused = await run({ trigger: auto, store });
    expect(paused.result).toMatchObject({
      status: "skipped",
      reason: "automatic reviews are paused on this pull request (/review resume)",
    });
    const asked = await run({
      trigger: { kind: "command", model: "default", user: "alice", commentId: 5 },
      store,
    });
    expect(asked.result.status).toBe("completed");
  });

  it("reviews the whole pull request with Pro when the escalation label is added", async () => {
    const labelled = { ...openPr, labels: ["Deep-Review"] };
    const { result, model, github } = await run({
      trigger: { kind: "label", label: "deep-review", headSha: HEAD_SHA },
      pull: labelled,
    });
    expect(result.status).toBe("completed");
    expect(model.requests.map((request) => request.model)).toEqual(["deepseek-v4-pro"]);
    expect(github.pullRequest.reviews[0]?.body).toContain("the pull request has the escalation label");
  });

  it("asks again only about the files whose review failed, on a retry of the same head", async () => {
    const { result, model } = await run({
      trigger: { kind: "retry", headSha: HEAD_SHA, paths: ["src/bye.ts"], round: 1 },
    });
    expect(result.status).toBe("completed");
    const asked = JSON.stringify(model.requests[0]?.messages);
    expect(asked).toContain("src/bye.ts");
    expect(asked).not.toContain("src/greet.ts");
  });

  describe("when DeepSeek fails for one file", () => {
    const failing =
      (retryable: boolean): ModelScript =>
      (request) =>
        filesOf(request).includes("src/bye.ts")
          ? new ModelRequestError({
              message: retryable ? "DeepSeek answered HTTP 503" : "DeepSeek answered HTTP 402",
              userMessage: retryable ? "DeepSeek server error" : "the DeepSeek balance is exhausted",
              retryable,
              status: retryable ? 503 : 402,
            })
          : answerWith([]);
    // On a lane of its own (Pro), src/bye.ts is asked about in a request of its own.
    const config = { escalate: { paths: ["src/bye.ts"] } };

    it("asks again about that file only, later, in a retry job of the same head", async () => {
      const { log, store } = await run({ trigger: auto, script: failing(true), config });
      expect((await store.queue.stats()).waiting).toBe(1);
      expect(log.withMessage("failed files to be asked again")[0]?.obj).toMatchObject({
        paths: 1,
        round: 1,
        queued: "queued",
      });
    });

    it("stops asking after the last retry round", async () => {
      const { log, store } = await run({
        trigger: { kind: "retry", headSha: HEAD_SHA, paths: ["src/bye.ts"], round: MAX_RETRY_ROUNDS },
        script: failing(true),
        config,
      });
      expect((await store.queue.stats()).waiting).toBe(0);
      expect(log.withMessage("failed files not asked again: retries used up")).toHaveLength(1);
    });

    it("does not retry a failure waiting will not mend (the balance is exhausted)", async () => {
      const { store } = await run({ trigger: auto, script: failing(false), config });
      expect((await store.queue.stats()).waiting).toBe(0);
    });
  });

  it("shows the pull request's running total of earlier reviews in the body", async () => {
    const store = createTestStore();
    const first = await run({ trigger: auto, store });
    expect(first.github.pullRequest.reviews[0]?.body).not.toContain("this pull request so far");
    const second = await run({
      trigger: { kind: "command", model: "default", user: "alice", commentId: 9 },
      store,
    });
    const one = (100 * 0.028 + 200 * 0.14 + 30 * 0.28) / 1e6;
    expect(second.github.pullRequest.reviews[0]?.body).toContain(
      `this pull request so far: ${formatUsd(2 * one)} over 2 reviews`,
    );
  });
});
