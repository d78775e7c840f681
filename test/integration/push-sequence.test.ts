import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import nock from "nock";
import { afterAll, describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/create-test-app.js";
import { DEEPSEEK, type DeepSeekRequest, deepseekAnswer, isVerification } from "../helpers/deepseek-mocks.js";
import { BOT_LOGIN, GITHUB, pullRequestObject, setCurrentPull } from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

/**
 * A scripted pull request of several pushes, played against a real git repository: GitHub's answers (the pull
 * request's files, comparisons, the app's own reviews and comments) are computed by git from real commits, and the
 * model reports each defect it sees in new words every time it is asked. It counts what the app posts.
 *
 * The pushes: opened (a loop bug); 1. a new file with a new bug; 2. a comment added to that file (nothing new);
 * 3. "Update branch": the base inserted lines above and rewrote a context line of the loop's hunk, and the branch
 * merged it; 4. a harmless new file (nothing new).
 *
 * Written against GitHub's REST endpoints only, so the same file measures the app before this change:
 * `PUSH_SEQUENCE_MEASURE=1 npx vitest run test/integration/push-sequence.test.ts` prints the counts and skips the
 * assertions (see README, "Check runs and quiet pushes").
 */

const measureOnly = process.env.PUSH_SEQUENCE_MEASURE === "1";
const REPO = "/repos/Codertocat/Hello-World";

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function createRepository() {
  const dir = mkdtempSync(join(tmpdir(), "push-sequence-"));
  directories.push(dir);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  const write = (path: string, lines: string[]) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${lines.join("\n")}\n`);
  };
  const commit = (message: string) => {
    git("add", "-A");
    git("commit", "-q", "-m", message);
    return git("rev-parse", "HEAD");
  };
  git("init", "-q", "-b", "main");
  return { dir, git, write, commit };
}

type Repository = ReturnType<typeof createRepository>;

/** One file of `git diff` between two commits, as GitHub's REST API lists it (`patch` from the first `@@`). */
function diffFiles(repo: Repository, from: string, to: string) {
  const names = repo.git("diff", "--name-status", from, to).split("\n").filter(Boolean);
  return names.map((line) => {
    const [status, filename = ""] = line.split("\t");
    const full = repo.git("diff", "--unified=3", from, to, "--", filename);
    const at = full.indexOf("\n@@");
    const patch = at === -1 ? "" : full.slice(at + 1);
    const additions = patch.split("\n").filter((one) => one.startsWith("+")).length;
    const deletions = patch.split("\n").filter((one) => one.startsWith("-")).length;
    return {
      sha: "0".repeat(40),
      filename,
      status: status === "A" ? "added" : status === "D" ? "removed" : "modified",
      additions,
      deletions,
      changes: additions + deletions,
      patch,
    };
  });
}

/** GitHub's `base...head` comparison: from their merge base. */
function compare(repo: Repository, base: string, head: string) {
  const mergeBase = repo.git("merge-base", base, head);
  const ancestor = mergeBase === base;
  return {
    status: base === head ? "identical" : ancestor ? "ahead" : "diverged",
    ahead_by: 1,
    behind_by: 0,
    total_commits: 1,
    commits: [],
    files: diffFiles(repo, mergeBase, head),
  };
}

interface Counts {
  reviews: number;
  inlineComments: number;
  modelRequests: number;
  checkRuns: number;
}

/** GitHub and DeepSeek for the pull request, answering from the repository and recording what the app posts. */
function serve(repo: Repository, state: { head: string; base: string }) {
  const reviews: {
    id: number;
    body: string;
    commit_id: string;
    comments: { path: string; line: number; body: string }[];
  }[] = [];
  const counts: Counts = { reviews: 0, inlineComments: 0, modelRequests: 0, checkRuns: 0 };
  const bot = { login: BOT_LOGIN, type: "Bot" };
  const pull = () => {
    const object = pullRequestObject({ headSha: state.head }) as Record<string, unknown>;
    return { ...object, base: { ...(object.base as object), sha: state.base, ref: "main" } };
  };
  const scope = nock(GITHUB).persist();
  scope
    .post(/^\/app\/installations\/\d+\/access_tokens$/)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  scope.get("/app").reply(200, { id: 123, slug: "deepseek-review", name: "DeepSeek Review" });
  scope.get(`${REPO}/pulls/2`).reply(200, () => pull());
  scope.get(/\/contents\/\.github(%2F|\/)deepseek-review\.yml/).reply(404, { message: "Not Found" });
  scope
    .get(`${REPO}/pulls/2/reviews`)
    .query(true)
    .reply(200, () =>
      reviews.map((review) => ({
        id: review.id,
        user: bot,
        body: review.body,
        state: "COMMENTED",
        commit_id: review.commit_id,
      })),
    );
  scope
    .get(`${REPO}/pulls/2/files`)
    .query(true)
    .reply(200, () => compare(repo, state.base, state.head).files);
  scope
    .get(`${REPO}/pulls/2/comments`)
    .query(true)
    .reply(200, () =>
      reviews.flatMap((review, index) =>
        review.comments.map((comment, at) => ({
          id: 1_000 * (index + 1) + at,
          user: bot,
          body: comment.body,
          path: comment.path,
          line: comment.line,
          side: "RIGHT",
          commit_id: review.commit_id,
        })),
      ),
    );
  scope
    .get(/\/compare\/[0-9a-f]{40}\.\.\.[0-9a-f]{40}$/)
    .query(true)
    .reply((request: Request) => {
      const [base = "", head = ""] =
        /compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})/.exec(request.url)?.slice(1) ?? [];
      return [200, compare(repo, base, head)];
    });
  scope.post(`${REPO}/pulls/2/reviews`).reply(async (request: Request) => {
    const body = (await request.json()) as (typeof reviews)[number];
    const id = 500 + reviews.length;
    reviews.push({ ...body, id, comments: body.comments ?? [] });
    counts.reviews += 1;
    counts.inlineComments += (body.comments ?? []).length;
    return [200, { id }];
  });
  scope.post(`${REPO}/check-runs`).reply(201, () => {
    counts.checkRuns += 1;
    return { id: 9 };
  });
  scope.patch(`${REPO}/check-runs/9`).reply(200, { id: 9 });

  // The model reports every defect it sees, worded anew on every call.
  nock(DEEPSEEK)
    .persist()
    .post("/chat/completions")
    .reply(async (request: Request) => {
      const body = (await request.json()) as DeepSeekRequest;
      // The verification pass (on by default) gets no verdicts: its findings are kept, unverified. Review requests
      // are what this counts.
      if (isVerification(body)) {
        return [200, deepseekAnswer({ answer: { verdicts: [] } })];
      }
      counts.modelRequests += 1;
      const call = counts.modelRequests;
      const user = body.messages.find((message) => message.role === "user")?.content ?? "";
      const diff = /<diff>\n([\s\S]*)<\/diff>/.exec(user)?.[1] ?? "";
      const findings: unknown[] = [];
      let path = "";
      for (const line of diff.split("\n")) {
        const file = /^=== FILE: (.+?) ===$/.exec(line);
        if (file) path = file[1] ?? "";
        const added = /^\s*(\d+) \|\+(.*)$/.exec(line);
        if (!added) continue;
        const number = Number(added[1]);
        if (added[2]?.includes("i <= values.length"))
          findings.push({
            path,
            line: number,
            severity: "critical",
            category: "logic",
            title: `Loop reads past the end (wording ${call})`,
            body: `Iteration ${call}: \`values[values.length]\` is read, so the sum is NaN.`,
          });
        if (added[2]?.includes("nmae"))
          findings.push({
            path,
            line: number,
            severity: "major",
            category: "logic",
            title: `Misspelt variable (wording ${call})`,
            body: `Iteration ${call}: \`nmae\` is not defined.`,
          });
      }
      return [200, deepseekAnswer({ answer: { findings } })];
    });
  return counts;
}

