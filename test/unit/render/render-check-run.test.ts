import { describe, expect, it } from "vitest";
import { checkConclusion, renderCheckRun } from "../../../src/render/render-check-run.js";
import type { ReviewOutcome } from "../../../src/review/review-pull-request.js";

function outcome(overrides: Partial<ReviewOutcome> = {}): ReviewOutcome {
  return {
    status: "posted",
    reviewId: 77,
    model: "deepseek-v4-flash",
    models: [
      {
        model: "deepseek-v4-flash",
        requests: 2,
        usage: { promptCacheHitTokens: 1_000, promptCacheMissTokens: 500, completionTokens: 200 },
        costUsd: 0.000156,
      },
    ],
    requests: 2,
    usage: { promptCacheHitTokens: 1_000, promptCacheMissTokens: 500, completionTokens: 200 },
    costUsd: 0.000156,
    findingsPosted: 2,
    findingsNotInline: 1,
    findingsAlreadyPosted: 0,
    filesReviewed: 3,
    filesSkipped: 1,
    failures: [],
    failed: false,
    findingsBySeverity: { critical: 1, major: 0, minor: 2, nit: 0 },
    notes: ["Reviewed what changed since 1111111, the last commit reviewed."],
    ...overrides,
  };
}

describe("checkConclusion", () => {
  it.each([
    ["off", { critical: 3, major: 0, minor: 0, nit: 0 }, "neutral"],
    ["major", { critical: 0, major: 0, minor: 5, nit: 5 }, "neutral"],
    ["major", { critical: 0, major: 1, minor: 0, nit: 0 }, "failure"],
    ["major", { critical: 1, major: 0, minor: 0, nit: 0 }, "failure"],
    ["nit", { critical: 0, major: 0, minor: 0, nit: 1 }, "failure"],
    ["critical", { critical: 0, major: 9, minor: 0, nit: 0 }, "neutral"],
  ] as const)("fail_on %s with %o is %s", (failOn, counts, conclusion) => {
    expect(checkConclusion(counts, failOn)).toBe(conclusion);
  });
});

describe("renderCheckRun", () => {
  it("shows progress as files and chunks done of total", () => {
    expect(
      renderCheckRun({
        kind: "progress",
        model: "deepseek-v4-flash",
        progress: { files: 12, filesDone: 3, chunks: 40, chunksDone: 7 },
      }),
    ).toEqual({
      status: "in_progress",
      title: "Reviewing: 7 of 40 chunks done",
      summary: "3 of 12 files and 7 of 40 chunks reviewed by `deepseek-v4-flash`.",
    });
  });

  it("summarises a posted review: link, files, findings by severity, model, tokens and cost", () => {
    const run = renderCheckRun({
      kind: "finished",
      outcome: outcome(),
      reviewUrl: "https://github.com/octo/hello/pull/7#pullrequestreview-77",
      failOn: "off",
      showCost: true,
    });
    expect(run).toMatchObject({ status: "completed", conclusion: "neutral", title: "3 new findings" });
    expect(run.summary.split("\n\n")).toEqual([
      "[The review](https://github.com/octo/hello/pull/7#pullrequestreview-77) was posted.",
      "**Files:** 3 reviewed, 1 skipped.",
      "**Findings:** 1 critical, 2 minor — 2 posted inline, 1 in the review body, 0 already posted before.",
      "**Model:** `deepseek-v4-flash` · 2 requests · tokens: 1,000 cache hit, 500 cache miss, 200 output · $0.000156",
    ]);
    expect(run.text).toBe("Reviewed what changed since 1111111, the last commit reviewed.");
  });

  it("fails on a finding at or above fail_on and says why", () => {
    const run = renderCheckRun({ kind: "finished", outcome: outcome(), failOn: "critical", showCost: true });
    expect(run.conclusion).toBe("failure");
    expect(run.summary).toContain("**Failed:** a finding at or above `critical` was reported (`fail_on`).");
  });

  it("fails when an earlier finding at or above fail_on is still open, though this run reported none", () => {
    const none = { critical: 0, major: 0, minor: 0, nit: 0 };
    const run = renderCheckRun({
      kind: "finished",
      outcome: outcome({ findingsBySeverity: none }),
      failOn: "major",
      showCost: true,
      openFindings: { ...none, critical: 1 },
    });
    expect(run.conclusion).toBe("failure");
    expect(run.summary).toContain(
      "**Failed:** an earlier finding at or above `major` is still open on this pull request: resolve or dismiss its thread (`fail_on`).",
    );
    const minorOpen = renderCheckRun({
      kind: "finished",
      outcome: outcome({ findingsBySeverity: none }),
      failOn: "major",
      showCost: true,
      openFindings: { ...none, minor: 3 },
    });
    expect(minorOpen.conclusion).toBe("neutral");
  });

  it("says why no review was posted, and keeps the cost off with show_cost: false", () => {
    const run = renderCheckRun({
      kind: "finished",
      outcome: outcome({
        status: "quiet",
        skippedReason: "no new finding",
        findingsPosted: 0,
        findingsNotInline: 0,
        findingsAlreadyPosted: 1,
        findingsBySeverity: { critical: 0, major: 1, minor: 0, nit: 0 },
      }),
      failOn: "off",
      showCost: false,
    });
    expect(run.title).toBe("No new findings");
    expect(run.summary).toContain("No review posted: no new finding.");
    expect(run.summary).toContain("**Model:** `deepseek-v4-flash`.");
    expect(run.summary).not.toContain("$");
  });

  it("completes a failed review as neutral, saying why with the reason escaped", () => {
    const run = renderCheckRun({
      kind: "failed",
      reason: "HeadMovedError: <img src=x onerror=alert(1)> @org/team [x](http://evil.example)",
      retrying: false,
      showCost: true,
    });
    expect(run).toMatchObject({ status: "completed", conclusion: "neutral", title: "Review failed" });
    expect(run.summary).not.toContain("<img");
    expect(run.summary).not.toContain("@org/team");
    expect(run.summary).not.toContain("](http://evil.example)");
    expect(run.summary).toContain("Comment `/review` to try again.");
  });

  it("escapes failure reasons echoed from a model answer", () => {
    const run = renderCheckRun({
      kind: "finished",
      outcome: outcome({
        failures: [
          {
            paths: ["src/a.ts"],
            reason: "the model said <script>alert(1)</script> @everyone",
            retryable: false,
          },
        ],
      }),
      failOn: "off",
      showCost: true,
    });
    expect(run.summary).toContain("**Not reviewed:** 1 file");
    expect(run.summary).not.toContain("<script>");
  });

  it("lists a quiet run's findings off the diff in the text, escaped", () => {
    const run = renderCheckRun({
      kind: "finished",
      outcome: outcome({
        status: "quiet",
        skippedReason: "no new finding that can go inline",
        findingsPosted: 0,
        notInline: [{ path: "src/a`b.ts", line: 99, severity: "major", title: "Leak <img src=x> @org/team" }],
      }),
      failOn: "off",
      showCost: true,
    });
    expect(run.text).toContain("#### Findings not on the diff (not posted)");
    expect(run.text).toContain("- **major** Leak &lt;img src=x&gt;");
    expect(run.text).toContain("at ``src/a`b.ts:99``");
    expect(run.text).not.toContain("<img");
  });
});
