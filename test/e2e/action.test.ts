import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReviewRecord } from "../../src/records/read-record.js";
import { examplePull, pullRequestRoutes } from "../helpers/e2e.js";
import {
  chatCompletion,
  type FakeDeepSeek,
  isVerificationRequest,
  startFakeDeepSeek,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import { type RecordedRequest, startLocalServer } from "../helpers/local-server.js";
import { webhookExample } from "../helpers/webhook-examples.js";

/** The committed bundle, as a `uses:` step runs it. */
const BUNDLE = fileURLToPath(new URL("../../dist/action/index.js", import.meta.url));
/** A copy of it away from the repository, so that nothing it needs can come from node_modules. */
const ALONE = mkdtempSync(join(tmpdir(), "deepseek-review-bundle-alone-"));
const ALONE_BUNDLE = join(ALONE, "index.js");

const PATCH = [
  "@@ -1,3 +1,7 @@",
  " export function add(a: number, b: number) {",
  "   return a + b;",
  " }",
  "+",
  "+export function ratio(a: number, b: number) {",
  "+  return a / b;",
  "+}",
].join("\n");

const FILES = [
  { filename: "src/math.ts", status: "modified", additions: 4, deletions: 0, changes: 4, patch: PATCH },
  {
    filename: "package-lock.json",
    status: "modified",
    additions: 1,
    deletions: 1,
    changes: 2,
    patch: "@@ -1 +1 @@\n-{}\n+{ }",
  },
];

const FINDING = {
  path: "src/math.ts",
  start_line: 6,
  line: 7,
  severity: "major",
  category: "logic",
  title: "Division by zero | not handled @team",
  body: "`b` may be 0.",
};

interface ActionRun {
  code: number | null;
  log: string;
  summary: string;
  outputs: Record<string, string>;
}

/** Runs the bundled Action as the runner does: the event in a file, inputs as INPUT_* and GITHUB_* variables. */
async function runAction(params: {
  event: string;
  payload: unknown;
  env: Record<string, string>;
}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "deepseek-review-action-"));
  const eventPath = join(dir, "event.json");
  const summaryPath = join(dir, "summary.md");
  const outputPath = join(dir, "output.txt");
  writeFileSync(eventPath, JSON.stringify(params.payload));
  writeFileSync(summaryPath, "");
  writeFileSync(outputPath, "");
  const env = {
    PATH: process.env.PATH ?? "",
    GITHUB_EVENT_NAME: params.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_SERVER_URL: "https://github.example",
    "INPUT_GITHUB-TOKEN": "ghs_workflow_token",
    "INPUT_FAIL-ON": "none",
    ...params.env,
  };
  const { code, log } = await new Promise<{ code: number | null; log: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [ALONE_BUNDLE], {
      cwd: ALONE,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => {
      log += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      log += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (exit) => resolve({ code: exit, log }));
  });
  const summary = readFileSync(summaryPath, "utf8");
  const outputs = parseOutputs(readFileSync(outputPath, "utf8"));
  rmSync(dir, { recursive: true, force: true });
  return { code, log, summary, outputs };
}

/** `name<<delimiter`, the value's lines, `delimiter`: as the runner reads $GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const match = /^([\w-]+)<<(.+)$/.exec(lines[index] ?? "");
    if (match === null) continue;
    const [, name = "", delimiter] = match;
    const end = lines.indexOf(delimiter ?? "", index + 1);
    outputs[name] = lines.slice(index + 1, end).join("\n");
    index = end;
  }
  return outputs;
}

/** A `/review` comment by a collaborator on the example pull request. */
function reviewComment(): Record<string, unknown> {
  const pull = examplePull() as { number: number };
  const payload = webhookExample<Record<string, unknown>>("issue_comment", "created");
  const issue = payload.issue as Record<string, unknown>;
  payload.issue = { ...issue, number: pull.number, pull_request: { url: "https://example.test/pulls/1" } };
  payload.comment = { ...(payload.comment as object), body: "/review", author_association: "COLLABORATOR" };
  payload.repository = webhookExample<Record<string, unknown>>("pull_request", "opened").repository;
  return payload;
}

