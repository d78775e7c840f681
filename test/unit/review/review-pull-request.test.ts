import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, type PriceTable } from "../../../src/cost/prices.js";
import { ModelRequestError } from "../../../src/llm/errors.js";
import type { ModelRequest, ModelResponse, Usage } from "../../../src/llm/types.js";
import { createLimit } from "../../../src/queue/create-limit.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { type ReviewSettings, reviewPullRequest } from "../../../src/review/review-pull-request.js";
import type { PullRequestFile, PullRequestInfo } from "../../../src/review/types.js";
import type { Limit } from "../../../src/runtime/types.js";
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
}) {
  const github = createRecordingGateway({ files: params.files, reviewId: 42 });
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
  });
  return { outcome, github, model, log };
}

describe("reviewPullRequest", () => {
  describe("with more chunks than the limit lets run at once", () => {
    const files = [..."abcdef"].map((name) => smallFile(name)).concat(bigFile);

    it("asks about several chunks at a time, never more than the limit", async () => {
      const github = createRecordingGateway({ files, reviewId: 42 });
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
        failures: [{ paths: ["src/b.ts"], reason: "the DeepSeek balance is exhausted" }],
        failed: false,
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
        requests: 3,
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
      });
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
  });
});
