import { describe, expect, it } from "vitest";
import { createMonthlyBudgets } from "../../../src/cost/monthly-budgets.js";
import { createSpendWindows } from "../../../src/cost/spend-windows.js";
import type { LedgerEntry, Store } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";

const NOW = new Date("2026-03-20T12:00:00Z");
const scope = { repository: "octo/hello", installation: 42 };

function run(id: string, costUsd: number, finishedAt: string, repo = "octo/hello"): LedgerEntry {
  const at = Date.parse(finishedAt);
  return {
    id,
    installationId: 42,
    repo,
    pr: 1,
    trigger: "auto",
    models: [],
    requests: 1,
    promptCacheHitTokens: 0,
    promptCacheMissTokens: 0,
    completionTokens: 0,
    costUsd,
    durationMs: 1,
    findingsPosted: 0,
    findingsNotInline: 0,
    outcome: "completed",
    startedAt: at,
    finishedAt: at,
  };
}

async function ledgerWith(entries: LedgerEntry[]): Promise<Store> {
  const store = createTestStore();
  for (const entry of entries) await store.recordRun(entry);
  return store;
}

describe("createMonthlyBudgets", () => {
  it("refuses a review whose estimate does not fit what the ledger leaves of the repository's month, naming the budget", async () => {
    // Spent this month: $4.90; last month's $100 does not count.
    const store = await ledgerWith([
      run("a", 4, "2026-03-02T00:00:00Z"),
      run("b", 0.9, "2026-03-19T00:00:00Z"),
      run("old", 100, "2026-02-28T23:59:59Z"),
    ]);
    const budgets = createMonthlyBudgets({ ledger: store, limits: { repositoryUsd: 5, installationUsd: 0 } });
    const windows = budgets.around(createSpendWindows([]));

    const refused = await windows.reserve(scope, { usd: 0.2, calls: 3 }, NOW);
    expect(refused).toEqual({
      reached: {
        scope: "repository",
        unit: "usd",
        ceiling: 5,
        setting: "BUDGET_REPO_USD_PER_MONTH",
        window: "month",
        resetsAt: new Date("2026-04-01T00:00:00Z"),
        estimate: { needed: 0.2, left: expect.closeTo(0.1, 10) },
      },
    });
    expect("hold" in (await windows.reserve(scope, { usd: 0.05, calls: 1 }, NOW))).toBe(true);
  });

  it("counts what reviews in flight hold until they release it", async () => {
    const store = await ledgerWith([]);
    const budgets = createMonthlyBudgets({ ledger: store, limits: { repositoryUsd: 0, installationUsd: 1 } });
    const first = await budgets.around(createSpendWindows([])).reserve(scope, { usd: 0.7, calls: 1 }, NOW);
    const second = budgets.around(createSpendWindows([]));
    expect(
      await second.reserve({ ...scope, repository: "octo/other" }, { usd: 0.4, calls: 1 }, NOW),
    ).toMatchObject({
      reached: {
        scope: "installation",
        setting: "BUDGET_INSTALLATION_USD_PER_MONTH",
        estimate: { left: expect.closeTo(0.3, 10) },
      },
    });
    if (!("hold" in first)) throw new Error("the first review should have been let through");
    await first.hold.release();
    expect("hold" in (await second.reserve(scope, { usd: 0.4, calls: 1 }, NOW))).toBe(true);
  });

  it("uses a repository's own lower budget, and never a higher one", async () => {
    const store = await ledgerWith([run("a", 1, "2026-03-10T00:00:00Z")]);
    const budgets = createMonthlyBudgets({ ledger: store, limits: { repositoryUsd: 5, installationUsd: 0 } });
    expect(
      await budgets.around(createSpendWindows([]), 1.2).reserve(scope, { usd: 0.5, calls: 1 }, NOW),
    ).toMatchObject({
      reached: { ceiling: 1.2, setting: "monthly_budget_usd in .github/deepseek-review.yml" },
    });
    expect(
      "hold" in
        (await budgets.around(createSpendWindows([]), 500).reserve(scope, { usd: 3.9, calls: 1 }, NOW)),
    ).toBe(true);
  });

  it("starts again on the first of the month", async () => {
    const store = await ledgerWith([run("a", 5, "2026-03-31T23:00:00Z")]);
    const windows = createMonthlyBudgets({
      ledger: store,
      limits: { repositoryUsd: 5, installationUsd: 0 },
    }).around(createSpendWindows([]));
    expect(
      "reached" in (await windows.reserve(scope, { usd: 0.01, calls: 1 }, new Date("2026-03-31T23:30:00Z"))),
    ).toBe(true);
    expect(
      "hold" in (await windows.reserve(scope, { usd: 0.01, calls: 1 }, new Date("2026-04-01T00:00:01Z"))),
    ).toBe(true);
  });

  it("lets the hourly and daily ceilings behind it refuse too", async () => {
    const store = await ledgerWith([]);
    const windows = createMonthlyBudgets({
      ledger: store,
      limits: { repositoryUsd: 100, installationUsd: 0 },
    }).around(
      createSpendWindows([
        {
          scope: "repository",
          unit: "calls",
          window: "hour",
          ceiling: 2,
          setting: "LIMIT_REPO_CALLS_PER_HOUR",
        },
      ]),
    );
    expect(await windows.reserve(scope, { usd: 0.01, calls: 3 }, NOW)).toMatchObject({
      reached: { setting: "LIMIT_REPO_CALLS_PER_HOUR" },
    });
  });
});
