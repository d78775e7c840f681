import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import { ModelRequestError } from "../../../src/llm/errors.js";
import type { Usage } from "../../../src/llm/types.js";
import { readFindingRecord } from "../../../src/records/read-record.js";
import type { FindingIdentity } from "../../../src/records/record-schema.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { formatChunkFile } from "../../../src/review/format-diff.js";
import {
  type ReviewSettings,
  type ReviewTrigger,
  reviewPullRequest,
} from "../../../src/review/review-pull-request.js";
import type {
  Comparison,
  OwnReview,
  PullRequestFile,
  PullRequestInfo,
  ReviewProgress,
} from "../../../src/review/types.js";
import {
  addedPatch,
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  diffOf,
  filesOf,
  type ModelScript,
  noLimit,
  ownReviewOf,
  pullRequestFile,
  reviewSettings,
} from "../../helpers/fakes.js";
import { budgetTokensOf } from "../../helpers/render-chunk.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";
const LAST_SHA = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OLDER_SHA = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

const pr: PullRequestInfo = {
  owner: "octo",
  repo: "hello",
  number: 7,
  title: "Tidy the helpers",
  body: "Renames a few constants.",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

/** Two hunks far apart: new lines 1-4 and 51-54. */
const appFile = pullRequestFile({
  path: "src/app.ts",
  patch: [
    "@@ -1,3 +1,4 @@",
    " const a = 1;",
    "-const b = 2;",
    "+const b = 3;",
    "+const bb = 4;",
    " const c = 5;",
    "@@ -50,3 +51,4 @@ function tail() {",
    " const x = 1;",
    "-const y = 2;",
    "+const y = 3;",
    "+const yy = 4;",
    " const z = 5;",
  ].join("\n"),
});
const otherFile = pullRequestFile({ path: "src/other.ts", patch: addedPatch(["export const other = 1;"]) });

/** The base the reviews of `ownReviewOf` saw. */
const LAST_BASE = "0".repeat(40);

/** The pull request at LAST_SHA: the same, but line 53 of src/app.ts (in its second hunk) said 0, not 4. */
const atLast: Comparison = {
  status: "ahead",
  complete: true,
  files: [
    pullRequestFile({
      path: "src/app.ts",
      patch: (appFile.patch ?? "").replace("+const yy = 4;", "+const yy = 0;"),
    }),
    otherFile,
  ],
};
const sinceLast = { [`${LAST_BASE}...${LAST_SHA}`]: atLast };

const reviewedLast: OwnReview[] = [ownReviewOf({ id: 1, sha: LAST_SHA })];

function usage(hit: number, miss: number, completion: number): Usage {
  return { promptCacheHitTokens: hit, promptCacheMissTokens: miss, completionTokens: completion };
}

function finding(path: string, line: number, severity: string, title: string) {
  return { path, line, severity, title, body: `${title}, explained.` };
}

async function review(params: {
  files: PullRequestFile[];
  script?: ModelScript;
  settings?: Partial<ReviewSettings>;
  trigger?: ReviewTrigger;
  ownReviews?: OwnReview[];
  postedFindings?: FindingIdentity[];
  comparisons?: Record<string, Comparison | undefined>;
  lastReviewed?: { head: string; base: string; complete: boolean };
}) {
  const recording = createRecordingGateway({
    headSha: HEAD_SHA,
    files: params.files,
    reviewId: 42,
    ...(params.ownReviews === undefined ? {} : { ownReviews: params.ownReviews }),
    ...(params.postedFindings === undefined ? {} : { postedFindings: params.postedFindings }),
    ...(params.comparisons === undefined ? {} : { comparisons: params.comparisons }),
  });
  const compared: string[] = [];
  const github = {
    ...recording,
    compare: (base: string, head: string) => {
      compared.push(`${base}...${head}`);
      return recording.compare(base, head);
    },
  };
  const model = createScriptedModel(params.script ?? (() => answerWith([])));
  const log = createRecordingLogger();
  const progress: ReviewProgress[] = [];
  const outcome = await reviewPullRequest({
    pr,
    github,
    model,
    settings: reviewSettings(params.settings),
    limit: noLimit,
    countTokens: estimateTokens,
    log,
    now: () => new Date("2026-03-02T12:00:00Z"),
    ...(params.trigger === undefined ? {} : { trigger: params.trigger }),
    ...(params.lastReviewed === undefined ? {} : { lastReviewed: params.lastReviewed }),
    onProgress: (one) => progress.push(one),
  });
  const body = recording.reviews[0]?.body ?? "";
  return { outcome, reviews: recording.reviews, body, compared, model, log, progress };
}

describe("reviewPullRequest, following earlier reviews", () => {
  describe("on a push whose head was already reviewed", () => {
    it.each([
      ["complete", true],
      ["partial (its failed files are asked again by a retry job, not by the next event)", false],
    ])(
      "skips without comparing, asking the model or posting, when that review was %s",
      async (_name, complete) => {
        const { outcome, reviews, compared, model } = await review({
          files: [appFile],
          ownReviews: [ownReviewOf({ id: 1, sha: HEAD_SHA, base: pr.baseSha, complete })],
        });
        expect(outcome).toMatchObject({
          status: "skipped",
          skippedReason: "this commit was already reviewed",
          requests: 0,
          costUsd: 0,
        });
        expect(compared).toEqual([]);
        expect(model.requests).toEqual([]);
        expect(reviews).toEqual([]);
      },
    );
  });

  describe("on a push after a reviewed commit that is still on the branch", () => {
    it("reads the pull request's diff as it was at the last complete review (its base...head then)", async () => {
      const { compared } = await review({
        files: [appFile],
        ownReviews: [
          ownReviewOf({ id: 1, sha: OLDER_SHA }),
          ownReviewOf({ id: 2, sha: LAST_SHA }),
          // A partial review of the head: it does not count as reviewed.
          ownReviewOf({ id: 3, sha: HEAD_SHA, complete: false }),
        ],
        comparisons: sinceLast,
      });
      expect(compared).toEqual([`${LAST_BASE}...${LAST_SHA}`]);
    });

    it("starts from the head the app's store remembers, reviewed after the last posted review", async () => {
      const quietBase = "3".repeat(40);
      const { compared } = await review({
        files: [appFile],
        ownReviews: [ownReviewOf({ id: 1, sha: OLDER_SHA })],
        lastReviewed: { head: LAST_SHA, base: quietBase, complete: true },
        comparisons: { [`${quietBase}...${LAST_SHA}`]: atLast },
      });
      expect(compared).toEqual([`${quietBase}...${LAST_SHA}`]);
    });

    it("starts from the last complete posted review when the store's head was reviewed in part", async () => {
      const { compared } = await review({
        files: [appFile],
        ownReviews: reviewedLast,
        lastReviewed: { head: OLDER_SHA, base: LAST_BASE, complete: false },
        comparisons: sinceLast,
      });
      expect(compared).toEqual([`${LAST_BASE}...${LAST_SHA}`]);
    });

    it("sends the model only the hunks that changed since", async () => {
      const { outcome, model } = await review({
        files: [appFile, otherFile],
        ownReviews: reviewedLast,
        comparisons: sinceLast,
        script: [answerWith([finding("src/app.ts", 53, "major", "Off by one")])],
      });
      const full = parsePatch({ path: "src/app.ts", patch: appFile.patch ?? "" });
      expect(model.requests).toHaveLength(1);
      expect(filesOf(model.requests[0] ?? never())).toEqual(["src/app.ts"]);
      expect(diffOf(model.requests[0] ?? never())).toBe(
        `${formatChunkFile({ path: "src/app.ts", hunks: full.hunks.slice(1) })}`,
      );
      expect(outcome).toMatchObject({ status: "posted", incrementalSince: LAST_SHA, filesReviewed: 1 });
    });

    it("says so in the review body, and records a complete review on the pull request's base", async () => {
      const { body, reviews } = await review({
        files: [appFile, otherFile],
        ownReviews: reviewedLast,
        comparisons: sinceLast,
        script: [answerWith([finding("src/app.ts", 53, "major", "Off by one")])],
      });
      expect(body).toContain("\n\nReviewed what changed since 1111111, the last commit reviewed.\n\n");
      expect(reviews[0]?.record).toEqual({ base: pr.baseSha, complete: true });
    });

    it("still places a finding on an earlier hunk of the pull request's diff", async () => {
      const { reviews, outcome } = await review({
        files: [appFile],
        ownReviews: reviewedLast,
        comparisons: sinceLast,
        script: [answerWith([finding("src/app.ts", 3, "major", "Shadowed constant")])],
      });
      expect(outcome.findingsPosted).toBe(1);
      expect(reviews[0]?.comments.map((comment) => [comment.path, comment.line])).toEqual([
        ["src/app.ts", 3],
      ]);
    });
  });

  describe("on a push after a reviewed commit GitHub no longer knows", () => {
    it("reviews the whole pull request and says why", async () => {
      const { outcome, body, model, log } = await review({
        files: [appFile, otherFile],
        ownReviews: reviewedLast,
        comparisons: { [`${LAST_BASE}...${LAST_SHA}`]: undefined },
        script: (request) =>
          answerWith(
            filesOf(request).includes("src/other.ts") ? [finding("src/other.ts", 1, "minor", "Unused")] : [],
          ),
      });
      expect(model.requests.flatMap((request) => filesOf(request))).toEqual(["src/app.ts", "src/other.ts"]);
      expect(outcome.status).toBe("posted");
      expect(outcome).not.toHaveProperty("incrementalSince");
      expect(body).toContain("\n\nFull review: the last reviewed commit 1111111 could not be found.");
      expect(body).not.toContain("Reviewed what changed since");
      expect(log.withMessage("full review instead of incremental")).toEqual([
        {
          level: "info",
          obj: {
            lastSha: LAST_SHA,
            reason: "the last reviewed commit 1111111 could not be found",
          },
          msg: "full review instead of incremental",
        },
      ]);
    });
  });

  describe("on a push that brings nothing new of the pull request's own", () => {
    const lockFile = pullRequestFile({ path: "package-lock.json", patch: "@@ -1,1 +1,1 @@\n-a\n+b" });
    it.each<[string, PullRequestFile[], PullRequestFile[]]>([
      ["the same changes (a merge of the base elsewhere)", [appFile, otherFile], [appFile, otherFile]],
      ["only a new lock file change", [appFile, otherFile, lockFile], [appFile, otherFile]],
      [
        "its changes moved under a context line the base rewrote (update branch)",
        [
          pullRequestFile({
            path: "src/app.ts",
            patch: (appFile.patch ?? "")
              .replace("@@ -50,3 +51,4 @@", "@@ -60,3 +61,4 @@")
              .replace(" const x = 1;", " const x = 100; // rewritten on the base"),
          }),
          otherFile,
        ],
        [appFile, otherFile],
      ],
    ])("posts nothing and asks no model when the pull request has %s", async (_name, files, before) => {
      const { outcome, reviews, model, progress } = await review({
        files,
        ownReviews: reviewedLast,
        comparisons: { [`${LAST_BASE}...${LAST_SHA}`]: { status: "ahead", complete: true, files: before } },
      });
      expect(outcome).toMatchObject({
        status: "quiet",
        skippedReason:
          "nothing new in the pull request's own changes since 1111111, the last commit reviewed",
        requests: 0,
        reviewed: { head: HEAD_SHA, base: pr.baseSha, complete: true },
      });
      expect(model.requests).toEqual([]);
      expect(reviews).toEqual([]);
      expect(progress).toEqual([]);
    });
  });

  describe("on a push whose new changes bring no new finding", () => {
    it("posts no review, and says what it reviewed and that it found nothing in the outcome", async () => {
      const { outcome, reviews, model, progress } = await review({
        files: [appFile, otherFile],
        ownReviews: reviewedLast,
        comparisons: sinceLast,
      });
      expect(model.requests).toHaveLength(1);
      expect(reviews).toEqual([]);
      expect(outcome).toMatchObject({
        status: "quiet",
        skippedReason: "no new finding",
        filesReviewed: 1,
        incrementalSince: LAST_SHA,
        reviewed: { head: HEAD_SHA, base: pr.baseSha, complete: true },
      });
      expect(outcome.notes).toContain("Reviewed what changed since 1111111, the last commit reviewed.");
      expect(progress).toEqual([
        { files: 1, filesDone: 0, chunks: 1, chunksDone: 0 },
        { files: 1, filesDone: 1, chunks: 1, chunksDone: 1 },
      ]);
    });

    it("posts no review when the only finding was already posted", async () => {
      const first = await review({
        files: [appFile],
        trigger: "command",
        script: () => answerWith([finding("src/app.ts", 53, "major", "Off by one")]),
      });
      const identity = readFindingRecord(first.reviews[0]?.comments[0]?.body);
      const again = await review({
        files: [appFile],
        ownReviews: reviewedLast,
        comparisons: sinceLast,
        postedFindings: identity === undefined ? [] : [identity],
        script: () => answerWith([finding("src/app.ts", 53, "major", "Off by one")]),
      });
      expect(again.reviews).toEqual([]);
      expect(again.outcome).toMatchObject({
        status: "quiet",
        findingsAlreadyPosted: 1,
        findingsBySeverity: { critical: 0, major: 1, minor: 0, nit: 0 },
      });
    });

    it("still posts the first review of a pull request, which found nothing", async () => {
      const { outcome, reviews, body } = await review({ files: [appFile] });
      expect(outcome.status).toBe("posted");
      expect(reviews).toHaveLength(1);
      expect(body).toContain("Reviewed 1 file");
    });

    it("still posts on /review, asked for by a person", async () => {
      const { outcome, reviews } = await review({
        files: [appFile],
        trigger: "command",
        ownReviews: reviewedLast,
      });
      expect(outcome.status).toBe("posted");
      expect(reviews).toHaveLength(1);
    });

    it("still posts when a file could not be reviewed", async () => {
      const { outcome, reviews } = await review({
        files: [appFile, otherFile],
        ownReviews: reviewedLast,
        script: [
          new ModelRequestError({
            message: "HTTP 402",
            userMessage: "the balance is exhausted",
            retryable: false,
            status: 402,
          }),
        ],
        comparisons: sinceLast,
      });
      expect(outcome.status).toBe("posted");
      expect(reviews).toHaveLength(1);
    });
  });

  describe("on a redelivered push whose head the store remembers as reviewed without a review", () => {
    it("skips without reading anything else", async () => {
      const { outcome, compared, model, reviews } = await review({
        files: [appFile],
        ownReviews: reviewedLast,
        lastReviewed: { head: HEAD_SHA, base: pr.baseSha, complete: true },
      });
      expect(outcome).toMatchObject({ status: "skipped", skippedReason: "this commit was already reviewed" });
      expect([compared, model.requests, reviews]).toEqual([[], [], []]);
    });
  });

  describe("on /review", () => {
    it("reviews the whole head again, without comparing with earlier reviews", async () => {
      const { outcome, body, compared, model } = await review({
        files: [appFile, otherFile],
        trigger: "command",
        ownReviews: [ownReviewOf({ id: 1, sha: HEAD_SHA })],
      });
      expect(compared).toEqual([]);
      expect(model.requests.flatMap((request) => filesOf(request))).toEqual(["src/app.ts", "src/other.ts"]);
      expect(outcome.status).toBe("posted");
      expect(outcome).not.toHaveProperty("incrementalSince");
      expect(body).not.toContain("Reviewed what changed since");
      expect(body).not.toContain("Full review:");
      expect(body).not.toContain("<!--");
    });
  });

  describe("when a finding was already posted on the pull request", () => {
    it("does not post it again, counts it and says so", async () => {
      const script = () =>
        answerWith([
          finding("src/app.ts", 3, "major", "Shadowed constant"),
          finding("src/other.ts", 1, "minor", "Unused export"),
        ]);
      const first = await review({ files: [appFile, otherFile], script, trigger: "command" });
      const shadowed = first.reviews[0]?.comments.find((comment) => comment.path === "src/app.ts");
      const identity = readFindingRecord(shadowed?.body);
      expect(identity).toBeDefined();

      const again = await review({
        files: [appFile, otherFile],
        script,
        trigger: "command",
        postedFindings: identity === undefined ? [] : [identity],
      });
      expect(again.outcome).toMatchObject({ findingsPosted: 1, findingsAlreadyPosted: 1 });
      expect(again.reviews[0]?.comments.map((comment) => comment.path)).toEqual(["src/other.ts"]);
      expect(again.body).toContain("\n\n1 already posted on this pull request, not repeated.");
      expect(first.body).not.toContain("already posted");
    });
  });

  describe("with Pro paths", () => {
    const loginFile = pullRequestFile({
      path: "src/auth/login.ts",
      patch: addedPatch(["export const login = () => true;"]),
    });
    const script: ModelScript = (request) =>
      request.model === "deepseek-v4-pro"
        ? answerWith([], usage(100, 200, 30))
        : answerWith([], usage(1_000, 2_000, 300));

    it("asks the Pro model about the matching files and the model about the rest", async () => {
      const { model } = await review({
        files: [appFile, loginFile],
        script,
        settings: { proPaths: ["src/auth/**"] },
      });
      expect(model.requests.map((request) => [request.model, filesOf(request)])).toEqual([
        ["deepseek-v4-flash", ["src/app.ts"]],
        ["deepseek-v4-pro", ["src/auth/login.ts"]],
      ]);
    });

    it("prices each model's requests at its own rates", async () => {
      const { outcome } = await review({
        files: [appFile, loginFile],
        script,
        settings: { proPaths: ["src/auth/**"] },
      });
      // Flash: 1,000 × $0.028 + 2,000 × $0.14 + 300 × $0.28 per million; Pro: 100 × $0.145 + 200 × $1.74 + 30 × $3.48.
      expect(outcome.models).toEqual([
        {
          model: "deepseek-v4-flash",
          requests: 1,
          usage: usage(1_000, 2_000, 300),
          costUsd: expect.closeTo(0.000392, 12),
        },
        {
          model: "deepseek-v4-pro",
          requests: 1,
          usage: usage(100, 200, 30),
          costUsd: expect.closeTo(0.0004669, 12),
        },
      ]);
      expect(outcome.requests).toBe(2);
      expect(outcome.usage).toEqual(usage(1_100, 2_200, 330));
      expect(outcome.costUsd).toBeCloseTo(0.0008589, 12);
      expect(outcome.model).toBe("deepseek-v4-flash");
    });

    it("names both models and what each reviewed in the body", async () => {
      const { body } = await review({
        files: [appFile, loginFile],
        script,
        settings: { proPaths: ["src/auth/**"] },
      });
      expect(body).toContain("\n\n`deepseek-v4-flash` reviewed 1 file; `deepseek-v4-pro` reviewed 1 file.");
      expect(body).toContain(
        "<sub>Model `deepseek-v4-flash, deepseek-v4-pro` · 2 requests · tokens: 1,100 cache hit, 2,200 cache miss, 330 output · $0.000859 · commit 0123456</sub>",
      );
    });

    it("makes one lane when the whole pull request already goes to Pro", async () => {
      const { outcome, model, body } = await review({
        files: [appFile, loginFile],
        script,
        settings: { model: "deepseek-v4-pro", proPaths: ["src/auth/**"] },
      });
      expect(model.requests.map((request) => request.model)).toEqual(["deepseek-v4-pro"]);
      expect(outcome.models.map((one) => one.model)).toEqual(["deepseek-v4-pro"]);
      expect(body).not.toContain("reviewed 1 file;");
    });
  });

  describe("with a minimum severity", () => {
    it("posts only findings at least that severe and counts the others in the body", async () => {
      const { outcome, reviews, body } = await review({
        files: [appFile],
        settings: { minSeverity: "major" },
        script: [
          answerWith([
            finding("src/app.ts", 2, "nit", "Naming"),
            finding("src/app.ts", 3, "critical", "Data loss"),
            finding("src/app.ts", 52, "minor", "Magic number"),
            finding("src/app.ts", 53, "major", "Off by one"),
          ]),
        ],
      });
      expect(reviews[0]?.comments.map((comment) => comment.line)).toEqual([3, 53]);
      expect(outcome).toMatchObject({ findingsPosted: 2, findingsNotInline: 0 });
      expect(body).toContain("\n\n2 less severe than `major` not shown (min_severity).");
    });

    it("says nothing about severity when every finding is severe enough", async () => {
      const { body } = await review({
        files: [appFile],
        settings: { minSeverity: "major" },
        script: [answerWith([finding("src/app.ts", 3, "critical", "Data loss")])],
      });
      expect(body).not.toContain("min_severity");
    });
  });

  describe("with a per-PR token budget", () => {
    const readme = pullRequestFile({
      path: "README.md",
      patch: addedPatch(Array.from({ length: 40 }, (_, index) => `Line ${index + 1} of the docs.`)),
    });
    const appTokens = budgetTokensOf({
      path: "src/app.ts",
      hunks: parsePatch({ path: "src/app.ts", patch: appFile.patch ?? "" }).hunks,
    });

    it("leaves out the least important files before any model call and lists them", async () => {
      const { model, outcome, body } = await review({
        files: [readme, appFile],
        settings: { maxPrTokens: appTokens },
      });
      expect(model.requests.flatMap((request) => filesOf(request))).toEqual(["src/app.ts"]);
      expect(outcome).toMatchObject({ filesReviewed: 1, filesSkipped: 1 });
      expect(body).toContain(
        `- \`README.md\`: not reviewed: over the per-PR budget of ${appTokens} tokens (max_pr_tokens)`,
      );
    });

    it("records the review as partial, so the next push reviews the whole pull request, and says so", async () => {
      const { reviews, body } = await review({
        files: [readme, appFile],
        settings: { maxPrTokens: appTokens },
      });
      expect(reviews[0]?.record).toEqual({ base: pr.baseSha, complete: false });
      expect(body).toContain(
        "\n\nNot every file could be reviewed: the next push reviews the whole pull request again.",
      );
    });

    it("posts a review without asking the model when no file fits", async () => {
      const { model, outcome, reviews, body } = await review({
        files: [readme, appFile],
        settings: { maxPrTokens: 10 },
      });
      expect(model.requests).toEqual([]);
      expect(outcome).toMatchObject({ status: "posted", reviewId: 42, requests: 0, filesSkipped: 2 });
      expect(reviews).toHaveLength(1);
      expect(body).toContain("Nothing was sent to the model: all 2 changed files were skipped.");
      expect(body).toContain(
        "Not every file could be reviewed: the next push reviews the whole pull request again.",
      );
      expect(reviews[0]?.record).toEqual({ base: pr.baseSha, complete: false });
    });
  });
});

function never(): never {
  throw new Error("expected a model request");
}

describe("reviewPullRequest after partial failures", () => {
  const twoFiles = [
    pullRequestFile({ path: "src/a.ts", patch: addedPatch(["export const a = 1;"]) }),
    pullRequestFile({ path: "src/b.ts", patch: addedPatch(["export const b = 2;"]) }),
  ];
  const run = (
    github: ReturnType<typeof createRecordingGateway>,
    model: ReturnType<typeof createScriptedModel>,
  ) =>
    reviewPullRequest({
      pr,
      github,
      model,
      settings: reviewSettings({ maxChunkTokens: 40 }),
      limit: noLimit,
      countTokens: estimateTokens,
      log: createRecordingLogger(),
    });

  it("records a partial review when a file could not be reviewed, so the next push reviews it again", async () => {
    const github = createRecordingGateway({ headSha: HEAD_SHA, files: twoFiles });
    const model = createScriptedModel((request) =>
      filesOf(request).includes("src/b.ts")
        ? new ModelRequestError({
            message: "HTTP 402",
            userMessage: "the DeepSeek balance is exhausted",
            retryable: false,
            status: 402,
          })
        : answerWith([]),
    );
    const outcome = await run(github, model);
    expect(outcome.failures).toHaveLength(1);
    const body = github.reviews[0]?.body ?? "";
    expect(github.reviews[0]?.record).toEqual({ base: pr.baseSha, complete: false });
    expect(body).toContain(
      "Not every file could be reviewed: the next push reviews the whole pull request again.",
    );
  });

  it("records a complete review when every file was reviewed", async () => {
    const github = createRecordingGateway({ headSha: HEAD_SHA, files: twoFiles });
    await run(
      github,
      createScriptedModel(() => answerWith([])),
    );
    expect(github.reviews[0]?.record).toEqual({ base: pr.baseSha, complete: true });
  });

  it("does not count comments GitHub refused as posted inline", async () => {
    const github = createRecordingGateway({ headSha: HEAD_SHA, files: twoFiles, rejected: 1 });
    const model = createScriptedModel((request) =>
      answerWith(filesOf(request).map((path) => finding(path, 1, "major", `Problem in ${path}`))),
    );
    const outcome = await run(github, model);
    expect(github.reviews[0]?.comments).toHaveLength(2);
    expect(outcome).toMatchObject({ findingsPosted: 1, findingsNotInline: 1 });
  });
});

describe("reviewPullRequest with path_instructions", () => {
  const files = [
    pullRequestFile({ path: "src/db/query.ts", patch: addedPatch(["export const q = 'SELECT 1';"]) }),
    pullRequestFile({ path: "src/ui/button.ts", patch: addedPatch(["export const b = 1;"]) }),
    pullRequestFile({ path: "src/util/misc.ts", patch: addedPatch(["export const m = 2;"]) }),
  ];
  const run = async () => {
    const github = createRecordingGateway({ headSha: HEAD_SHA, files });
    const model = createScriptedModel(() => answerWith([]));
    await reviewPullRequest({
      pr,
      github,
      model,
      settings: reviewSettings({
        maxChunkTokens: 40,
        instructions: "Prefer clarity.",
        pathInstructions: [
          { paths: ["src/db/**"], instructions: "Every query must be parameterised." },
          { paths: ["src/ui/**", "src/db/**"], instructions: "Buttons need labels." },
        ],
      }),
      limit: noLimit,
      countTokens: estimateTokens,
      log: createRecordingLogger(),
    });
    return model.requests;
  };

  it("sends each entry's instructions with the requests about its files only", async () => {
    const requests = await run();
    const byFile = new Map(requests.map((request) => [filesOf(request).join(","), request]));
    expect([...byFile.keys()].sort()).toEqual(["src/db/query.ts", "src/ui/button.ts", "src/util/misc.ts"]);
    const user = (path: string) =>
      byFile.get(path)?.messages.find((message) => message.role === "user")?.content ?? "";
    expect(user("src/db/query.ts")).toContain(
      "<repository_instructions>\nEvery query must be parameterised.\n\nButtons need labels.\n</repository_instructions>",
    );
    expect(user("src/ui/button.ts")).toContain(
      "<repository_instructions>\nButtons need labels.\n</repository_instructions>",
    );
    expect(user("src/ui/button.ts")).not.toContain("parameterised");
    expect(user("src/util/misc.ts")).not.toContain("parameterised");
    expect(user("src/util/misc.ts")).not.toContain("Buttons need labels");
  });

  it("keeps the system prompt and the user message up to the PR description byte-identical across requests", async () => {
    const requests = await run();
    const systems = new Set(requests.map((request) => request.messages[0]?.content));
    expect(systems.size).toBe(1);
    const prefixes = new Set(
      requests.map((request) => {
        const user = request.messages.find((message) => message.role === "user")?.content ?? "";
        return user.slice(0, user.indexOf("</pr_description>"));
      }),
    );
    expect(prefixes.size).toBe(1);
    const [prefix] = prefixes;
    expect(prefix).toContain("Prefer clarity.");
    expect(prefix).not.toContain("Buttons need labels");
    // The path instructions come after the PR-wide part, before the diff.
    for (const request of requests) {
      const user = request.messages.find((message) => message.role === "user")?.content ?? "";
      const instructionsAt = user.lastIndexOf("<repository_instructions>");
      if (filesOf(request)[0] !== "src/util/misc.ts") {
        expect(instructionsAt).toBeGreaterThan(user.indexOf("</pr_description>"));
        expect(instructionsAt).toBeLessThan(user.indexOf("<diff>"));
      }
    }
  });
});
