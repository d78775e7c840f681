import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import AjvDraft04Module from "ajv-draft-04";
import type { Log } from "sarif";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chatCompletion,
  type FakeDeepSeek,
  type FakeDeepSeekRequest,
  findingsToCheck,
  isVerificationRequest,
  startFakeDeepSeek,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import { createGitRepo, runCli } from "../helpers/run-cli.js";

const FORBID_NETWORK = fileURLToPath(new URL("../helpers/forbid-network.mjs", import.meta.url));
/** ajv-draft-04 is CommonJS: its class is the module's `default` export. */
const AjvDraft04 = AjvDraft04Module.default;
const SARIF_SCHEMA = JSON.parse(
  readFileSync(new URL("../fixtures/sarif/sarif-2.1.0-rtm.5.json", import.meta.url), "utf8"),
) as object;

const BASE_FILE = ["export function add(a: number, b: number) {", "  return a + b;", "}", ""].join("\n");
const HEAD_FILE = [
  "export function add(a: number, b: number) {",
  "  return a + b;",
  "}",
  "",
  "export function ratio(a: number, b: number) {",
  "  return a / b;",
  "}",
  "",
].join("\n");

/** A GitHub token in the code: masked before anything is sent, as the App masks it. */
const TOKEN = `ghp_${"a1B2c3D4e5F6".repeat(3)}`;

/** What the stand-in model says about the pushed code: one major finding on `return a / b;`, a hostile title. */
const FINDING = {
  path: "src/math.ts",
  start_line: 5,
  line: 6,
  severity: "major",
  category: "logic",
  title: "Division by zero \u001b[31mis not handled\u001b]0;owned\u0007",
  body: "`b` may be 0, and `ratio` then returns Infinity.",
  // Lines 5–6 replaced: the function's first line is kept, so the file still parses (the CLI checks, as the App).
  suggestion:
    'export function ratio(a: number, b: number) {\n  if (b === 0) throw new RangeError("b must not be 0");\n  return a / b;',
};

