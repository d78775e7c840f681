import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERIFY_SYSTEM_PROMPT } from "../../src/review/verify-findings.js";
import { chatCompletion, type FakeDeepSeek, startFakeDeepSeek } from "../helpers/fake-deepseek.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** One case with a defect on line 11 (its last added line is 12) and one clean case. */
const CASES = "{py-race-counter,py-clean-typed-helper}";

type Body = { messages: { role: string; content: string }[] };

/**
 * A stand-in for DeepSeek: a review request gets one finding on the last added line of its diff; a verification
 * request rejects findings on the clean case's file and confirms the others.
 */
function answer(body: Body) {
  const [system, user] = [body.messages[0]?.content ?? "", body.messages[1]?.content ?? ""];
  if (system === VERIFY_SYSTEM_PROMPT) {
    const ids = [...user.matchAll(/"id": (\d+)/g)].map((match) => Number(match[1]));
    const verdict = user.includes("app/text.py") ? "rejected" : "confirmed";
    const content = JSON.stringify({ verdicts: ids.map((id) => ({ id, verdict, reason: "stand-in" })) });
    return chatCompletion({ content, promptTokens: 500, completionTokens: 20 });
  }
  const diff = user.slice(user.indexOf("<diff>"));
  const path = /=== FILE: (.+?) ===/.exec(diff)?.[1] ?? "";
  const added = [...diff.matchAll(/^\s*(\d+) \|\+/gm)].map((match) => Number(match[1]));
  const finding = {
    path,
    line: Math.max(...added),
    severity: "major",
    category: "logic",
    title: "A problem",
    body: "Explained.",
  };
  return chatCompletion({
    content: JSON.stringify({ findings: [finding] }),
    promptTokens: 3_000,
    completionTokens: 80,
  });
}

async function evalRun(args: string[], env: NodeJS.ProcessEnv) {
  const { PATH, HOME } = process.env;
  return run(process.execPath, ["--import", TSX, "eval/run-eval.ts", ...args], {
    cwd: ROOT,
    env: { PATH, HOME, ...env },
    timeout: 120_000,
  });
}

describe("npm run eval", () => {
  let deepseek: FakeDeepSeek;
  beforeAll(async () => {
    deepseek = await startFakeDeepSeek((request) => answer(request.body as Body));
  });
  afterAll(async () => {
    await deepseek.close();
  });

  it("says the key is missing and exits 0 without calling any model", async () => {
    const { stdout } = await evalRun(["--cases", CASES], { DEEPSEEK_BASE_URL: deepseek.url });
    expect(stdout).toContain("DEEPSEEK_API_KEY is not set");
    expect(deepseek.requests).toHaveLength(0);
  });

  it("refuses an unknown setting", async () => {
    await expect(evalRun(["--verify", "maybe"], {})).rejects.toMatchObject({ code: 2 });
  });

  it("runs the pipeline against the stand-in and reports each setting side by side", async () => {
    const { stdout } = await evalRun(["--cases", CASES, "--verify", "off,on", "--json"], {
      DEEPSEEK_API_KEY: "sk-eval-test",
      DEEPSEEK_BASE_URL: deepseek.url,
      DEEPSEEK_MAX_RETRIES: "0",
    });
    const report = JSON.parse(stdout) as {
      cases: number;
      settings: {
        setting: { verify: boolean; context: boolean; model: string };
        score: Record<string, number>;
      }[];
    };
    expect(report.cases).toBe(2);
    const [off, on] = report.settings;
    expect(off?.setting).toEqual({ model: "flash", context: true, verify: false });
    expect(off?.score).toMatchObject({
      defects: 1,
      found: 1,
      recall: 1,
      comments: 2,
      correctComments: 1,
      precision: 0.5,
      commentsPerPr: 1,
      errors: 0,
      rejected: 0,
    });
    expect(on?.setting).toEqual({ model: "flash", context: true, verify: true });
    // The stand-in's verifier rejects the comment on the clean case.
    expect(on?.score).toMatchObject({
      found: 1,
      recall: 1,
      comments: 1,
      precision: 1,
      rejected: 1,
      errors: 0,
    });
    expect(on?.score.verificationCostUsd).toBeGreaterThan(0);
    expect(on?.score.costUsd).toBeCloseTo(
      (off?.score.costUsd ?? 0) + (on?.score.verificationCostUsd ?? 0),
      10,
    );
    // Context was sent with the race case (its first lines are outside the hunk) in both settings.
    const reviewRequests = deepseek.requests.filter(
      (request) => (request.body as Body).messages[0]?.content !== VERIFY_SYSTEM_PROMPT,
    );
    expect(reviewRequests).toHaveLength(4);
    const forRace = reviewRequests.map((request) => (request.body as Body).messages[1]?.content ?? "");
    expect(forRace.filter((content) => content.includes("=== CONTEXT: app/metrics.py ===\n"))).toHaveLength(
      2,
    );
  });

  it("prints a table by default", async () => {
    const { stdout } = await evalRun(["--cases", "py-race-counter", "--context", "off"], {
      DEEPSEEK_API_KEY: "sk-eval-test",
      DEEPSEEK_BASE_URL: deepseek.url,
      DEEPSEEK_MAX_RETRIES: "0",
    });
    expect(stdout).toContain("| measure | flash, context off, verify on |");
    expect(stdout).toContain("| recall (defect found within ±2 lines) | 100.0 % (1/1) |");
  });
});
