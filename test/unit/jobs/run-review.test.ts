import { describe, expect, it } from "vitest";
import { createSpendWindows } from "../../../src/cost/spend-windows.js";
import { runReview } from "../../../src/jobs/run-review.js";
import type { Usage } from "../../../src/llm/types.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import type { ReviewSettings } from "../../../src/review/review-pull-request.js";
import type { PullRequestFile, PullRequestInfo } from "../../../src/review/types.js";
import {
  addedPatch,
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  type ModelScript,
  noLimit,
  proseAnswer,
  pullRequestFile,
  reviewSettings,
} from "../../helpers/fakes.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";

const pr: PullRequestInfo = {
  owner: "octo",
  repo: "hello",
  number: 7,
  title: "Add a greeting",
  body: "",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

const settings: ReviewSettings = reviewSettings();

const files = [
  pullRequestFile({
    path: "src/greet.ts",
    patch: addedPatch(["export const greet = (name) =>", '  "Hi " + nam;']),
  }),
];

function usage(hit: number, miss: number, completion: number): Usage {
  return { promptCacheHitTokens: hit, promptCacheMissTokens: miss, completionTokens: completion };
}

/** A clock that reads `started` first and `ended` afterwards. */
function clockOf(started: number, ended: number): () => number {
  let reads = 0;
  return () => (reads++ === 0 ? started : ended);
}

async function run(params: { files: PullRequestFile[] | Error; script: ModelScript }) {
  const github = createRecordingGateway({ headSha: HEAD_SHA, files: params.files, reviewId: 314 });
  const log = createRecordingLogger();
  const result = await runReview({
    ref: pr,
    trigger: "auto",
    prepare: async () => ({ pr, github, settings }),
    model: createScriptedModel(params.script),
    limit: noLimit,
    countTokens: estimateTokens,
    log,
    now: () => new Date("2026-03-02T12:00:00Z"),
    clock: clockOf(1_000_000, 1_002_345),
  });
  const outcomes = log.entries.filter((entry) => entry.level !== "debug" && entry.level !== "warn");
  return { result, github, log, outcomes };
}

describe("runReview", () => {
  describe("when the review is posted", () => {
    it("logs review.completed once with what it did and cost", async () => {
      const { result, github, outcomes } = await run({
        files,
        script: [
          answerWith(
            [
              { path: "src/greet.ts", line: 2, severity: "major", title: "Typo in `nam`", body: "Throws." },
              {
                path: "src/greet.ts",
                line: 40,
                severity: "minor",
                title: "Far away",
                body: "Not in the diff.",
              },
            ],
            usage(1_000, 2_000, 300),
          ),
        ],
      });

      expect(result.status).toBe("completed");
      expect(github.reviews).toHaveLength(1);
      expect(outcomes).toEqual([
        {
          level: "info",
          msg: "review.completed",
          obj: {
            repo: "octo/hello",
            pr: 7,
            headSha: HEAD_SHA,
            trigger: "auto",
            model: "deepseek-v4-flash",
            requests: 1,
            promptCacheHitTokens: 1_000,
            promptCacheMissTokens: 2_000,
            completionTokens: 300,
            // (1,000 × 0.028 + 2,000 × 0.14 + 300 × 0.28) / 1M
            costUsd: expect.closeTo(0.000392, 15),
            durationMs: 2_345,
            findingsPosted: 1,
            findingsNotInline: 1,
            findingsAlreadyPosted: 0,
            reviewId: 314,
          },
        },
      ]);
    });
  });

  describe("when GitHub does not list the files", () => {
    it("logs review.failed with the status and resolves", async () => {
      const notFound = Object.assign(new Error("Not Found - https://docs.github.com/rest\nmore detail"), {
        name: "HttpError",
        status: 404,
      });

      const { result, github, log } = await run({ files: notFound, script: [] });

      expect(result).toMatchObject({
        status: "failed",
        reason: "HttpError (HTTP 404): Not Found - https://docs.github.com/rest",
      });
      expect(github.reviews).toEqual([]);
      expect(log.entries).toEqual([
        {
          level: "error",
          msg: "review.failed",
          obj: {
            repo: "octo/hello",
            pr: 7,
            headSha: HEAD_SHA,
            trigger: "auto",
            model: "deepseek-v4-flash",
            requests: 0,
            promptCacheHitTokens: 0,
            promptCacheMissTokens: 0,
            completionTokens: 0,
            costUsd: 0,
            durationMs: 2_345,
            reason: "HttpError (HTTP 404): Not Found - https://docs.github.com/rest",
          },
        },
      ]);
    });

    it("logs a value thrown that is not an error as the reason", async () => {
      const github = createRecordingGateway({ headSha: HEAD_SHA, files: [] });
      github.listFiles = () => Promise.reject("socket hang up");
      const log = createRecordingLogger();

      await runReview({
        ref: pr,
        trigger: "auto",
        prepare: async () => ({ pr, github, settings }),
        model: createScriptedModel([]),
        limit: noLimit,
        countTokens: estimateTokens,
        log,
        clock: clockOf(0, 5),
      });

      expect(log.withMessage("review.failed")).toEqual([
        {
          level: "error",
          msg: "review.failed",
          obj: {
            repo: "octo/hello",
            pr: 7,
            headSha: HEAD_SHA,
            trigger: "auto",
            model: "deepseek-v4-flash",
            requests: 0,
            promptCacheHitTokens: 0,
            promptCacheMissTokens: 0,
            completionTokens: 0,
            costUsd: 0,
            durationMs: 5,
            reason: "socket hang up",
          },
        },
      ]);
    });
  });

  describe("when no chunk could be reviewed", () => {
    it("logs review.failed with the reason and what the attempts cost", async () => {
      const { github, outcomes } = await run({
        files,
        script: [
          proseAnswer(usage(1_000, 0, 10)),
          proseAnswer(usage(1_000, 0, 20)),
          proseAnswer(usage(1_000, 0, 30)),
        ],
      });

      expect(github.reviews).toHaveLength(1);
      expect(outcomes).toEqual([
        {
          level: "error",
          msg: "review.failed",
          obj: {
            repo: "octo/hello",
            pr: 7,
            headSha: HEAD_SHA,
            trigger: "auto",
            model: "deepseek-v4-flash",
            requests: 3,
            promptCacheHitTokens: 3_000,
            promptCacheMissTokens: 0,
            completionTokens: 60,
            // (3,000 × 0.028 + 60 × 0.28) / 1M
            costUsd: expect.closeTo(0.0001008, 15),
            durationMs: 2_345,
            findingsPosted: 0,
            findingsNotInline: 0,
            findingsAlreadyPosted: 0,
            reviewId: 314,
            reason: "the model did not return a usable answer",
          },
        },
      ]);
    });
  });

  describe("when reading the pull request fails before the review (GitHub unreachable)", () => {
    const unreachable = () =>
      Object.assign(new Error("Service Unavailable"), { name: "HttpError", status: 503 });

    async function prepareFails(final: boolean) {
      const log = createRecordingLogger();
      const attempt = runReview({
        ref: pr,
        trigger: "command",
        prepare: async () => {
          throw unreachable();
        },
        model: createScriptedModel([]),
        limit: noLimit,
        countTokens: estimateTokens,
        log,
        final,
        clock: clockOf(0, 7),
      });
      return { log, attempt };
    }

    it("logs review.retrying and throws, so the queue tries again, when attempts are left", async () => {
      const { log, attempt } = await prepareFails(false);
      await expect(attempt).rejects.toThrow("Service Unavailable");
      expect(log.entries.map((entry) => entry.msg)).toEqual(["review.retrying"]);
    });

    it("logs exactly one review.failed on the last attempt, naming the pull request", async () => {
      const { log, attempt } = await prepareFails(true);
      await expect(attempt).resolves.toMatchObject({ status: "failed" });
      expect(log.entries).toEqual([
        {
          level: "error",
          msg: "review.failed",
          obj: {
            repo: "octo/hello",
            pr: 7,
            trigger: "command",
            durationMs: 7,
            reason: "HttpError (HTTP 503): Service Unavailable",
          },
        },
      ]);
    });

    it("fails at once, without retrying, on an error GitHub will not get over (404)", async () => {
      const log = createRecordingLogger();
      const result = await runReview({
        ref: pr,
        trigger: "auto",
        prepare: async () => {
          throw Object.assign(new Error("Not Found"), { name: "HttpError", status: 404 });
        },
        model: createScriptedModel([]),
        limit: noLimit,
        countTokens: estimateTokens,
        log,
        final: false,
      });
      expect(result.status).toBe("failed");
      expect(log.entries.map((entry) => entry.msg)).toEqual(["review.failed"]);
    });
  });

  describe("when the head moves while the files are read", () => {
    it("posts nothing and throws for the queue to try again (comments of one head never go on another)", async () => {
      const github = createRecordingGateway({ headSha: "f".repeat(40), files });
      const log = createRecordingLogger();
      await expect(
        runReview({
          ref: pr,
          trigger: "auto",
          prepare: async () => ({ pr, github, settings }),
          model: createScriptedModel([]),
          limit: noLimit,
          countTokens: estimateTokens,
          log,
          final: false,
        }),
      ).rejects.toThrow(`The head moved from ${HEAD_SHA.slice(0, 7)} to fffffff`);
      expect(github.reviews).toEqual([]);
      expect(log.entries.map((entry) => entry.msg)).toEqual(["review.retrying"]);
    });
  });

  describe("when posting fails after the model was called", () => {
    it.each([
      [
        "GitHub refuses the review with 422 (the head moved)",
        Object.assign(new Error("Unprocessable Entity: commit_id is not part of the pull request"), {
          name: "HttpError",
          status: 422,
        }),
        "HttpError (HTTP 422): Unprocessable Entity: commit_id is not part of the pull request",
      ],
      [
        "GitHub answers 502 past its retries",
        Object.assign(new Error("Bad Gateway"), { name: "HttpError", status: 502 }),
        "HttpError (HTTP 502): Bad Gateway",
      ],
    ])(
      "logs review.failed with the model, requests, tokens and cost spent when %s",
      async (_, error, reason) => {
        const github = createRecordingGateway({ headSha: HEAD_SHA, files });
        github.createReview = () => Promise.reject(error);
        const log = createRecordingLogger();

        await runReview({
          ref: pr,
          trigger: "auto",
          prepare: async () => ({ pr, github, settings }),
          model: createScriptedModel([
            proseAnswer(usage(1_000, 0, 10)),
            answerWith([], usage(1_000, 2_000, 300)),
          ]),
          limit: noLimit,
          countTokens: estimateTokens,
          log,
          clock: clockOf(0, 7),
        });

        expect(log.withMessage("review.failed")).toEqual([
          {
            level: "error",
            msg: "review.failed",
            obj: {
              repo: "octo/hello",
              pr: 7,
              headSha: HEAD_SHA,
              trigger: "auto",
              model: "deepseek-v4-flash",
              requests: 2,
              promptCacheHitTokens: 2_000,
              promptCacheMissTokens: 2_000,
              completionTokens: 310,
              // (2,000 × 0.028 + 2,000 × 0.14 + 310 × 0.28) / 1M
              costUsd: expect.closeTo(0.0004228, 15),
              durationMs: 7,
              reason,
            },
          },
        ]);
      },
    );
  });

  describe("with spend controls", () => {
    const scope = { repository: "octo/hello", installation: 42 };
    const at = new Date("2026-03-02T12:00:00Z");

    it("counts what the review spent in the windows of its repository and installation, and holds nothing after", async () => {
      const windows = createSpendWindows([
        {
          scope: "repository",
          unit: "calls",
          window: "hour",
          ceiling: 10,
          setting: "LIMIT_REPO_CALLS_PER_HOUR",
        },
        {
          scope: "installation",
          unit: "usd",
          window: "day",
          ceiling: 1,
          setting: "LIMIT_INSTALLATION_USD_PER_DAY",
        },
      ]);
      const log = createRecordingLogger();

      await runReview({
        ref: pr,
        trigger: "auto",
        prepare: async () => ({ pr, github: createRecordingGateway({ files, headSha: HEAD_SHA }), settings }),
        model: createScriptedModel([answerWith([], usage(1_000, 2_000, 300))]),
        limit: noLimit,
        countTokens: estimateTokens,
        log,
        now: () => at,
        spend: { limits: { maxCostUsd: 0.5, maxCalls: 300 }, windows, installationId: 42 },
      });

      expect(log.withMessage("review.completed")).toHaveLength(1);
      expect((await windows.remaining(scope, at)).map(({ left }) => left)).toEqual([
        9,
        expect.closeTo(1 - 0.000392, 12),
      ]);
    });

    it("logs review.failed with the ceiling that stopped it, and when it resets", async () => {
      const windows = createSpendWindows([
        {
          scope: "repository",
          unit: "calls",
          window: "hour",
          ceiling: 10,
          setting: "LIMIT_REPO_CALLS_PER_HOUR",
        },
      ]);
      const hold = await windows.reserve(scope, { usd: 0, calls: 10 }, at);
      const log = createRecordingLogger();
      const github = createRecordingGateway({ headSha: HEAD_SHA, files });

      await runReview({
        ref: pr,
        trigger: "auto",
        prepare: async () => ({ pr, github, settings }),
        model: createScriptedModel([]),
        limit: noLimit,
        countTokens: estimateTokens,
        log,
        now: () => at,
        spend: { limits: {}, windows, installationId: 42 },
      });

      expect("hold" in hold).toBe(true);
      const [line] = log.withMessage("review.failed");
      expect(line?.obj).toMatchObject({
        requests: 0,
        costUsd: 0,
        reason:
          "not sent to the model: this review needs at least 1 model call, and this repository has 0 model calls left of its ceiling of 10 model calls per hour (`LIMIT_REPO_CALLS_PER_HOUR`); it resets at 2026-03-02 13:00 UTC",
        limitReached: {
          scope: "repository",
          unit: "calls",
          ceiling: 10,
          setting: "LIMIT_REPO_CALLS_PER_HOUR",
          window: "hour",
          resetsAt: "2026-03-02T13:00:00.000Z",
          estimate: { needed: 1, left: 0 },
        },
      });
      expect(github.reviews[0]?.body).toContain("**Nothing could be reviewed:** not sent to the model:");
    });
  });
});
