/**
 * What a second push costs compared with reviewing the whole pull request again, on real diffs between three
 * published versions of an npm package: the PR goes from <base> to <head>; the app reviewed <reviewed> before.
 * Prompt tokens are counted with DeepSeek's tokenizer on the exact requests the pipeline builds; the system
 * prompt is assumed cached (DeepSeek bills it at the hit price once any review of the account sent it), every
 * other prompt token a cache miss, and each answer OUTPUT_TOKENS long. Needs the npm registry; never run in CI.
 *   node --import tsx bench/incremental-cost.ts <package> <base> <reviewed> <head>
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatUsd } from "../src/cost/compute-cost.js";
import { splitGitDiff } from "../src/diff/split-git-diff.js";
import type { ModelClient } from "../src/llm/types.js";
import { SYSTEM_PROMPT } from "../src/review/build-prompt.js";
import { createTokenCounter } from "../src/review/count-tokens.js";
import { reviewPullRequest } from "../src/review/review-pull-request.js";
import { createRecordingGateway, ownReviewOf, reviewSettings } from "../test/helpers/fakes.js";

const OUTPUT_TOKENS = 300;
const [name, base, reviewed, head] = process.argv.slice(2);
if (!name || !base || !reviewed || !head) {
  console.error("usage: incremental-cost <package> <base> <reviewed> <head>");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "incremental-"));
for (const version of [base, reviewed, head]) {
  mkdirSync(join(work, version));
  const tarball = execFileSync(
    "npm",
    ["pack", `${name}@${version}`, "--silent", "--pack-destination", work],
    {
      encoding: "utf8",
    },
  ).trim();
  execFileSync("tar", ["-xzf", join(work, tarball), "-C", join(work, version), "--strip-components=1"]);
}
const diff = (from: string, to: string) =>
  splitGitDiff(
    spawnSync("git", ["diff", "--no-index", "-M", "--no-color", from, to], {
      cwd: work,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    })
      .stdout.replaceAll(`a/${from}/`, "a/")
      .replaceAll(`b/${to}/`, "b/"),
  );

const countTokens = createTokenCounter();
const systemTokens = countTokens(SYSTEM_PROMPT);
const model: ModelClient = {
  async complete(request) {
    const prompt = request.messages.reduce((sum, message) => sum + countTokens(message.content), 0);
    return {
      content: '{"findings":[]}',
      finishReason: "stop",
      usage: {
        promptCacheHitTokens: systemTokens,
        promptCacheMissTokens: prompt - systemTokens,
        completionTokens: OUTPUT_TOKENS,
      },
    };
  },
};
const headSha = "b".repeat(40);
const reviewedSha = "a".repeat(40);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const run = (trigger: "auto" | "command") =>
  reviewPullRequest({
    pr: {
      owner: "o",
      repo: "r",
      number: 1,
      title: `${name} ${base} → ${head}`,
      body: "",
      headSha,
      baseSha: "c".repeat(40),
    },
    github: createRecordingGateway({
      headSha,
      files: diff(base, head),
      ownReviews: [ownReviewOf({ id: 1, sha: reviewedSha })],
      // The pull request as it was when reviewed: its base…head diff then (ownReviewOf's base is 40 zeros).
      comparisons: {
        [`${"0".repeat(40)}...${reviewedSha}`]: {
          status: "ahead",
          files: diff(base, reviewed),
          complete: true,
        },
      },
    }),
    model,
    settings: reviewSettings(),
    limit: (task) => task(),
    countTokens,
    log: silent,
    trigger,
  });
const full = await run("command");
const incremental = await run("auto");
const row = (label: string, outcome: typeof full) =>
  `${label}: ${outcome.requests} requests, ${outcome.usage.promptCacheHitTokens} hit + ${outcome.usage.promptCacheMissTokens} miss prompt tokens, ${outcome.usage.completionTokens} output, ${formatUsd(outcome.costUsd)}`;
console.log(`${name}: PR ${base} → ${head}, last reviewed ${reviewed}; system prompt ${systemTokens} tokens`);
console.log(row("whole PR again ", full));
console.log(row("second push    ", incremental));
console.log(
  `second push / whole PR: ${((incremental.costUsd / full.costUsd) * 100).toFixed(1)}% of the dollars`,
);
