import { afterEach, describe, expect, it, vi } from "vitest";
import { createModelClient } from "../../src/llm/create-model-client.js";
import { estimateTokens } from "../../src/review/count-tokens.js";
import { type ReviewSettings, reviewPullRequest } from "../../src/review/review-pull-request.js";
import type { PullRequestFile, PullRequestInfo } from "../../src/review/types.js";
import {
  chatCompletion,
  errorAnswer,
  type FakeDeepSeek,
  type FakeDeepSeekRequest,
  type FakeDeepSeekScript,
  type FakeDeepSeekStep,
  findingsCompletion,
  startFakeDeepSeek,
  userMessageOf,
} from "../helpers/fake-deepseek.js";
import {
  addedPatch,
  createRecordingGateway,
  createRecordingLogger,
  noLimit,
  pullRequestFile,
  reviewSettings,
} from "../helpers/fakes.js";

/**
 * DeepSeek's faults, played by a local HTTP server and met by the real openai SDK client: what the user sees in the
 * posted review, how many requests were made, and that nothing is lost or leaked.
 */

const API_KEY = "sk-faulttest0123456789abcdefghijklmn";
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

/** A file with added lines 2 and 3: about 45 estimated tokens of diff. */
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

/** With this budget every `smallFile` is a chunk of its own. */
const ONE_FILE_PER_CHUNK = 60;

function findingOn(name: string, line: number) {
  return {
    path: `src/${name}.ts`,
    line,
    severity: "major",
    title: `${name} line ${line} is wrong`,
    body: `The value on line ${line} of ${name} breaks the caller.`,
  };
}

/** The answer that reports one finding on the first added line of `smallFile(name)`. */
function answerFor(name: string): FakeDeepSeekStep {
  return findingsCompletion([findingOn(name, 2)]);
}

/** The paths of the FILE headers of a recorded request. */
function filesOf(request: FakeDeepSeekRequest): string[] {
  return [...userMessageOf(request).matchAll(/^=== FILE: (.+?) ===$/gm)].map((match) => match[1] ?? "");
}

/** A script per file path (a request is routed by its first FILE header), called with the attempt from 1. */
function byFile(scripts: Record<string, (attempt: number) => FakeDeepSeekStep>): FakeDeepSeekScript {
  const attempts = new Map<string, number>();
  return (request) => {
    const path = filesOf(request)[0] ?? "";
    const attempt = (attempts.get(path) ?? 0) + 1;
    attempts.set(path, attempt);
    const script = scripts[path];
    return script === undefined ? errorAnswer(500, `no script for ${path}`) : script(attempt);
  };
}

function requestsFor(server: FakeDeepSeek, path: string): FakeDeepSeekRequest[] {
  return server.requests.filter((request) => filesOf(request)[0] === path);
}

/** Milliseconds between consecutive requests. */
function gaps(requests: FakeDeepSeekRequest[]): number[] {
  return requests.slice(1).map((request, index) => request.receivedAt - (requests[index]?.receivedAt ?? 0));
}

const servers: FakeDeepSeek[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function runReview(params: {
  script: FakeDeepSeekScript;
  files?: PullRequestFile[];
  maxRetries?: number;
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  settings?: Partial<ReviewSettings>;
}) {
  const server = await startFakeDeepSeek(params.script);
  servers.push(server);
  const github = createRecordingGateway({ headSha: HEAD_SHA, files: params.files ?? [smallFile("alpha")] });
  const log = createRecordingLogger();
  const outcome = await reviewPullRequest({
    pr,
    github,
    model: createModelClient({
      apiKey: API_KEY,
      baseURL: server.url,
      timeoutMs: params.timeoutMs ?? 5_000,
      maxRetries: params.maxRetries ?? 2,
      ...(params.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: params.maxRetryAfterMs }),
    }),
    settings: reviewSettings(params.settings ?? {}),
    limit: noLimit,
    countTokens: estimateTokens,
    log,
  });
  expect(github.reviews).toHaveLength(1);
  const review = github.reviews[0] ?? { body: "", comments: [], commitId: "" };
  // A request the client gave up on is closed, not left open on the server.
  await vi.waitFor(() => expect(server.inFlight()).toBe(0));
  return { server, review, outcome, log, placed: review.comments.map((c) => `${c.path}:${c.line}`) };
}