describe("a pull request of several pushes", () => {
  it("posts a review only when there is something new to say", async () => {
    const repo = createRepository();
    const math = (comment: string, top: string[] = []) => [
      ...top,
      "export function divide(a, b) {",
      "  return a / b;",
      "}",
      "",
      comment,
      "// (the mean of a list)",
      "export function average(values) {",
      "  return values.reduce((sum, v) => sum + v, 0) / values.length;",
      "}",
      "",
      "export function clamp(value, min, max) {",
      "  if (value < min) return min;",
      "  return value;",
      "}",
    ];
    repo.write("src/math.js", math("// helpers below"));
    const base1 = repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write(
      "src/math.js",
      math("// helpers below").map((line) =>
        line.startsWith("  return values.reduce")
          ? "  let sum = 0;\n  for (let i = 0; i <= values.length; i++) sum += values[i];\n  return sum / values.length;"
          : line,
      ),
    );
    const state = { head: repo.commit("average with a loop"), base: base1 };
    const counts = serve(repo, state);
    const app = createTestApp();
    const steps: { step: string; counts: Counts }[] = [];

    const deliver = async (action: string, step: string) => {
      const payload = webhookExample<{ pull_request: Record<string, unknown> }>("pull_request", action);
      const pull = payload.pull_request as { head: { sha: string }; base: { sha: string } };
      pull.head.sha = state.head;
      pull.base.sha = state.base;
      setCurrentPull(payload.pull_request);
      await app.probot.receive({ id: `delivery-${step}`, name: "pull_request", payload: payload as never });
      expect(await app.queue.drain(20_000)).toEqual([]);
      steps.push({ step, counts: { ...counts } });
    };

    await deliver("opened", "opened");
    // 1. A new file with a new bug.
    repo.write("src/greet.js", ["export function greet(name) {", '  return "Hello, " + nmae;', "}"]);
    state.head = repo.commit("greet");
    await deliver("synchronize", "push 1: a new bug");
    // 2. Nothing new: a comment.
    repo.write("src/greet.js", [
      "// Greets someone.",
      "export function greet(name) {",
      '  return "Hello, " + nmae;',
      "}",
    ]);
    state.head = repo.commit("comment");
    await deliver("synchronize", "push 2: a comment");
    // 3. Update branch: the base moves on (lines above, a context line of the loop's hunk rewritten), then is merged.
    repo.git("checkout", "-q", "main");
    repo.write("src/math.js", math("// Helpers below.", ["// Small math helpers.", ""]));
    state.base = repo.commit("base: header and comment");
    repo.git("checkout", "-q", "feature");
    repo.git("merge", "-q", "--no-edit", "main");
    state.head = repo.git("rev-parse", "HEAD");
    await deliver("synchronize", "push 3: update branch");
    // 4. Nothing new: a harmless file.
    repo.write("src/one.js", ["export const one = 1;"]);
    state.head = repo.commit("one");
    await deliver("synchronize", "push 4: a harmless file");

    if (process.env.PUSH_SEQUENCE_DEBUG === "1")
      for (const r of app.records.filter((one) => /^review\./.test(one.msg) || one.level >= 40))
        process.stdout.write(
          `${JSON.stringify({ msg: r.msg, reason: r.reason, quiet: r.quiet, err: r.err, headSha: r.headSha })}\n`,
        );
    const table = steps.map(({ step, counts: at }) => `${step}: ${JSON.stringify(at)}`).join("\n");
    process.stdout.write(`push-sequence counts (cumulative)\n${table}\n`);
    nock.cleanAll();
    if (measureOnly) return;
    expect(steps.map(({ counts: at }) => at)).toEqual([
      { reviews: 1, inlineComments: 1, modelRequests: 1, checkRuns: 1 },
      { reviews: 2, inlineComments: 2, modelRequests: 2, checkRuns: 2 },
      // The comment: the model is asked about the file it touched, repeats itself, and nothing is posted.
      { reviews: 2, inlineComments: 2, modelRequests: 3, checkRuns: 3 },
      // Update branch: nothing new of the pull request's own, no model call, nothing posted.
      { reviews: 2, inlineComments: 2, modelRequests: 3, checkRuns: 4 },
      // A harmless file: asked, nothing found, nothing posted.
      { reviews: 2, inlineComments: 2, modelRequests: 4, checkRuns: 5 },
    ]);
  });
});
