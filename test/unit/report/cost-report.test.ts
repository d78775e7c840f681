import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseCostArgs } from "../../../src/report/cost-cli.js";
import { summarizeLedger } from "../../../src/report/summarize-ledger.js";
import { openSqliteStore } from "../../../src/store/sqlite/open-sqlite-store.js";
import type { LedgerEntry } from "../../../src/store/types.js";

const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve("tsx")).href;
const CLI = fileURLToPath(new URL("../../../src/report/cost-cli.ts", import.meta.url));

function run(
  entry: Partial<LedgerEntry> & Pick<LedgerEntry, "id" | "repo" | "pr" | "finishedAt">,
): LedgerEntry {
  return {
    installationId: 1,
    trigger: "auto",
    models: [],
    requests: 0,
    promptCacheHitTokens: 0,
    promptCacheMissTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    durationMs: 1,
    findingsPosted: 0,
    findingsNotInline: 0,
    outcome: "completed",
    startedAt: entry.finishedAt,
    ...entry,
  };
}

const flash = (requests: number, costUsd: number) => ({
  model: "deepseek-v4-flash",
  requests,
  promptCacheHitTokens: 1_000 * requests,
  promptCacheMissTokens: 500 * requests,
  completionTokens: 100 * requests,
  costUsd,
});
const pro = (requests: number, costUsd: number) => ({
  ...flash(requests, costUsd),
  model: "deepseek-v4-pro",
});

/** Three runs with known figures: two on octo/a (one of them with both models), one failed run on octo/b. */
const LEDGER: LedgerEntry[] = [
  run({
    id: "1",
    repo: "octo/a",
    pr: 1,
    finishedAt: Date.parse("2026-03-01T10:00:00Z"),
    ...sum([flash(2, 0.01)]),
    models: [flash(2, 0.01)],
  }),
  run({
    id: "2",
    repo: "octo/a",
    pr: 2,
    finishedAt: Date.parse("2026-03-02T10:00:00Z"),
    ...sum([flash(1, 0.004), pro(1, 0.05)]),
    models: [flash(1, 0.004), pro(1, 0.05)],
  }),
  run({
    id: "3",
    repo: "octo/b",
    pr: 7,
    finishedAt: Date.parse("2026-03-02T23:59:59Z"),
    ...sum([flash(3, 0.02)]),
    models: [flash(3, 0.02)],
    outcome: "failed",
    reason: "DeepSeek server error",
  }),
];

function sum(models: ReturnType<typeof flash>[]) {
  return {
    requests: models.reduce((total, one) => total + one.requests, 0),
    promptCacheHitTokens: models.reduce((total, one) => total + one.promptCacheHitTokens, 0),
    promptCacheMissTokens: models.reduce((total, one) => total + one.promptCacheMissTokens, 0),
    completionTokens: models.reduce((total, one) => total + one.completionTokens, 0),
    costUsd: models.reduce((total, one) => total + one.costUsd, 0),
  };
}

describe("summarizeLedger", () => {
  it("adds up a known ledger by repository, most expensive first, with the total", () => {
    const { rows, total } = summarizeLedger(LEDGER, "repo");
    expect(rows.map((row) => [row.group, row.runs, row.requests])).toEqual([
      ["octo/a", 2, 4],
      ["octo/b", 1, 3],
    ]);
    expect(rows[0]?.costUsd).toBeCloseTo(0.064, 12);
    expect(rows[1]?.costUsd).toBeCloseTo(0.02, 12);
    expect(total).toMatchObject({
      runs: 3,
      requests: 7,
      promptCacheHitTokens: 7_000,
      promptCacheMissTokens: 3_500,
      completionTokens: 700,
    });
    expect(total.costUsd).toBeCloseTo(0.084, 12);
  });

  it("splits each run by the models it used, so the models add up to the total", () => {
    const { rows, total } = summarizeLedger(LEDGER, "model");
    expect(rows.map((row) => [row.group, row.runs, row.requests])).toEqual([
      ["deepseek-v4-pro", 1, 1],
      ["deepseek-v4-flash", 3, 6],
    ]);
    expect(rows.reduce((all, row) => all + row.costUsd, 0)).toBeCloseTo(total.costUsd, 12);
  });

  it("groups by UTC day, pull request and outcome", () => {
    expect(summarizeLedger(LEDGER, "day").rows.map((row) => [row.group, row.runs])).toEqual([
      ["2026-03-02", 2],
      ["2026-03-01", 1],
    ]);
    expect(summarizeLedger(LEDGER, "pr").rows.map((row) => row.group)).toEqual([
      "octo/a#2",
      "octo/b#7",
      "octo/a#1",
    ]);
    expect(summarizeLedger(LEDGER, "outcome").rows.map((row) => [row.group, row.runs])).toEqual([
      ["completed", 2],
      ["failed", 1],
    ]);
  });
});

describe("parseCostArgs", () => {
  it("reads dates as UTC days and filters", () => {
    expect(
      parseCostArgs(["--since", "2026-03-01", "--until", "2026-04-01", "--repo", "octo/a", "--by", "day"]),
    ).toEqual({
      filter: {
        since: Date.parse("2026-03-01T00:00:00Z"),
        until: Date.parse("2026-04-01T00:00:00Z"),
        repo: "octo/a",
      },
      by: "day",
      json: false,
      tally: false,
    });
  });

  it.each([
    [["--by", "colour"], "--by must be one of"],
    [["--since", "yesterday"], "--since must be a date"],
    [["--repo", "octo"], "--repo must be owner/name"],
    [["--pr=-1"], "--pr must be a pull request number"],
    [["--unknown"], "Unknown option"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCostArgs(argv)).toThrow(message);
  });
});

describe("npm run cost", () => {
  it("prints the ledger of DATA_DIR's store as a table, and as JSON", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "deepseek-review-cost-"));
    const store = openSqliteStore({ dataDir, reviewConcurrency: 1 });
    for (const entry of LEDGER) await store.recordRun(entry);
    await store.close();
    const exec = promisify(execFile);
    const env = { PATH: process.env.PATH ?? "", DATA_DIR: dataDir };

    const table = await exec(process.execPath, ["--import", TSX, CLI, "--since", "2026-03-02"], { env });
    expect(table.stdout).toContain("Review cost by repo: all repositories, since 2026-03-02");
    expect(table.stdout).toMatch(/octo\/a\s+1\s+2\s+2,000\s+1,000\s+200\s+\$0\.0540/);
    expect(table.stdout).toMatch(/total\s+2\s+5\s+5,000\s+2,500\s+500\s+\$0\.0740/);

    const json = await exec(process.execPath, ["--import", TSX, CLI, "--json", "--by", "model"], { env });
    const parsed = JSON.parse(json.stdout) as { total: { costUsd: number; runs: number } };
    expect(parsed.total.runs).toBe(3);
    expect(parsed.total.costUsd).toBeCloseTo(0.084, 12);

    await expect(
      exec(process.execPath, ["--import", TSX, CLI, "--by", "colour"], { env }),
    ).rejects.toMatchObject({ code: 2 });
  });
});