describe("the GitHub Action (dist/action/index.js)", { timeout: 60_000 }, () => {
  let deepseek: FakeDeepSeek;
  let github: Awaited<ReturnType<typeof startLocalServer>>;
  /** Reviews GitHub lists back: the ones the Action posted, as github-actions[bot]. */
  const reviews: Record<string, unknown>[] = [];
  const pull = examplePull() as { number: number; head: { sha: string }; base: { sha: string } };
  /** The pull request's head and files as GitHub shows them now; a test pushes by changing both. */
  let head = pull.head.sha;
  const files: Record<string, unknown>[] = [...FILES];
  /** The pull request's files at each head it had. */
  const filesAt = new Map<string, Record<string, unknown>[]>([[pull.head.sha, [...FILES]]]);
  const posts = () =>
    github.requests.filter((request) => request.method === "POST" && request.path.endsWith("/reviews"));

  beforeAll(async () => {
    copyFileSync(BUNDLE, ALONE_BUNDLE);
    // A review request gets FINDING; the verification pass (on by default) confirms it, billed as its own request.
    deepseek = await startFakeDeepSeek((request) =>
      isVerificationRequest(request)
        ? verdictsCompletion(request, "confirmed", { promptTokens: 1_000, completionTokens: 50 })
        : chatCompletion({
            content: JSON.stringify({ findings: [FINDING] }),
            promptTokens: 2_000,
            completionTokens: 100,
          }),
    );
    github = await startLocalServer((request: RecordedRequest) => {
      // Octokit sends the file's path with its slashes encoded, as GitHub accepts it.
      if (
        request.method === "GET" &&
        decodeURIComponent(request.path).includes("/contents/.github/turned-off.yml")
      )
        return { status: 200, body: "enabled: false\n" };
      if (request.method === "GET" && request.path.includes("/contents/"))
        return { status: 404, body: { message: "Not Found" } };
      // The pull request as it was at a head it had (its base...head then): how the Action tells what a push added.
      const compare = /\/compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)\?/.exec(request.path);
      if (request.method === "GET" && compare !== null) {
        const then = compare[1] === pull.base.sha ? filesAt.get(compare[2] ?? "") : undefined;
        return then === undefined
          ? { status: 404, body: { message: "Not Found" } }
          : { status: 200, body: { status: "ahead", files: then } };
      }
      return pullRequestRoutes({
        files,
        pull: (number) => {
          const example = examplePull() as { head: Record<string, unknown> };
          return { ...example, number, head: { ...example.head, sha: head } };
        },
        reviews: () => reviews,
        postReview: (posted) => {
          const body = posted.body as { body: string; commit_id: string };
          const id = 7_000 + reviews.length;
          reviews.push({
            id,
            user: { login: "github-actions[bot]" },
            body: body.body,
            commit_id: body.commit_id,
            state: "COMMENTED",
          });
          return { status: 200, body: { id } };
        },
      })(request);
    });
  });

  afterAll(async () => {
    rmSync(ALONE, { recursive: true, force: true });
    await deepseek?.close();
    await github?.close();
  });

  const inputs = () => ({
    "INPUT_DEEPSEEK-API-KEY": "sk-action-secret",
    GITHUB_API_URL: github.url,
    DEEPSEEK_BASE_URL: deepseek.url,
    DEEPSEEK_MAX_RETRIES: "0",
  });

  it("on pull_request, posts one review as the App does, writes the job summary and sets the outputs", async () => {
    const payload = webhookExample("pull_request", "opened");
    const run = await runAction({ event: "pull_request", payload, env: inputs() });

    expect(run.log).toContain("review.completed");
    expect(run.code).toBe(0);
    expect(posts()).toHaveLength(1);
    const posted = posts()[0];
    expect(posted?.path).toBe(`/repos/Codertocat/Hello-World/pulls/${pull.number}/reviews`);
    expect(posted?.headers.authorization).toBe("token ghs_workflow_token");
    const body = posted?.body as {
      commit_id: string;
      event: string;
      body: string;
      comments: Record<string, unknown>[];
    };
    expect(body.event).toBe("COMMENT");
    expect(body.commit_id).toBe(pull.head.sha);
    expect(body.comments).toHaveLength(1);
    expect(body.comments[0]).toMatchObject({ path: "src/math.ts", line: 7, start_line: 6, side: "RIGHT" });
    // The App's record, readable back as the review's own: what makes the next push incremental.
    expect(readReviewRecord(body.body, pull.head.sha)).toMatchObject({ base: pull.base.sha, complete: true });
    expect(body.body).toContain("package-lock.json");
    // The key went to DeepSeek only, and is nowhere in the log.
    expect(deepseek.requests.map((request) => request.headers.authorization)).toEqual([
      "Bearer sk-action-secret",
      "Bearer sk-action-secret",
    ]);
    expect(run.log).not.toContain("sk-action-secret");

    expect(run.summary).toContain(`### DeepSeek review of Codertocat/Hello-World#${pull.number}`);
    expect(run.summary).toContain(
      `[The review on the pull request](https://github.example/Codertocat/Hello-World/pull/${pull.number}#pullrequestreview-7000)`,
    );
    expect(run.summary).toContain("| files reviewed | 1 |");
    // The review request and the verification of its one finding: 2,000 + 1,000 uncached in, 100 + 50 out.
    expect(run.summary).toContain("| requests | 2 |");
    expect(run.summary).toContain("| tokens | 0 cached + 3,000 uncached in, 150 out |");
    expect(run.summary).toContain("| cost | $0.000462 |");
    expect(run.summary).toContain("**1 finding**");
    // Model text is sanitised as in the review: no mention, no table cell broken by `|`.
    expect(run.summary).toMatch(
      /\| 🟠 Major \| `src\/math\.ts:6-7` \| Division by zero \\\| not handled @\u200dteam \|/,
    );
    expect(run.outputs).toEqual({ findings: "1", "cost-usd": "0.000462", "review-id": "7000" });
  });

  it("on a push already reviewed, reads its own record and posts nothing", async () => {
    const before = posts().length;
    const calls = deepseek.requests.length;
    const run = await runAction({
      event: "pull_request",
      payload: webhookExample("pull_request", "opened"),
      env: inputs(),
    });
    expect(run.code).toBe(0);
    expect(run.log).toContain("review.skipped");
    expect(run.log).toContain("this commit was already reviewed");
    expect(posts()).toHaveLength(before);
    expect(deepseek.requests).toHaveLength(calls);
    expect(run.summary).toContain("Not reviewed: this commit was already reviewed.");
    expect(run.outputs).toEqual({ findings: "0", "cost-usd": "0.000000", "review-id": "" });
  });

  it("on a new push, reviews only what changed since the last commit it reviewed, from its own record", async () => {
    const reviewed = head;
    head = "f".repeat(40);
    files[0] = {
      ...FILES[0],
      additions: 6,
      changes: 6,
      patch: `${PATCH.replace("+1,7", "+1,9")}\n+\n+export const half = (a: number) => ratio(a, 2);`,
    };
    const before = posts().length;
    const run = await runAction({
      event: "pull_request",
      payload: webhookExample("pull_request", "synchronize"),
      env: inputs(),
    });
    expect(run.log).not.toContain("::warning");
    expect(run.code).toBe(0);
    // The pull request as it was at the reviewed head, compared with what it is now.
    expect(
      github.requests.some((request) => request.path.includes(`/compare/${pull.base.sha}...${reviewed}`)),
    ).toBe(true);
    expect(posts()).toHaveLength(before + 1);
    const body = posts().at(-1)?.body as { commit_id: string; body: string };
    expect(body.commit_id).toBe(head);
    expect(body.body).toContain(
      `Reviewed what changed since ${reviewed.slice(0, 7)}, the last commit reviewed.`,
    );
    expect(run.summary).toContain(`| reviewed since | \`${reviewed.slice(0, 7)}\` |`);
    // What the model saw is the pushed line's hunk.
    const lastReviewRequest = deepseek.requests.filter((request) => !isVerificationRequest(request)).at(-1);
    expect(JSON.stringify(lastReviewRequest?.body)).toContain("export const half");
  });

  it("on /review from a collaborator, reviews the whole pull request again and fails on fail-on", async () => {
    const payload = reviewComment();
    const before = posts().length;
    const run = await runAction({
      event: "issue_comment",
      payload,
      env: { ...inputs(), "INPUT_FAIL-ON": "major" },
    });
    expect(posts()).toHaveLength(before + 1);
    expect(run.code).toBe(1);
    expect(run.log).toContain("::error title=deepseek-review::1 finding at or above major (fail-on)");
    // A command reviews the head again, whole; the outputs are this review's.
    expect(run.outputs["review-id"]).toBe(String(7_000 + before));
  });

  it("reads the configuration at config-path from GitHub: /review posts nothing where it turns the reviewer off", async () => {
    const before = posts().length;
    const calls = deepseek.requests.length;
    const run = await runAction({
      event: "issue_comment",
      payload: reviewComment(),
      env: { ...inputs(), "INPUT_CONFIG-PATH": ".github/turned-off.yml" },
    });
    expect(run.code).toBe(0);
    expect(
      github.requests.some((request) =>
        decodeURIComponent(request.path).startsWith(
          "/repos/Codertocat/Hello-World/contents/.github/turned-off.yml",
        ),
      ),
    ).toBe(true);
    expect(run.log).toContain("review.skipped");
    expect(posts()).toHaveLength(before);
    expect(deepseek.requests).toHaveLength(calls);
    expect(run.summary).toContain(
      "Not reviewed: the reviewer is turned off in the repository configuration (enabled: false).",
    );
  });

  it("says plainly that a pull request from a fork cannot be reviewed, and exits 0", async () => {
    const payload = webhookExample<Record<string, unknown>>("pull_request", "opened");
    const pr = payload.pull_request as { head: { repo: Record<string, unknown> } };
    pr.head.repo = { ...pr.head.repo, full_name: "someone/Hello-World" };
    const before = github.requests.length;
    const calls = deepseek.requests.length;
    // As GitHub runs it for a fork: no secrets, so the key input is empty.
    const run = await runAction({
      event: "pull_request",
      payload,
      env: { ...inputs(), "INPUT_DEEPSEEK-API-KEY": "" },
    });
    expect(run.code).toBe(0);
    expect(run.log).toMatch(
      /^::notice title=deepseek-review::Pull request #\d+ comes from the fork someone\/Hello-World\. GitHub runs pull_request workflows of forks with a read-only GITHUB_TOKEN and without secrets/m,
    );
    expect(github.requests).toHaveLength(before);
    expect(deepseek.requests).toHaveLength(calls);
  });

  it("fails with one error line when the key is missing on a pull request of the repository itself", async () => {
    const run = await runAction({
      event: "pull_request",
      payload: webhookExample("pull_request", "opened"),
      env: { ...inputs(), "INPUT_DEEPSEEK-API-KEY": "" },
    });
    expect(run.code).toBe(1);
    expect(run.log.trim()).toMatch(/^::error title=deepseek-review::the deepseek-api-key input is empty/);
  });

  it("refuses a max-pr-tokens input that is not a number, naming the input", async () => {
    const run = await runAction({
      event: "pull_request",
      payload: webhookExample("pull_request", "opened"),
      env: { ...inputs(), "INPUT_MAX-PR-TOKENS": "lots" },
    });
    expect(run.code).toBe(1);
    expect(run.log.trim()).toBe(
      "::error title=deepseek-review::the max-pr-tokens input must be a whole number",
    );
  });
});
