import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { splitGitDiff } from "../../src/diff/split-git-diff.js";
import { estimateTokens } from "../../src/review/count-tokens.js";
import { reviewPullRequest } from "../../src/review/review-pull-request.js";
import type { ReviewComment } from "../../src/review/types.js";
import { createRecordingGateway, reviewSettings } from "../helpers/fakes.js";
import { createLineSprayModel, findMisplacedComments } from "../helpers/placement-oracle.js";

const FIXTURE = new URL("../fixtures/npm/semver-7.5.4-7.6.3/", import.meta.url);
const read = (side: "old" | "new") => (path: string) =>
  readFileSync(new URL(`${side}/${path}`, FIXTURE), "utf8").split("\n");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("comment placement on the real diff semver 7.5.4 → 7.6.3", () => {
  it.each([1, 2, 3])(
    "puts every comment on a line of the diff when the model aims at every line and beside them (seed %i)",
    async (seed) => {
      const files = splitGitDiff(readFileSync(new URL("semver.diff", FIXTURE), "utf8"));
      const model = createLineSprayModel(seed);
      const github = createRecordingGateway({ files, headSha: "a".repeat(40) });
      const outcome = await reviewPullRequest({
        pr: {
          owner: "npm",
          repo: "node-semver",
          number: 1,
          title: "7.6.3",
          body: "",
          headSha: "a".repeat(40),
          baseSha: "b".repeat(40),
        },
        github,
        model,
        settings: reviewSettings({ maxChunkTokens: 2_000, maxComments: Number.MAX_SAFE_INTEGER }),
        limit: (task) => task(),
        countTokens: estimateTokens,
        log: silent,
      });
      const posted: ReviewComment[] = github.reviews.flatMap((review) => review.comments);

      expect(files.map((file) => file.path)).toContain("internal/lrucache.js");
      expect(outcome.requests).toBeGreaterThan(1);
      expect(posted.length).toBeGreaterThan(300);
      expect(posted.some((comment) => comment.startLine !== undefined)).toBe(true);
      expect(posted.some((comment) => /```suggestion/.test(comment.body))).toBe(true);
      expect(
        findMisplacedComments({ files, comments: posted, readNew: read("new"), readOld: read("old") }),
      ).toEqual([]);
    },
  );

  it("the oracle itself catches a comment off the diff", () => {
    const files = splitGitDiff(readFileSync(new URL("semver.diff", FIXTURE), "utf8"));
    const problems = findMisplacedComments({
      files,
      comments: [{ path: "classes/semver.js", line: 1, side: "RIGHT", body: "x" }],
      readNew: read("new"),
      readOld: read("old"),
    });
    expect(problems).toEqual(["classes/semver.js:RIGHT:1: outside every hunk"]);
  });
});
