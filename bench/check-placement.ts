/**
 * Places comments on a real diff between two published versions of an npm package and checks each one
 * against the trees themselves. Needs the npm registry (npm pack); never run from tests or CI.
 *   node --import tsx bench/check-placement.ts <package> <old version> <new version>
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitGitDiff } from "../src/diff/split-git-diff.js";
import { createTokenCounter } from "../src/review/count-tokens.js";
import { reviewPullRequest } from "../src/review/review-pull-request.js";
import type { ReviewComment } from "../src/review/types.js";
import { createRecordingGateway, reviewSettings } from "../test/helpers/fakes.js";
import { createLineSprayModel, findMisplacedComments } from "../test/helpers/placement-oracle.js";

const [name, from, to] = process.argv.slice(2);
if (!name || !from || !to) {
  console.error("usage: check-placement <package> <old version> <new version>");
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "placement-"));
const unpack = (version: string) => {
  const dir = join(work, version);
  mkdirSync(dir);
  const tarball = execFileSync(
    "npm",
    ["pack", `${name}@${version}`, "--silent", "--pack-destination", work],
    {
      encoding: "utf8",
    },
  ).trim();
  execFileSync("tar", ["-xzf", join(work, tarball), "-C", dir, "--strip-components=1"]);
  return dir;
};
const oldDir = unpack(from);
const newDir = unpack(to);
const diff = spawnSync(
  "git",
  ["diff", "--no-index", "-M", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", from, to],
  {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  },
)
  .stdout.replaceAll(`a/${from}/`, "a/")
  .replaceAll(`b/${to}/`, "b/");
const files = splitGitDiff(diff);

const model = createLineSprayModel(7);
const github = createRecordingGateway({ files, headSha: "0".repeat(40) });
const log = { debug() {}, info() {}, warn() {}, error() {} };
const started = performance.now();
const outcome = await reviewPullRequest({
  pr: {
    owner: "o",
    repo: "r",
    number: 1,
    title: `${name} ${from} → ${to}`,
    body: "",
    headSha: "0".repeat(40),
    baseSha: "1".repeat(40),
  },
  github,
  model,
  settings: reviewSettings({ maxComments: Number.MAX_SAFE_INTEGER }),
  limit: (task) => task(),
  countTokens: createTokenCounter(),
  log,
});
const posted: ReviewComment[] = github.reviews.flatMap((review) => review.comments);
const elapsed = performance.now() - started;

const lines = (dir: string) => (path: string) => readFileSync(join(dir, path), "utf8").split("\n");
const problems = findMisplacedComments({
  files,
  comments: posted,
  readNew: lines(newDir),
  readOld: lines(oldDir),
});
const suggestions = posted.filter((comment) => /```+suggestion/.test(comment.body)).length;
const ranges = posted.filter((comment) => comment.startLine !== undefined).length;
console.log(
  JSON.stringify(
    {
      package: `${name} ${from} → ${to}`,
      filesChanged: files.length,
      filesReviewed: outcome.filesReviewed,
      filesSkipped: outcome.filesSkipped,
      diffLines: diff.split("\n").length,
      requests: outcome.requests,
      findingsAimed: model.findings,
      commentsPosted: posted.length,
      rangeComments: ranges,
      suggestionBlocks: suggestions,
      notInline: outcome.findingsNotInline,
      misplaced: problems.length,
      pipelineMs: Math.round(elapsed),
    },
    null,
    2,
  ),
);
for (const problem of problems.slice(0, 20)) console.log(`  ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
