import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, type PriceTable } from "../../../src/cost/prices.js";
import { createSpendMeter, type SpendMeter } from "../../../src/cost/spend-meter.js";
import { ModelRequestError } from "../../../src/llm/errors.js";
import type { ModelRequest, ModelResponse, Usage } from "../../../src/llm/types.js";
import { createLimit } from "../../../src/queue/create-limit.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { type ReviewSettings, reviewPullRequest } from "../../../src/review/review-pull-request.js";
import type { PullRequestFile, PullRequestInfo } from "../../../src/review/types.js";
import type { Limit } from "../../../src/runtime/types.js";
import { PlanTimeoutError } from "../../../src/workers/plan-timeout-error.js";
import {
  addedPatch,
  answerWith,
  createDeferred,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  cutOffAnswer,
  type Deferred,
  diffOf,
  filesOf,
  flushPromises,
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
  title: "Tidy the helpers",
  body: "Renames a few constants.",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

const settings: ReviewSettings = reviewSettings();

/** About 43 estimated tokens of diff: with `SMALL_BUDGET`, each such file is a chunk of its own. */
function smallFile(name: string): PullRequestFile {
  return pullRequestFile({
    path: `src/${name}.ts`,
    patch: [
      "@@ -1,3 +1,4 @@",
      ` const ${name}A = 1;`,
      `-const ${name}B = 2;`,
      `+const ${name}B = 3;`,
      `+const ${name}C = 4;`,
      ` const ${name}D = 5;`,
    ].join("\n"),
  });
}

/** Every row `smallFile(name)` shows the model: numbered rows by line, deleted rows by content. */
function rowsOfSmallFile(name: string): string[] {
  const path = `src/${name}.ts`;
  return [`${path}:1`, `${path}:-const ${name}B = 2;`, `${path}:2`, `${path}:3`, `${path}:4`];
}

const SMALL_BUDGET = 60;

const bigFile = pullRequestFile({
  path: "src/big.ts",
  patch: addedPatch(
    Array.from({ length: 30 }, (_, index) => `export const line${index + 1} = ${index + 1};`),
  ),
});
const rowsOfBigFile = Array.from({ length: 30 }, (_, index) => `src/big.ts:${index + 1}`);

/** The diff rows of a request: `path:line` for numbered rows, `path:-content` for deleted rows. */
function rowsOf(request: ModelRequest): string[] {
  let path = "";
  const rows: string[] = [];
  for (const line of diffOf(request).split("\n")) {
    const header = /^=== FILE: (.+?) ===$/.exec(line);
    const numbered = /^\s*(\d+) \|[+ ]/.exec(line);
    const deleted = /^\s* \|-(.*)$/.exec(line);
    if (header) path = header[1] ?? "";
    else if (numbered) rows.push(`${path}:${numbered[1]}`);
    else if (deleted) rows.push(`${path}:-${deleted[1]}`);
  }
  return rows;
}

function finding(path: string, line: number, title: string) {
  return { path, line, severity: "major", title, body: `${title}, explained.` };
}

function balanceExhausted(): ModelRequestError {
  return new ModelRequestError({
    message: "DeepSeek answered HTTP 402",
    userMessage: "the DeepSeek balance is exhausted",
    retryable: false,
    status: 402,
  });
}

function usage(hit: number, miss: number, completion: number): Usage {
  return { promptCacheHitTokens: hit, promptCacheMissTokens: miss, completionTokens: completion };
}

async function review(params: {
  files: PullRequestFile[];
  script: ModelScript;
  settings?: Partial<ReviewSettings>;
  limit?: Limit;
  now?: () => Date;
  meter?: SpendMeter;
}) {
  const github = createRecordingGateway({ headSha: HEAD_SHA, files: params.files, reviewId: 42 });
  const model = createScriptedModel(params.script);
  const log = createRecordingLogger();
  const outcome = await reviewPullRequest({
    pr,
    github,
    model,
    settings: { ...settings, ...params.settings },
    limit: params.limit ?? noLimit,
    countTokens: estimateTokens,
    log,
    ...(params.now === undefined ? {} : { now: params.now }),
    ...(params.meter === undefined ? {} : { meter: params.meter }),
  });
  return { outcome, github, model, log };
}

describe("reviewPullRequest", () => {
  describe("with more chunks than the limit lets run at once", () => {
    const files = [..."abcdef"].map((name) => smallFile(name)).concat(bigFile);

    it("asks about several chunks at a time, never more than the limit", async () => {
      const github = createRecordingGateway({ headSha: HEAD_SHA, files, reviewId: 42 });
      const waiting: Deferred<ModelResponse>[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const model = createScriptedModel(async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const answer = createDeferred<ModelResponse>();
        waiting.push(answer);
        const response = await answer.promise;
        inFlight -= 1;
        return response;
      });
      let settled = false;
      const running = reviewPullRequest({
        pr,
        github,
        model,
        settings: { ...settings, maxChunkTokens: SMALL_BUDGET },
        limit: createLimit(2),
        countTokens: estimateTokens,
        log: createRecordingLogger(),
      }).finally(() => {
        settled = true;
      });

      // Answer the oldest request whenever every task that may start has started.
      let answered = 0;
      for (;;) {
        await flushPromises();
        if (settled) break;
        const next = waiting[answered];
        if (next === undefined) throw new Error("the review waits on no model call");
        next.resolve(answerWith([]));
        answered += 1;
      }
      const outcome = await running;

      expect(model.requests.length).toBeGreaterThan(6);
      expect(answered).toBe(model.requests.length);
      expect(maxInFlight).toBe(2);
      expect(outcome.requests).toBe(model.requests.length);
      expect(github.reviews).toHaveLength(1);
    });

    it("sends every line of the diff in exactly one request", async () => {
      const { model } = await review({
        files,
        script: () => answerWith([]),
        settings: { maxChunkTokens: SMALL_BUDGET },
      });

      const expected = [...[..."abcdef"].flatMap(rowsOfSmallFile), ...rowsOfBigFile].sort();
      expect(model.requests.flatMap(rowsOf).sort()).toEqual(expected);
      expect(filesOf(model.requests[0] as ModelRequest)).toEqual(["src/a.ts"]);
      expect(
        model.requests.filter((request) => filesOf(request).includes("src/big.ts")).length,
      ).toBeGreaterThan(1);
    });

    it("sends the same system message, and the same text before the diff, in every request", async () => {
      const { model } = await review({
        files,
        script: () => answerWith([]),
        settings: { maxChunkTokens: SMALL_BUDGET },
      });

      const [first, ...others] = model.requests;
      if (first === undefined) throw new Error("no request");
      const prefix = (request: ModelRequest) => request.messages[1]?.content.split("<diff>")[0];
      expect(others.length).toBeGreaterThan(5);
      for (const request of others) {
        expect(request.messages.map((message) => message.role)).toEqual(["system", "user"]);
        expect(request.messages[0]?.content).toBe(first.messages[0]?.content);
        expect(prefix(request)).toBe(prefix(first));
      }
    });
  });

  describe("when one chunk fails and the others are reviewed", () => {
    it("posts one review that names the failed files and why", async () => {
      const { outcome, github } = await review({
        files: [smallFile("a"), smallFile("b"), smallFile("c")],
        script: (request) => {
          const [path = ""] = filesOf(request);
          return path === "src/b.ts"
            ? balanceExhausted()
            : answerWith([finding(path, 2, `Wrong value in ${path}`)], usage(100, 10, 5));
        },
        settings: { maxChunkTokens: SMALL_BUDGET },
      });

      expect(github.reviews).toHaveLength(1);
      const [posted] = github.reviews;
      expect(posted?.commitId).toBe(HEAD_SHA);
      expect(posted?.comments.map((comment) => [comment.path, comment.line])).toEqual([
        ["src/a.ts", 2],
        ["src/c.ts", 2],
      ]);
      expect(posted?.body).toContain(
        "#### Not reviewed\n\nThe model could not review these files:\n\n- `src/b.ts`: the DeepSeek balance is exhausted",
      );
      expect(posted?.body).toContain("<summary>Reviewed 2 files</summary>\n\n- `src/a.ts`\n- `src/c.ts`\n");
      expect(outcome).toEqual({
        status: "posted",
        reviewId: 42,
        model: "deepseek-v4-flash",
        models: [
          { model: "deepseek-v4-flash", requests: 2, usage: usage(200, 20, 10), costUsd: expect.any(Number) },
        ],
        requests: 2,
        usage: usage(200, 20, 10),
        costUsd: expect.any(Number),
        findingsPosted: 2,
        findingsNotInline: 0,
        findingsAlreadyPosted: 0,
        filesReviewed: 2,
        filesSkipped: 0,
        failures: [{ paths: ["src/b.ts"], reason: "the DeepSeek balance is exhausted", retryable: false }],
        failed: false,
        findingsBySeverity: { critical: 0, major: 2, minor: 0, nit: 0 },
        notes: [expect.stringContaining("Not every file could be reviewed")],
        reviewed: { head: HEAD_SHA, base: pr.baseSha, complete: false },
        // The findings shown, for the CLI's and the Action's reports: the two posted inline.
        findings: [
          expect.objectContaining({ path: "src/a.ts", line: 2 }),
          expect.objectContaining({ path: "src/c.ts", line: 2 }),
        ],
      });
    });
  });

  describe("when every chunk fails", () => {
    it("still posts one review that explains why, and reports the review as failed", async () => {
      const { outcome, github } = await review({
        files: [smallFile("a"), smallFile("b"), smallFile("c")],
        script: () => balanceExhausted(),
        settings: { maxChunkTokens: SMALL_BUDGET },
      });

      expect(github.reviews).toHaveLength(1);
      const [posted] = github.reviews;
      expect(posted?.comments).toEqual([]);
      expect(posted?.body).toContain(
        "#### Not reviewed\n\nThe model could not review these files:\n\n" +
          "- `src/a.ts`, `src/b.ts`, `src/c.ts`: the DeepSeek balance is exhausted",
      );
      expect(outcome).toMatchObject({
        requests: 0,
        costUsd: 0,
        filesReviewed: 0,
        failures: [
          { paths: ["src/a.ts"], reason: "the DeepSeek balance is exhausted" },
          { paths: ["src/b.ts"], reason: "the DeepSeek balance is exhausted" },
          { paths: ["src/c.ts"], reason: "the DeepSeek balance is exhausted" },
        ],
        failed: true,
      });
    });

    it("names a file cut across several chunks once", async () => {
      const { outcome, github } = await review({
        files: [bigFile],
        script: () => balanceExhausted(),
        settings: { maxChunkTokens: SMALL_BUDGET },
      });

      expect(outcome.failures.length).toBeGreaterThan(1);
      expect(github.reviews[0]?.body.match(/`src\/big\.ts`/g)).toEqual(["`src/big.ts`"]);
    });
  });

  describe("when a chunk is split and only one half is answered", () => {
    it("does not report the review as failed", async () => {
      const { outcome, github } = await review({
        files: [smallFile("a"), smallFile("b")],
        script: (request) => {
          const files = filesOf(request).join(",");
          if (files === "src/a.ts") return answerWith([]);
          if (files === "src/b.ts") return balanceExhausted();
          return cutOffAnswer();
        },
      });

      expect(outcome).toMatchObject({
        requests: 2,
        filesReviewed: 1,
        failures: [{ paths: ["src/b.ts"], reason: "the DeepSeek balance is exhausted" }],
        failed: false,
      });
      expect(github.reviews[0]?.body).toContain("- `src/b.ts`: the DeepSeek balance is exhausted");
    });
  });

  describe("when no file can be reviewed", () => {
    it("posts one review saying nothing was sent, without asking the model", async () => {
      const { outcome, github, model } = await review({
        files: [
          pullRequestFile({
            path: "package-lock.json",
            patch: '@@ -1 +1 @@\n-  "version": "1.0.0"\n+  "version": "1.0.1"',
          }),
          pullRequestFile({ path: "src/old.ts", status: "removed", patch: "@@ -1 +0,0 @@\n-export {};" }),
        ],
        script: [],
      });

      expect(model.requests).toEqual([]);
      expect(github.reviews).toEqual([
        {
          commitId: HEAD_SHA,
          body:
            "### DeepSeek review\n\nNothing was sent to the model: all 2 changed files were skipped.\n\n" +
            "- `package-lock.json`: lock file\n- `src/old.ts`: removed\n\n---\n<sub>Commit 0123456</sub>",
          comments: [],
          record: { base: pr.baseSha, complete: true },
        },
      ]);
      expect(outcome).toEqual({
        status: "posted",
        reviewId: 42,
        model: "deepseek-v4-flash",
        models: [],
        requests: 0,
        usage: usage(0, 0, 0),
        costUsd: 0,
        findingsPosted: 0,
        findingsNotInline: 0,
        findingsAlreadyPosted: 0,
        filesReviewed: 0,
        filesSkipped: 2,
        failures: [],
        failed: false,
        findingsBySeverity: { critical: 0, major: 0, minor: 0, nit: 0 },
        notes: [],
        reviewed: { head: HEAD_SHA, base: pr.baseSha, complete: true },
      });
    });
  });

  describe("when the pull request is too expensive to plan", () => {
    it("posts a review saying so, lists every file as not reviewed, and leaves the head unreviewed", async () => {
      const github = createRecordingGateway({
        headSha: HEAD_SHA,
        files: [smallFile("a"), smallFile("b")],
        reviewId: 42,
      });
      const model = createScriptedModel([]);
      const outcome = await reviewPullRequest({
        pr,
        github,
        model,
        settings,
        limit: noLimit,
        countTokens: estimateTokens,
        log: createRecordingLogger(),
        planChunks: async () => {
          throw new PlanTimeoutError(60_000);
        },
      });

      expect(model.requests).toEqual([]);
      const body = github.reviews[0]?.body ?? "";
      expect(body).toContain("Nothing was sent to the model: all 2 changed files were skipped.");
      expect(body).toContain(
        "**Too expensive to plan:** reading this pull request's files took longer than 60 s",
      );
      expect(body).toContain(
        "- `src/a.ts`: not reviewed: too expensive to plan\n- `src/b.ts`: not reviewed: too expensive to plan",
      );
      expect(body).not.toContain("deepseek-review:reviewed=");
      expect(outcome).toMatchObject({
        status: "posted",
        reviewId: 42,
        requests: 0,
        filesSkipped: 2,
        failed: true,
        failures: [
          {
            paths: ["src/a.ts", "src/b.ts"],
            reason: "too expensive to plan: planning took longer than 60 s",
          },
        ],
      });
    });

    it("lets any other planning failure through", async () => {
      const failing = reviewPullRequest({
        pr,
        github: createRecordingGateway({ headSha: HEAD_SHA, files: [smallFile("a")] }),
        model: createScriptedModel([]),
        settings,
        limit: noLimit,
        countTokens: estimateTokens,
        log: createRecordingLogger(),
        planChunks: async () => {
          throw new Error("Chunk planning failed: boom");
        },
      });
      await expect(failing).rejects.toThrow("Chunk planning failed: boom");
    });
  });

  describe("on the main thread", () => {
    it("sends the plan's lines, title and description as they are: nothing is masked or counted again", async () => {
      const token = `ghp_${"a1B2c3D4e5F6".repeat(3)}`;
      const github = createRecordingGateway({ headSha: HEAD_SHA, files: [smallFile("a")], reviewId: 42 });
      const model = createScriptedModel(() => answerWith([]));
      let counted = 0;
      await reviewPullRequest({
        pr,
        github,
        model,
        settings,
        limit: noLimit,
        countTokens: () => {
          counted++;
          return 1;
        },
        log: createRecordingLogger(),
        // A stand-in planner whose lines hold a token: whatever it returns goes out unchanged.
        planChunks: async () => ({
          skipped: [],
          parseErrors: [],
          diffs: [],
          inScope: ["src/a.ts"],
          kept: ["src/a.ts"],
          overBudget: [],
          lanes: [
            {
              model: "deepseek-v4-flash",
              files: ["src/a.ts"],
              chunks: [
                {
                  files: [
                    {
                      path: "src/a.ts",
                      header: "=== FILE: src/a.ts ===\n",
                      headerTokens: 1,
                      hunks: [
                        {
                          oldStart: 0,
                          newStart: 1,
                          heading: "",
                          headerTokens: 1,
                          markers: "+",
                          lines: [`    1 |+${token}\n`],
                          lineTokens: [1],
                        },
                      ],
                    },
                  ],
                  tokens: 3,
                },
              ],
            },
          ],
          pr: { title: "planned title", body: "planned body" },
        }),
      });

      const sent = diffOf(model.requests[0]);
      expect(sent).toContain(`    1 |+${token}`);
      expect(model.requests[0]?.messages[1]?.content).toContain("<pr_title>\nplanned title\n</pr_title>");
      expect(model.requests[0]?.messages[1]?.content).toContain(
        "<pr_description>\nplanned body\n</pr_description>",
      );
      expect(counted).toBe(0);
    });
  });

  describe("when a file's patch cannot be parsed", () => {
    it("skips it with a reason and reviews the rest", async () => {
      const { outcome, github, model, log } = await review({
        files: [
          pullRequestFile({ path: "src/bad.ts", patch: "@@ -1,2 +1,2 @@\n+only one line" }),
          smallFile("a"),
        ],
        script: () => answerWith([]),
      });

      expect(model.requests.map(filesOf)).toEqual([["src/a.ts"]]);
      expect(github.reviews[0]?.body).toContain(
        "<summary>Skipped 1 file</summary>\n\n- `src/bad.ts`: its patch could not be parsed\n",
      );
      expect(outcome).toMatchObject({ filesReviewed: 1, filesSkipped: 1, failed: false });
      expect(log.withMessage("patch not parsed")).toEqual([
        {
          level: "warn",
          obj: {
            path: "src/bad.ts",
            err: { message: expect.stringMatching(/^Cannot parse the patch of src\/bad\.ts: /) },
          },
          msg: "patch not parsed",
        },
      ]);
    });
  });

  describe("cost", () => {
    const discounted: PriceTable = {
      ...DEFAULT_PRICES,
      "deepseek-v4-flash": {
        cacheHit: 0.028,
        cacheMiss: 0.14,
        output: 0.28,
        windows: [{ start: "16:30", end: "00:30", cacheHit: 0.007, cacheMiss: 0.035, output: 0.07 }],
      },
    };

    // Two responses: a prose answer (billed, then asked again) and a valid one.
    // Base rates: (4,000 × 0.028 + 2,000 × 0.14 + 800 × 0.28) / 1M = $0.000616; the window's are a quarter of them.
    it.each([
      { prices: DEFAULT_PRICES, at: "2026-03-02T17:00:00Z", costUsd: 0.000616, shown: "$0.000616" },
      { prices: discounted, at: "2026-03-02T12:00:00Z", costUsd: 0.000616, shown: "$0.000616" },
      { prices: discounted, at: "2026-03-02T17:00:00Z", costUsd: 0.000154, shown: "$0.000154" },
      { prices: discounted, at: "2026-03-03T00:29:00Z", costUsd: 0.000154, shown: "$0.000154" },
    ])("adds up every response, failed attempts included, at $at", async ({ prices, at, costUsd, shown }) => {
      const { outcome, github } = await review({
        files: [smallFile("a")],
        script: [proseAnswer(usage(1_000, 2_000, 300)), answerWith([], usage(3_000, 0, 500))],
        settings: { prices },
        now: () => new Date(at),
      });

      expect(outcome.requests).toBe(2);
      expect(outcome.usage).toEqual(usage(4_000, 2_000, 800));
      expect(outcome.costUsd).toBeCloseTo(costUsd, 15);
      expect(github.reviews[0]?.body).toContain(
        `· 2 requests · tokens: 4,000 cache hit, 2,000 cache miss, 800 output · ${shown} · commit 0123456</sub>`,
      );
    });

    it("prices each response at the time it arrived, not when the review ended", async () => {
      // The first answer arrives at 16:29, before the discount window; the second at 16:31, inside it.
      let clock = "2026-03-02T16:00:00Z";
      const arriving =
        (at: string, response: ReturnType<typeof answerWith>): (() => ReturnType<typeof answerWith>) =>
        () => {
          clock = at;
          return response;
        };
      const first = arriving("2026-03-02T16:29:00Z", proseAnswer(usage(1_000, 2_000, 300)));
      const second = arriving("2026-03-02T16:31:00Z", answerWith([], usage(3_000, 0, 500)));
      const { outcome } = await review({
        files: [smallFile("a")],
        script: (_request, call) => (call === 1 ? first() : second()),
        settings: { prices: discounted },
        now: () => new Date(clock),
      });

      // (1,000 × 0.028 + 2,000 × 0.14 + 300 × 0.28) / 1M at base rates, (3,000 × 0.007 + 500 × 0.07) / 1M in the window.
      expect(outcome.costUsd).toBeCloseTo(0.000392 + 0.000056, 15);
    });
  });

  describe("with a ceiling of dollars per review", () => {
    it("posts that nothing was sent, and calls no model, when the plan's estimate passes the ceiling", async () => {
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCostUsd: 0.001 } });
      const { outcome, github, model } = await review({
        files: [smallFile("a"), smallFile("b")],
        script: [],
        settings: { maxChunkTokens: SMALL_BUDGET },
        meter,
      });

      expect(model.requests).toHaveLength(0);
      const reason = expect.stringMatching(
        /^not sent to the model: this review may cost up to \$0\.00\d+, over its ceiling of \$0\.00100 \(`REVIEW_MAX_COST_USD`\)$/,
      );
      expect(outcome).toMatchObject({
        requests: 0,
        costUsd: 0,
        failed: true,
        failures: [{ reason }, { reason }],
      });
      const body = github.reviews[0]?.body ?? "";
      expect(body).toContain(
        "**Nothing could be reviewed:** not sent to the model: this review may cost up to",
      );
      expect(body).not.toContain("deepseek-review:reviewed");
      expect(meter.totals().limitReached).toMatchObject({ scope: "review", unit: "usd" });
    });

    it("stops asking once the next call could pass the ceiling, and names what it could not review", async () => {
      // Room for the plan (one chunk) but not for all the pieces of a chunk whose answer is cut off every time.
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCostUsd: 0.005 } });
      const { outcome, github, model } = await review({
        files: [bigFile],
        script: () => cutOffAnswer(usage(0, 2_000, 4_096)),
        meter,
      });

      expect(model.requests.length).toBeGreaterThan(1);
      expect(model.requests.length).toBeLessThan(7);
      expect(outcome.costUsd).toBeLessThanOrEqual(0.005);
      expect(outcome.failures.map((failure) => failure.reason)).toContain(
        "this review reached its ceiling of $0.00500 (`REVIEW_MAX_COST_USD`)",
      );
      expect(github.reviews[0]?.body).toContain("`src/big.ts`: this review reached its ceiling of $0.00500");
    });
  });
});