describe("DeepSeek faults, through the openai SDK client and a local server", () => {
  describe("when DeepSeek answers 429 with retry-after: 1", () => {
    it("waits the second it asks for, then posts the review", async () => {
      const { server, placed, review } = await runReview({
        script: [errorAnswer(429, "Rate limit reached", { "retry-after": "1" }), answerFor("alpha")],
      });

      expect(server.requests).toHaveLength(2);
      expect(gaps(server.requests)[0]).toBeGreaterThanOrEqual(950);
      expect(placed).toEqual(["src/alpha.ts:2"]);
      expect(review.body).not.toContain("Not reviewed");
    });
  });

  describe("when DeepSeek asks to wait longer than the app waits", () => {
    it("does not wait, asks once, and names the file with how long DeepSeek asked", async () => {
      const { server, review, outcome } = await runReview({
        script: () => errorAnswer(429, "Rate limit reached", { "retry-after": "5" }),
        maxRetryAfterMs: 2_000,
      });

      expect(server.requests).toHaveLength(1);
      expect(review.body).toContain(
        "- `src/alpha.ts`: DeepSeek asked to wait 5 s, longer than the app waits (2 s)",
      );
      expect(outcome.failed).toBe(true);
    });
  });

  describe("when DeepSeek answers a server error once", () => {
    it("retries a 500 after the SDK's backoff (0.5 s less up to a quarter of jitter)", async () => {
      const { server, placed } = await runReview({
        script: [errorAnswer(500, "Internal error"), answerFor("alpha")],
      });

      expect(server.requests).toHaveLength(2);
      expect(gaps(server.requests)[0]).toBeGreaterThanOrEqual(370);
      expect(gaps(server.requests)[0]).toBeLessThan(1_000);
      expect(placed).toEqual(["src/alpha.ts:2"]);
    });

    it("retries a 503 after the retry-after-ms it asks for rather than the default backoff", async () => {
      const { server, placed } = await runReview({
        script: [errorAnswer(503, "Server overloaded", { "retry-after-ms": "50" }), answerFor("alpha")],
      });

      expect(server.requests).toHaveLength(2);
      expect(gaps(server.requests)[0]).toBeGreaterThanOrEqual(45);
      expect(gaps(server.requests)[0]).toBeLessThan(370);
      expect(placed).toEqual(["src/alpha.ts:2"]);
    });
  });

  describe("when the connection is reset", () => {
    it("retries and posts the review", async () => {
      const { server, placed, review } = await runReview({
        script: [{ kind: "reset" }, answerFor("alpha")],
      });

      expect(server.requests).toHaveLength(2);
      expect(placed).toEqual(["src/alpha.ts:2"]);
      expect(review.body).not.toContain("Not reviewed");
    });
  });

  describe("when DeepSeek does not answer", () => {
    it("gives up after timeoutMs and retries", async () => {
      const { server, placed } = await runReview({
        script: [{ kind: "hang" }, answerFor("alpha")],
        timeoutMs: 300,
      });

      expect(server.requests).toHaveLength(2);
      // The timeout, then the first backoff (at least 375 ms).
      expect(gaps(server.requests)[0]).toBeGreaterThanOrEqual(300 + 370);
      expect(placed).toEqual(["src/alpha.ts:2"]);
    });

    it("names the file as not answered in time when every attempt hangs, and posts the rest", async () => {
      const { server, placed, review, outcome } = await runReview({
        script: byFile({
          "src/alpha.ts": () => answerFor("alpha"),
          "src/beta.ts": () => ({ kind: "hang" }),
        }),
        files: [smallFile("alpha"), smallFile("beta")],
        settings: { maxChunkTokens: ONE_FILE_PER_CHUNK },
        timeoutMs: 300,
        maxRetries: 1,
      });

      expect(requestsFor(server, "src/beta.ts")).toHaveLength(2);
      expect(requestsFor(server, "src/alpha.ts")).toHaveLength(1);
      expect(placed).toEqual(["src/alpha.ts:2"]);
      expect(review.body).toContain("#### Not reviewed");
      expect(review.body).toContain("- `src/beta.ts`: DeepSeek did not answer in time");
      expect(outcome.failures).toEqual([
        { paths: ["src/beta.ts"], reason: "DeepSeek did not answer in time", retryable: true },
      ]);
      expect(outcome.failed).toBe(false);
    });
  });

  describe("when DeepSeek answers 503 on every attempt", () => {
    it("makes exactly maxRetries + 1 requests, backing off exponentially, and says the server failed", async () => {
      const { server, review, outcome } = await runReview({
        script: () => errorAnswer(503, "Server overloaded"),
        maxRetries: 2,
      });

      expect(server.requests).toHaveLength(3);
      const [first, second] = gaps(server.requests);
      // 0.5 s then 1 s, each less up to a quarter of jitter.
      expect(first).toBeGreaterThanOrEqual(370);
      expect(first).toBeLessThan(750);
      expect(second).toBeGreaterThanOrEqual(745);
      expect(second).toBeLessThan(1_400);
      expect(review.body).toContain("**Nothing could be reviewed:** DeepSeek server error.");
      expect(review.body).toContain("- `src/alpha.ts`: DeepSeek server error");
      expect(outcome.failed).toBe(true);
    });
  });

  describe("when DeepSeek rejects the request", () => {
    it.each<[number, string, string]>([
      [400, "Prompt must contain the word 'json'", "DeepSeek rejected the request as invalid"],
      [401, "Authentication Fails, Your api key is invalid", "DeepSeek rejected the API key"],
      [402, "Insufficient Balance", "the DeepSeek balance is exhausted"],
      [422, "Invalid max_tokens value", "DeepSeek rejected the request as invalid"],
    ])("does not retry HTTP %i and says so without the API key", async (status, detail, userText) => {
      // DeepSeek's error text may echo the key: it must reach neither the review nor the logs.
      const { server, review, log } = await runReview({
        script: () => errorAnswer(status, `${detail} (key: ${API_KEY})`),
        maxRetries: 2,
      });

      expect(server.requests).toHaveLength(1);
      expect(review.body).toContain(`- \`src/alpha.ts\`: ${userText}`);
      const [line] = log.withMessage("chunk not reviewed");
      expect(JSON.stringify(line?.obj)).toContain(`DeepSeek answered HTTP ${status}`);
      expect(JSON.stringify(log.entries)).not.toContain(API_KEY);
      expect(review.body).not.toContain(API_KEY);
    });

    it("logs DeepSeek's explanation of a 400, with the key masked", async () => {
      const { log } = await runReview({
        script: () => errorAnswer(400, `Prompt must contain the word 'json' (key: ${API_KEY})`),
      });

      const [line] = log.withMessage("chunk not reviewed");
      expect(line?.obj).toEqual({
        paths: ["src/alpha.ts"],
        err: {
          name: "ModelRequestError",
          message: "DeepSeek answered HTTP 400: Prompt must contain the word 'json' (key: sk-…)",
        },
      });
    });
  });

  describe("when the answer is blank, not JSON or cut off", () => {
    it("asks again after a blank and a non-JSON answer, and posts the third", async () => {
      const { server, placed, log } = await runReview({
        script: [
          chatCompletion({ content: "   \n  " }),
          chatCompletion({ content: "The change looks fine to me." }),
          answerFor("alpha"),
        ],
      });

      expect(server.requests).toHaveLength(3);
      expect(placed).toEqual(["src/alpha.ts:2"]);
      expect(log.withMessage("unusable model answer, asking again").map((entry) => entry.obj)).toEqual([
        { attempt: 1, reason: "blank" },
        { attempt: 2, reason: "not JSON" },
      ]);
    });

    it("stops after three unusable answers and names the file as not reviewed", async () => {
      const { server, review } = await runReview({
        script: () => chatCompletion({ content: "Sure! Here is my review: all good." }),
      });

      expect(server.requests).toHaveLength(3);
      expect(review.body).toContain("- `src/alpha.ts`: the model did not return a usable answer");
    });

    it("splits a chunk whose answer is cut off, without asking the same again, and posts both halves' findings", async () => {
      const lines = Array.from({ length: 8 }, (_, index) => `export const line${index + 1} = ${index + 1};`);
      const { server, placed, review } = await runReview({
        files: [pullRequestFile({ path: "src/long.ts", patch: addedPatch(lines) })],
        script: (request) => {
          const numbers = [...userMessageOf(request).matchAll(/^ *(\d+) \|\+/gm)].map((m) => Number(m[1]));
          if (numbers.length === lines.length) {
            return chatCompletion({ content: '{"findings":[{"path":"src/lo', finishReason: "length" });
          }
          return findingsCompletion([{ ...findingOn("long", numbers[0] ?? 0), path: "src/long.ts" }]);
        },
      });

      // One cut-off answer for the whole file, then one request per half.
      expect(server.requests).toHaveLength(3);
      expect(placed.sort()).toEqual(["src/long.ts:1", "src/long.ts:5"]);
      expect(review.body).not.toContain("Not reviewed");
    });

    it("reads an answer that DeepSeek starts with keep-alive blank lines", async () => {
      const { placed } = await runReview({
        script: [{ ...findingsCompletion([findingOn("alpha", 2)]), keepAliveLines: 3 } as FakeDeepSeekStep],
      });

      expect(placed).toEqual(["src/alpha.ts:2"]);
    });
  });

  describe("when the HTTP body of a 200 cannot be read", () => {
    it.each<[string, FakeDeepSeekStep]>([
      [
        "the connection drops in the middle of the body",
        { ...findingsCompletion([findingOn("beta", 2)]), cutAfterBytes: 40 } as FakeDeepSeekStep,
      ],
      [
        "the body is only keep-alive blank lines",
        { kind: "answer", status: 200, body: "", keepAliveLines: 3 },
      ],
      ["the body is cut-off JSON", { kind: "answer", status: 200, body: '{"id":"chatcmpl-1","choices":[' }],
      [
        "the body does not finish before the timeout",
        { kind: "answer", status: 200, body: "", keepAliveLines: 100, keepAliveIntervalMs: 20 },
      ],
    ])("asks again, counts every billed attempt, and still posts the review when %s", async (_, step) => {
      const { server, placed, review, outcome } = await runReview({
        script: byFile({ "src/alpha.ts": () => answerFor("alpha"), "src/beta.ts": () => step }),
        files: [smallFile("alpha"), smallFile("beta")],
        settings: { maxChunkTokens: ONE_FILE_PER_CHUNK },
        timeoutMs: 300,
      });

      expect(placed).toEqual(["src/alpha.ts:2"]);
      // Three billed attempts in all (completeJson's bound), not three per retry of the client.
      expect(requestsFor(server, "src/beta.ts")).toHaveLength(3);
      expect(review.body).toContain("- `src/beta.ts`: DeepSeek's answer broke off in transit");
      // Each broken attempt was billed: counted at its upper bound, beside alpha's reported usage.
      expect(outcome.requests).toBe(4);
      expect(outcome.usage.completionTokens).toBe(50 + 3 * 4_096);
      expect(outcome.usage.promptCacheMissTokens).toBeGreaterThan(1_000 + 3 * 1_000);
      expect(outcome.costUsd).toBeGreaterThan(0.0035);
    });
  });

  describe("when one chunk keeps failing", () => {
    it("posts the other chunk's findings and names the failed file under Not reviewed", async () => {
      const { server, placed, review, outcome } = await runReview({
        script: byFile({
          "src/alpha.ts": () => answerFor("alpha"),
          "src/beta.ts": () => errorAnswer(500, "Internal error", { "retry-after-ms": "10" }),
        }),
        files: [smallFile("alpha"), smallFile("beta")],
        settings: { maxChunkTokens: ONE_FILE_PER_CHUNK },
      });

      expect(requestsFor(server, "src/beta.ts")).toHaveLength(3);
      expect(placed).toEqual(["src/alpha.ts:2"]);
      expect(review.body).toContain("**1 finding** in 1 file reviewed");
      expect(review.body).toContain(
        "#### Not reviewed\n\nThe model could not review these files:\n\n- `src/beta.ts`: DeepSeek server error",
      );
      expect(outcome.filesReviewed).toBe(1);
      expect(outcome.failed).toBe(false);
    });
  });
});
