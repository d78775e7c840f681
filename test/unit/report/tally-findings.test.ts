import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCostArgs } from "../../../src/report/cost-cli.js";
import { tallyFindings } from "../../../src/report/tally-findings.js";
import { openSqliteStore } from "../../../src/store/sqlite/open-sqlite-store.js";
import type { LedgerEntry, ThreadEvent } from "../../../src/store/types.js";

const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve("tsx")).href;
const CLI = fileURLToPath(new URL("../../../src/report/cost-cli.ts", import.meta.url));

function run(repo: string, pr: number, findingsPosted: number, finishedAt: number): LedgerEntry {
  return {
    id: `${repo}-${pr}-${finishedAt}`,
    installationId: 1,
    repo,
    pr,
    trigger: "auto",
    models: [],
    requests: 1,
    promptCacheHitTokens: 0,
    promptCacheMissTokens: 0,
    completionTokens: 0,
    costUsd: 0.001,
    durationMs: 1,
    findingsPosted,
    findingsNotInline: 0,
    outcome: "completed",
    startedAt: finishedAt,
    finishedAt,
  };
}

const event = (
  repo: string,
  pr: number,
  kind: ThreadEvent["kind"],
  key: string,
  at: number,
): ThreadEvent => ({
  installationId: 1,
  repo,
  pr,
  key,
  kind,
  at,
});

const DAY1 = Date.parse("2026-03-01T10:00:00Z");
const DAY2 = Date.parse("2026-03-02T10:00:00Z");
const RUNS = [run("octo/a", 1, 4, DAY1), run("octo/a", 2, 1, DAY2), run("octo/b", 7, 0, DAY2)];
const EVENTS = [
  event("octo/a", 1, "acted-on", "T1", DAY2),
  event("octo/a", 1, "dismissed", "T2", DAY2),
  event("octo/a", 1, "answered", "901", DAY2),
  event("octo/b", 7, "answered", "902", DAY2),
];

describe("tallyFindings", () => {
  it("adds up findings posted and what became of them, by pull request, busiest first", () => {
    expect(tallyFindings({ runs: RUNS, events: EVENTS, by: "pr" })).toEqual({
      rows: [
        { group: "octo/a#1", posted: 4, actedOn: 1, dismissed: 1, answered: 1 },
        { group: "octo/a#2", posted: 1, actedOn: 0, dismissed: 0, answered: 0 },
        { group: "octo/b#7", posted: 0, actedOn: 0, dismissed: 0, answered: 1 },
      ],
      total: { group: "total", posted: 5, actedOn: 1, dismissed: 1, answered: 2 },
    });
  });

  it.each([
    ["repo", ["octo/a", "octo/b"]],
    ["day", ["2026-03-01", "2026-03-02"]],
  ] as const)("groups by %s", (by, groups) => {
    expect(
      tallyFindings({ runs: RUNS, events: EVENTS, by })
        .rows.map((row) => row.group)
        .sort(),
    ).toEqual(groups);
  });

  it("makes the rows add up to the total, whatever the ledger", () => {
    const kinds = fc.constantFrom<ThreadEvent["kind"]>("acted-on", "dismissed", "answered");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("o/a", "o/b"), fc.integer({ min: 1, max: 3 }), fc.nat(20)), {
          maxLength: 50,
        }),
        fc.array(fc.tuple(fc.constantFrom("o/a", "o/b"), fc.integer({ min: 1, max: 3 }), kinds), {
          maxLength: 50,
        }),
        fc.constantFrom("repo" as const, "pr" as const, "day" as const),
        (runs, events, by) => {
          const tally = tallyFindings({
            runs: runs.map(([repo, pr, posted], index) => run(repo, pr, posted, DAY1 + index)),
            events: events.map(([repo, pr, kind], index) => event(repo, pr, kind, String(index), DAY2)),
            by,
          });
          for (const field of ["posted", "actedOn", "dismissed", "answered"] as const) {
            expect(tally.rows.reduce((sum, row) => sum + row[field], 0)).toBe(tally.total[field]);
          }
        },
      ),
    );
  });
});

describe("npm run cost -- --tally", () => {
  it("refuses a grouping the tally has not", () => {
    expect(() => parseCostArgs(["--tally", "--by", "model"])).toThrow("--tally goes --by repo, pr, day");
    expect(parseCostArgs(["--tally", "--by", "pr"]).tally).toBe(true);
  });

  it("prints the store's tally per pull request", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "deepseek-review-tally-"));
    const store = openSqliteStore({ dataDir, reviewConcurrency: 1 });
    for (const entry of RUNS) await store.recordRun(entry);
    for (const one of EVENTS) await store.recordThreadEvent(one);
    await store.close();
    const exec = promisify(execFile);
    const env = { PATH: process.env.PATH ?? "", DATA_DIR: dataDir };

    const table = await exec(process.execPath, ["--import", TSX, CLI, "--tally", "--by", "pr"], { env });
    expect(table.stdout).toContain("Findings by pr: all repositories");
    expect(table.stdout).toMatch(/octo\/a#1\s+4\s+1\s+1\s+1/);
    expect(table.stdout).toMatch(/total\s+5\s+1\s+1\s+2/);
  });
});
