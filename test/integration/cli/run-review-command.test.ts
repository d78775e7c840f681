import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReviewCommand } from "../../../src/cli/run-review-command.js";
import { createGitRepo } from "../../helpers/run-cli.js";

function io(params: { cwd: string; isTTY: boolean; env?: Record<string, string> }) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { isTTY: params.isTTY, write: (text: string) => out.push(text) },
      stderr: { isTTY: false, write: (text: string) => err.push(text) },
      stdin: Readable.from([]),
      env: params.env ?? {},
      cwd: params.cwd,
    },
  };
}

const options = { base: "main", dryRun: true, format: "text", failOn: "none", quiet: true } as const;

describe("runReviewCommand, in-process", () => {
  let repo: ReturnType<typeof createGitRepo>;
  beforeAll(() => {
    repo = createGitRepo({ "a.ts": "export const a = 1;\n" });
    repo.git("checkout", "-q", "-b", "feature");
    repo.commit({ "a.ts": "export const a = 2;\n" }, "Change a");
  });
  afterAll(() => rmSync(repo.dir, { recursive: true, force: true }));

  it("colours the report on a terminal", async () => {
    const run = io({ cwd: repo.dir, isTTY: true });
    expect(await runReviewCommand(options, run.io)).toBe(0);
    expect(run.out.join("")).toContain("\u001b[1mDry run of main...HEAD");
  });

  it.each([
    ["off a terminal", false, {}],
    ["with NO_COLOR", true, { NO_COLOR: "1" }],
  ])("writes plain text %s", async (_name, isTTY, env) => {
    const run = io({ cwd: repo.dir, isTTY, env });
    expect(await runReviewCommand(options, run.io)).toBe(0);
    const text = run.out.join("");
    expect(text).toContain("Dry run of main...HEAD");
    expect(text).not.toContain("\u001b");
  });

  it("refuses --dry-run with a format that has findings in it", async () => {
    const run = io({ cwd: repo.dir, isTTY: false });
    expect(await runReviewCommand({ ...options, format: "sarif" }, run.io)).toBe(2);
    expect(run.err).toEqual([
      "deepseek-review: error: --dry-run writes text or json, not sarif: it has no findings\n",
    ]);
    expect(run.out).toEqual([]);
  });

  it("reads --diff and --config relative to its working directory", async () => {
    writeFileSync(join(repo.dir, "change.diff"), repo.git("diff", "main...HEAD"));
    writeFileSync(join(repo.dir, "review.yml"), "paths:\n  exclude: ['a.ts']\n");
    const run = io({ cwd: repo.dir, isTTY: false });
    const code = await runReviewCommand(
      {
        dryRun: true,
        format: "json",
        failOn: "none",
        quiet: true,
        diff: "change.diff",
        config: "review.yml",
      },
      run.io,
    );
    expect(run.err).toEqual([]);
    expect(code).toBe(0);
    const plan = JSON.parse(run.out.join(""));
    expect(plan.skipped).toEqual([
      { path: "a.ts", reason: expect.stringContaining("excluded by configuration") },
    ]);
    expect(plan.requests).toEqual([]);
  });

  it("warns that _extends is not followed, and reviews on the file's own keys", async () => {
    writeFileSync(join(repo.dir, "extends.yml"), "_extends: other-repo\npaths:\n  exclude: ['a.ts']\n");
    const run = io({ cwd: repo.dir, isTTY: false });
    const code = await runReviewCommand(
      { base: "main", dryRun: true, format: "json", failOn: "none", quiet: false, config: "extends.yml" },
      run.io,
    );
    expect(code).toBe(0);
    expect(run.err).toContain(
      `deepseek-review: warning: ${join(repo.dir, "extends.yml")}: _extends: names another repository's file, which the CLI does not read\n`,
    );
    expect(JSON.parse(run.out.join("")).skipped).toEqual([
      { path: "a.ts", reason: expect.stringContaining("excluded by configuration") },
    ]);
  });
});