describe("deepseek-review review (the CLI, as its own process)", { timeout: 60_000 }, () => {
  let repo: ReturnType<typeof createGitRepo>;
  let deepseek: FakeDeepSeek;
  let env: Record<string, string>;

  beforeAll(async () => {
    repo = createGitRepo({ "src/math.ts": BASE_FILE, "README.md": "# math\n" });
    repo.git("checkout", "-q", "-b", "feature");
    repo.commit(
      {
        "src/math.ts": HEAD_FILE,
        "src/token.ts": `export const token = "${TOKEN}";\n`,
        ".env": "DATABASE_PASSWORD=hunter2\n",
        "package-lock.json": '{"lockfileVersion": 3}\n',
      },
      "Add ratio",
    );
    // A review request gets FINDING; the verification pass (on by default, as in the App) confirms it.
    deepseek = await startFakeDeepSeek((request) =>
      isVerificationRequest(request)
        ? verdictsCompletion(request, "confirmed", {
            promptTokens: 800,
            completionTokens: 40,
            cacheHitTokens: 600,
          })
        : chatCompletion({
            content: JSON.stringify({ findings: [FINDING] }),
            promptTokens: 3_000,
            completionTokens: 120,
            cacheHitTokens: 1_000,
          }),
    );
    env = { DEEPSEEK_API_KEY: "sk-test", DEEPSEEK_BASE_URL: deepseek.url, DEEPSEEK_MAX_RETRIES: "0" };
  });

  afterAll(async () => {
    await deepseek?.close();
    rmSync(repo.dir, { recursive: true, force: true });
  });

  it("prints the findings grouped by file with the code they point at, and progress lines on stderr", async () => {
    const before = deepseek.requests.length;
    const run = await runCli({ args: ["review", "--base", "main"], cwd: repo.dir, env });

    expect(run.code).toBe(0);
    // One review request, then the verification of its finding.
    const requests = deepseek.requests.slice(before);
    expect(requests.map(isVerificationRequest)).toEqual([false, true]);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("src/math.ts");
    expect(run.stdout).toContain("src/math.ts:5-6  MAJOR [logic]  Division by zero");
    expect(run.stdout).toMatch(/^ {4}5 \| export function ratio\(a: number, b: number\) \{$/m);
    expect(run.stdout).toMatch(/^ {4}6 \| {3}return a \/ b;$/m);
    expect(run.stdout).toContain("Skipped package-lock.json");
    expect(run.stdout).toContain("1 finding (1 major)");
    // The model's escape sequences never reach the terminal; no colours off a terminal either.
    expect(run.stdout).not.toContain("\u001b");
    expect(run.stdout).toContain("Skipped .env: ");
    expect(run.stderr).toContain("deepseek-review: planning 4 files of main...HEAD\n");
    expect(run.stderr).toContain("deepseek-review: 1 request to DeepSeek\n");
    expect(run.stderr).toMatch(/deepseek-review: 1\/1 requests done, 3,120 tokens, \$0\.000\d+ so far\n/);
    // The verification request comes after the plan's: counted in the total, never "2/1".
    expect(run.stderr).toMatch(/deepseek-review: 2\/2 requests done, 3,960 tokens, \$0\.000398 so far\n/);
    // The diff reached the model as the App sends it; the key went only to the stand-in.
    const [review, verification] = requests as [FakeDeepSeekRequest, FakeDeepSeekRequest];
    const sent = JSON.stringify(review.body);
    expect(sent).toContain("return a / b;");
    expect(sent).toContain("export const token");
    // With the code around the diff, read from the checkout at the head, as the App reads it from GitHub.
    expect(sent).toContain("<code_context>");
    // The verification pass was shown the finding with the code it points at.
    expect(findingsToCheck(verification)).toMatchObject([{ id: 1, path: "src/math.ts", line: 6 }]);
    expect(JSON.stringify(verification.body)).toContain("return a / b;");
    for (const request of requests) {
      expect(JSON.stringify(request.body)).not.toContain(TOKEN);
      expect(JSON.stringify(request.body)).not.toContain("hunter2");
      expect(request.headers.authorization).toBe("Bearer sk-test");
    }
  });

  it("exits with 1 when a finding is at or above --fail-on, 0 when none is", async () => {
    const [major, critical] = await Promise.all([
      runCli({ args: ["review", "--base", "main", "--fail-on", "major", "--quiet"], cwd: repo.dir, env }),
      runCli({ args: ["review", "--base", "main", "--fail-on", "critical", "--quiet"], cwd: repo.dir, env }),
    ]);
    expect(major.code).toBe(1);
    expect(critical.code).toBe(0);
    expect(major.stderr).toBe("");
    expect(critical.stderr).toBe("");
  });

  it("writes JSON with every finding, what was skipped and the cost", async () => {
    const run = await runCli({
      args: ["review", "--base", "main", "--format", "json", "--quiet"],
      cwd: repo.dir,
      env,
    });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.findings).toEqual([
      {
        path: "src/math.ts",
        startLine: 5,
        line: 6,
        severity: "major",
        category: "logic",
        title: FINDING.title,
        body: FINDING.body,
        suggestion: FINDING.suggestion,
      },
    ]);
    expect(report.skipped).toEqual([
      { path: ".env", reason: expect.any(String) },
      { path: "package-lock.json", reason: expect.stringContaining("lock") },
    ]);
    // The review request and the verification request, both billed.
    expect(report.requests).toBe(2);
    expect(report.usage).toEqual({
      promptCacheHitTokens: 1_000 + 600,
      promptCacheMissTokens: 2_000 + 200,
      completionTokens: 120 + 40,
    });
    // Flash list prices: 1,600 × 0.028 + 2,200 × 0.14 + 160 × 0.28, per million.
    expect(report.costUsd).toBeCloseTo(0.0003976, 10);
  });

  it("writes the review the App would post as markdown, to --output", async () => {
    const output = join(repo.dir, "..", `review-${process.pid}.md`);
    const run = await runCli({
      args: ["review", "--base", "main", "--format", "markdown", "--output", output, "--quiet"],
      cwd: repo.dir,
      env,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    const markdown = readFileSync(output, "utf8");
    rmSync(output);
    expect(markdown).toMatch(/^### DeepSeek review/);
    expect(markdown).toContain("#### `src/math.ts`, lines 5–6");
    expect(markdown).toContain("```suggestion");
    // No hidden record lines: they are the App's, for its own reviews on GitHub.
    expect(markdown).not.toContain("<!-- deepseek-review:");
  });

  it("writes SARIF 2.1.0 that validates against the schema, one rule per category", async () => {
    const run = await runCli({
      args: ["review", "--base", "main", "--format", "sarif", "--quiet"],
      cwd: repo.dir,
      env,
    });
    expect(run.code).toBe(0);
    const log = JSON.parse(run.stdout) as Log;
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false, logger: false });
    const valid = ajv.validate(SARIF_SCHEMA, log);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const [sarifRun] = log.runs;
    const result = sarifRun?.results?.[0];
    expect(sarifRun?.results).toHaveLength(1);
    expect(result?.ruleId).toBe("deepseek-review/logic");
    expect(sarifRun?.tool.driver.rules?.[result?.ruleIndex ?? -1]?.id).toBe("deepseek-review/logic");
    expect(result?.level).toBe("error");
    expect(result?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "src/math.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 5, endLine: 6 },
    });
  });

  it("the schema check can fail: a result without a message is refused", () => {
    const ajv = new AjvDraft04({ strict: false, unicodeRegExp: false, logger: false });
    const broken = {
      version: "2.1.0",
      runs: [{ tool: { driver: { name: "x" } }, results: [{ ruleId: "r", level: "severe" }] }],
    };
    expect(ajv.validate(SARIF_SCHEMA, broken)).toBe(false);
  });

  it("exits with 2 and one line on stderr when DeepSeek fails", async () => {
    const failing = await startFakeDeepSeek(() => ({
      kind: "answer",
      status: 401,
      body: { error: { message: "bad key" } },
    }));
    try {
      const run = await runCli({
        args: ["review", "--base", "main", "--quiet"],
        cwd: repo.dir,
        env: { ...env, DEEPSEEK_BASE_URL: failing.url },
      });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split("\n")).toEqual([
        "deepseek-review: error: 2 files not reviewed: DeepSeek rejected the API key",
      ]);
    } finally {
      await failing.close();
    }
  });

  it("exits with 2 and names the variable when there is no key", async () => {
    const run = await runCli({
      args: ["review", "--base", "main"],
      cwd: repo.dir,
      env: { DEEPSEEK_BASE_URL: deepseek.url },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "deepseek-review: error: DEEPSEEK_API_KEY is missing: set it to your DeepSeek API key (sk-…)\n",
    );
  });

  it("exits with 2 on a usage mistake or a configuration problem, with one line each", async () => {
    const config = join(repo.dir, "..", `bad-config-${process.pid}.yml`);
    writeFileSync(config, "min_severity: loud\n");
    const [unknownRef, badFormat, badConfig, both] = await Promise.all([
      runCli({ args: ["review", "--base", "no-such-branch"], cwd: repo.dir, env }),
      runCli({ args: ["review", "--format", "xml"], cwd: repo.dir, env }),
      runCli({ args: ["review", "--base", "main", "--config", config], cwd: repo.dir, env }),
      runCli({ args: ["review", "--diff", "-", "--base", "main"], cwd: repo.dir, env }),
    ]);
    rmSync(config);
    expect(unknownRef).toMatchObject({
      code: 2,
      stderr: "deepseek-review: error: --base no-such-branch: no such commit in this checkout\n",
    });
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(
      /^deepseek-review: error: option '--format <format>' argument 'xml' is invalid/,
    );
    expect(both).toEqual({
      code: 2,
      stdout: "",
      stderr: "deepseek-review: error: option '--diff <file>' cannot be used with option '--base <ref>'\n",
    });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(
      /^deepseek-review: error: .*bad-config-\d+\.yml: min_severity: expected one of/,
    );
  });

  describe("--dry-run", () => {
    it("plans and prices the review with no key and no network", async () => {
      const tripwire = await startFakeDeepSeek(() => {
        throw new Error("the dry run reached the DeepSeek stand-in");
      });
      try {
        const run = await runCli({
          args: ["review", "--dry-run", "--base", "main"],
          cwd: repo.dir,
          // No key; the base URL is a live server that must never be reached; every connection throws anyway.
          env: { DEEPSEEK_BASE_URL: tripwire.url, NODE_OPTIONS: `--import=${FORBID_NETWORK}` },
        });
        expect(run.stderr).not.toContain("forbid-network");
        expect(run.code).toBe(0);
        expect(tripwire.requests).toHaveLength(0);
        expect(run.stdout).toContain("Dry run of main...HEAD: nothing is sent, no key is needed.");
        expect(run.stdout).toMatch(/^ {2}review {2}src\/math\.ts {2}\+4 -0$/m);
        expect(run.stdout).toMatch(/^ {2}skip {4}package-lock\.json {2}\+1 -0 {2}— .*lock/m);
        expect(run.stdout).toMatch(/^Plan: 1 request$/m);
        expect(run.stdout).toMatch(
          /^ {4}1\. deepseek-v4-flash {2}[\d,]+ prompt tokens \(\d+ of diff\) {2}2 files: src\/math\.ts, src\/token\.ts$/m,
        );
        expect(run.stdout).toMatch(/^ {2}deepseek-v4-flash +\$0\.\d+ +\$0\.\d+ +\+\$0\.\d+$/m);
        expect(run.stdout).toMatch(/^ {2}deepseek-v4-pro +\$0\.\d+ +\$0\.\d+ +\+\$0\.\d+$/m);
      } finally {
        await tripwire.close();
      }
    });

    it("gives the same plan as JSON, priced at the list prices, for a diff on stdin", async () => {
      const diff = repo.git("diff", "main...HEAD");
      const run = await runCli({
        args: ["review", "--dry-run", "--diff", "-", "--format", "json", "--quiet"],
        cwd: repo.dir,
        env: { NODE_OPTIONS: `--import=${FORBID_NETWORK}` },
        input: diff,
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const plan = JSON.parse(run.stdout);
      expect(plan.kept).toEqual(["src/math.ts", "src/token.ts"]);
      expect(plan.requests).toHaveLength(1);
      const [flash, pro] = plan.estimates;
      const prompt = plan.requests[0].promptTokens;
      expect(flash).toMatchObject({ model: "deepseek-v4-flash", requests: 1, promptTokens: prompt });
      expect(flash.allMissUsd).toBeCloseTo((prompt * 0.14) / 1e6, 12);
      expect(flash.maxOutputUsd).toBeCloseTo((4_096 * 0.28) / 1e6, 12);
      expect(pro.allMissUsd).toBeCloseTo((prompt * 1.74) / 1e6, 12);
      // One request: nothing is read from the cache yet.
      expect(flash.prefixCachedUsd).toBeCloseTo(flash.allMissUsd, 12);
    });
  });
});
