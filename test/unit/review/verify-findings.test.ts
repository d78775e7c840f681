import { describe, expect, it } from "vitest";
import type { ModelRequest, ModelResponse, Usage } from "../../../src/llm/types.js";
import { readFindingRecord } from "../../../src/records/read-record.js";
import type { FindingIdentity } from "../../../src/records/record-schema.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { type ReviewSettings, reviewPullRequest } from "../../../src/review/review-pull-request.js";
import type { PullRequestInfo } from "../../../src/review/types.js";
import { VERIFY_SYSTEM_PROMPT } from "../../../src/review/verify-findings.js";
import {
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
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
  title: "Load users",
  body: "",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

const fileOf = (name: string) =>
  pullRequestFile({
    path: `src/${name}.ts`,
    patch: [
      "@@ -1,2 +1,4 @@",
      " const a = 1;",
      "+const b = user.name;",
      "+const c = rows[n];",
      " const d = 4;",
    ].join("\n"),
  });

const finding = (path: string, line: number, severity: string, title: string) => ({
  path,
  line,
  severity,
  category: "null-safety",
  title,
  body: `${title}, explained.`,
});

const REVIEW_USAGE: Usage = { promptCacheHitTokens: 0, promptCacheMissTokens: 10_000, completionTokens: 500 };
const VERIFY_USAGE: Usage = { promptCacheHitTokens: 0, promptCacheMissTokens: 1_000, completionTokens: 50 };

const isVerification = (request: ModelRequest) => request.messages[0]?.content === VERIFY_SYSTEM_PROMPT;

function verdicts(list: { id: number; verdict: string; reason?: string }[]): ModelResponse {
  return {
    content: JSON.stringify({ verdicts: list.map((one) => ({ reason: "because", ...one })) }),
    finishReason: "stop",
    usage: VERIFY_USAGE,
  };
}

async function review(params: {
  findings: unknown[];
  verify: (request: ModelRequest) => ModelResponse | Error;
  settings?: Partial<ReviewSettings>;
  files?: string[];
  postedFindings?: FindingIdentity[];
}) {
  const github = createRecordingGateway({
    headSha: HEAD_SHA,
    files: (params.files ?? ["a"]).map(fileOf),
    reviewId: 42,
    ...(params.postedFindings === undefined ? {} : { postedFindings: params.postedFindings }),
  });
  const model = createScriptedModel((request) =>
    isVerification(request) ? params.verify(request) : answerWith(params.findings, REVIEW_USAGE),
  );
  const log = createRecordingLogger();
  const outcome = await reviewPullRequest({
    pr,
    github,
    model,
    settings: { ...reviewSettings(), verify: true, verifyModel: "deepseek-v4-flash", ...params.settings },
    limit: noLimit,
    countTokens: estimateTokens,
    log,
  });
  return { outcome, github, model, log };
}

describe("the verification pass", () => {
  it("drops rejected findings, counts them in the body and the log, and bills its call", async () => {
    const { outcome, github, model, log } = await review({
      findings: [
        finding("src/a.ts", 2, "major", "user may be undefined"),
        finding("src/a.ts", 3, "critical", "index out of range"),
      ],
      verify: () =>
        verdicts([
          { id: 1, verdict: "rejected", reason: "user is checked on line 1" },
          { id: 2, verdict: "confirmed" },
        ]),
    });
    expect(model.requests.filter(isVerification)).toHaveLength(1);
    const posted = github.reviews[0];
    expect(posted?.comments.map((comment) => comment.line)).toEqual([3]);
    expect(posted?.body).toContain("1 finding was rejected by the verification pass and not posted.");
    expect(posted?.body).not.toContain("user may be undefined");
    expect(log.withMessage("finding rejected by verification")).toEqual([
      expect.objectContaining({
        obj: { path: "src/a.ts", line: 2, severity: "major", category: "null-safety" },
      }),
    ]);
    expect(log.withMessage("verification done")[0]?.obj).toMatchObject({ checked: 2, rejected: 1, calls: 1 });
    expect(outcome.findingsPosted).toBe(1);
    expect(outcome.requests).toBe(2);
    expect(outcome.usage.promptCacheMissTokens).toBe(11_000);
    expect(outcome.verification).toMatchObject({ checked: 2, rejected: 1, unverified: 0, calls: 1 });
    expect(outcome.verification?.costUsd).toBeGreaterThan(0);
    // A tenth of the review's tokens of each kind, at the same prices: a tenth of its cost.
    expect(outcome.verification?.costShare).toBeCloseTo(0.1, 10);
    expect(outcome.costUsd).toBeCloseTo((outcome.verification?.costUsd ?? 0) * 11, 10);
  });

  it("asks nothing about a finding already posted on the pull request: it is not posted again anyway", async () => {
    const loop = finding("src/a.ts", 3, "critical", "index out of range");
    const first = await review({
      findings: [loop],
      verify: () => verdicts([{ id: 1, verdict: "confirmed" }]),
    });
    const identity = readFindingRecord(first.github.reviews[0]?.comments[0]?.body);
    expect(identity).toBeDefined();

    const again = await review({
      findings: [loop, finding("src/a.ts", 2, "major", "user may be undefined")],
      verify: (request) => {
        // Only the new finding is sent.
        expect(request.messages[1]?.content).not.toContain("index out of range");
        return verdicts([{ id: 1, verdict: "confirmed" }]);
      },
      postedFindings: identity === undefined ? [] : [identity],
    });
    expect(again.model.requests.filter(isVerification)).toHaveLength(1);
    expect(again.outcome.verification).toMatchObject({ checked: 1 });
    expect(again.outcome.findingsAlreadyPosted).toBe(1);
    expect(again.github.reviews[0]?.comments.map((comment) => comment.line)).toEqual([2]);
  });

  it("sends the finding with the code it is about", async () => {
    const { model } = await review({
      findings: [finding("src/a.ts", 2, "major", "user may be undefined")],
      verify: () => verdicts([{ id: 1, verdict: "confirmed" }]),
    });
    const message = model.requests.find(isVerification)?.messages[1]?.content ?? "";
    expect(message).toContain("=== FILE: src/a.ts ===");
    expect(message).toContain("    2 |+const b = user.name;");
    expect(message).toContain('"title": "user may be undefined"');
  });

  it("batches a file's findings in one call, one call per file", async () => {
    const { model } = await review({
      files: ["a", "b"],
      findings: [
        finding("src/a.ts", 2, "major", "one"),
        finding("src/a.ts", 3, "major", "two"),
        finding("src/b.ts", 2, "major", "three"),
      ],
      verify: (request) => {
        const count = (request.messages[1]?.content.match(/"id": /g) ?? []).length;
        return verdicts(
          Array.from({ length: count }, (_, index) => ({ id: index + 1, verdict: "uncertain" })),
        );
      },
    });
    // Both files are in one chunk, whose answer lists all three findings; they are checked per file.
    const checks = model.requests.filter(isVerification);
    expect(checks).toHaveLength(2);
  });

  it("keeps every finding when the answer is not usable, and counts them", async () => {
    const { outcome, github, log } = await review({
      findings: [finding("src/a.ts", 2, "major", "one"), finding("src/a.ts", 3, "major", "two")],
      verify: () => ({ ...proseAnswer(), usage: VERIFY_USAGE }),
    });
    expect(github.reviews[0]?.comments).toHaveLength(2);
    expect(outcome.verification).toMatchObject({ checked: 2, rejected: 0, unverified: 2, calls: 1 });
    // The broken answer was billed all the same.
    expect(outcome.usage.promptCacheMissTokens).toBe(11_000);
    expect(log.withMessage("verification failed; findings kept")).toHaveLength(1);
  });

  it("keeps a finding the answer says nothing of, and ignores ids it never asked about", async () => {
    const { outcome, github } = await review({
      findings: [finding("src/a.ts", 2, "major", "one"), finding("src/a.ts", 3, "major", "two")],
      verify: () =>
        verdicts([
          { id: 2, verdict: "rejected" },
          { id: 7, verdict: "rejected" },
        ]),
    });
    expect(github.reviews[0]?.comments.map((comment) => comment.line)).toEqual([2]);
    expect(outcome.verification).toMatchObject({ rejected: 1, unverified: 1 });
  });

  it("checks only findings at or above the threshold", async () => {
    const { model, outcome } = await review({
      findings: [finding("src/a.ts", 2, "nit", "typo"), finding("src/a.ts", 3, "major", "bug")],
      verify: (request) => {
        expect(request.messages[1]?.content).not.toContain("typo");
        return verdicts([{ id: 1, verdict: "rejected" }]);
      },
    });
    expect(model.requests.filter(isVerification)).toHaveLength(1);
    expect(outcome.verification).toMatchObject({ checked: 1, rejected: 1 });
    expect(outcome.findingsPosted).toBe(1);
  });

  it("does not spend a call on a finding about a file the review did not send", async () => {
    const { model, outcome } = await review({
      findings: [finding("src/elsewhere.ts", 2, "major", "elsewhere")],
      verify: () => {
        throw new Error("not called");
      },
    });
    expect(model.requests.filter(isVerification)).toHaveLength(0);
    expect(outcome.verification).toMatchObject({ checked: 0, calls: 0 });
  });

  it("makes no call when it is off", async () => {
    const { model, outcome } = await review({
      findings: [finding("src/a.ts", 2, "major", "one")],
      verify: () => {
        throw new Error("not called");
      },
      settings: { verify: false },
    });
    expect(model.requests.filter(isVerification)).toHaveLength(0);
    expect(outcome.verification).toBeUndefined();
  });

  it("lists rejected findings in the body only with the debug option", async () => {
    const { github } = await review({
      findings: [finding("src/a.ts", 2, "major", "user may be undefined")],
      verify: () => verdicts([{ id: 1, verdict: "rejected", reason: "checked above" }]),
      settings: { showRejected: true },
    });
    expect(github.reviews[0]?.body).toContain(
      "- Rejected: `src/a.ts` line 2: user may be undefined (checked above)",
    );
  });
});
