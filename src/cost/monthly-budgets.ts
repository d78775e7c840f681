import type { LimitReached } from "./limit-reached.js";
import type { Spend, SpendHold, SpendScope, SpendWindows } from "./spend-windows.js";

/** Dollars a repository and an installation may spend per UTC calendar month; 0 means no budget. */
export interface MonthlyBudgetLimits {
  repositoryUsd: number;
  installationUsd: number;
}

/** What the budgets need of the store: the dollars the ledger holds for a scope since a time. */
export interface SpentSince {
  spentUsd(filter: { since: number; repo?: string; installationId?: number }): Promise<number>;
}

export interface MonthlyBudgets {
  /**
   * The windows one review is held to: the monthly budgets in front of `inner` (the hourly and daily ceilings).
   * `repositoryUsd` is the repository's own budget from its configuration, used when lower than the app's.
   */
  around(inner: SpendWindows, repositoryUsd?: number): SpendWindows;
}

/** Where each budget is set, for the note on the pull request. */
const SETTINGS = {
  repository: "BUDGET_REPO_USD_PER_MONTH",
  installation: "BUDGET_INSTALLATION_USD_PER_MONTH",
  repositoryConfig: "monthly_budget_usd in .github/deepseek-review.yml",
} as const;

/**
 * Monthly budgets in dollars per repository and per installation, read from the cost ledger (so they hold across
 * restarts, and across replicas sharing a PostgreSQL ledger) plus what reviews in flight in this process hold. A
 * review whose plan's estimate does not fit what is left is not run; the meter refuses it before any call.
 */
export function createMonthlyBudgets(params: {
  ledger: SpentSince;
  limits: MonthlyBudgetLimits;
}): MonthlyBudgets {
  const held = new Map<string, number>();
  const hold = (key: string, usd: number) => held.set(key, (held.get(key) ?? 0) + usd);

  const budgetsOf = (scope: SpendScope, repositoryUsd: number | undefined) => {
    const budgets: {
      key: string;
      scope: "repository" | "installation";
      ceiling: number;
      setting: string;
      filter: object;
    }[] = [];
    const appRepo = params.limits.repositoryUsd;
    const repo =
      repositoryUsd !== undefined && repositoryUsd > 0 && (appRepo === 0 || repositoryUsd < appRepo)
        ? { ceiling: repositoryUsd, setting: SETTINGS.repositoryConfig }
        : { ceiling: appRepo, setting: SETTINGS.repository };
    if (repo.ceiling > 0) {
      budgets.push({
        key: `repository:${scope.repository.toLowerCase()}`,
        scope: "repository",
        ...repo,
        filter: { repo: scope.repository },
      });
    }
    if (scope.installation !== undefined && params.limits.installationUsd > 0) {
      budgets.push({
        key: `installation:${scope.installation}`,
        scope: "installation",
        ceiling: params.limits.installationUsd,
        setting: SETTINGS.installation,
        filter: { installationId: scope.installation },
      });
    }
    return budgets;
  };

  /** The first budget `usd` more does not fit, with what is left of it. */
  const firstExceeded = async (
    scope: SpendScope,
    repositoryUsd: number | undefined,
    usd: number,
    now: Date,
  ): Promise<LimitReached | undefined> => {
    if (usd <= 0) return undefined;
    const since = monthStart(now);
    for (const budget of budgetsOf(scope, repositoryUsd)) {
      const spent = await params.ledger.spentUsd({ since, ...budget.filter });
      const left = budget.ceiling - spent - (held.get(budget.key) ?? 0);
      if (usd > left + 1e-12) {
        return {
          scope: budget.scope,
          unit: "usd",
          ceiling: budget.ceiling,
          setting: budget.setting,
          window: "month",
          resetsAt: new Date(nextMonthStart(now)),
          estimate: { needed: usd, left: Math.max(0, left) },
        };
      }
    }
    return undefined;
  };

  return {
    around(inner, repositoryUsd) {
      return {
        async reserve(scope, amount, now) {
          const reached = await firstExceeded(scope, repositoryUsd, amount.usd, now);
          if (reached !== undefined) return { reached };
          const result = await inner.reserve(scope, amount, now);
          if ("reached" in result) return result;
          const keys = budgetsOf(scope, repositoryUsd).map((budget) => budget.key);
          return {
            hold: monthlyHold({
              hold: result.hold,
              keys,
              amount,
              held,
              holdKey: hold,
              scope,
              check: firstExceeded,
              repositoryUsd,
            }),
          };
        },
        remaining: (scope, now) => inner.remaining(scope, now),
      };
    },
  };
}

/** A hold on the hourly and daily windows that also counts against the monthly budgets until released. */
function monthlyHold(params: {
  hold: SpendHold;
  keys: string[];
  amount: Spend;
  held: Map<string, number>;
  holdKey: (key: string, usd: number) => void;
  scope: SpendScope;
  repositoryUsd: number | undefined;
  check: (
    scope: SpendScope,
    repositoryUsd: number | undefined,
    usd: number,
    now: Date,
  ) => Promise<LimitReached | undefined>;
}): SpendHold {
  let mine = 0;
  const add = (usd: number) => {
    for (const key of params.keys) params.holdKey(key, usd);
    mine += usd;
  };
  add(params.amount.usd);
  return {
    async extend(more, now) {
      const reached = await params.check(params.scope, params.repositoryUsd, more.usd, now);
      if (reached !== undefined) return reached;
      const inner = await params.hold.extend(more, now);
      if (inner === undefined) add(more.usd);
      return inner;
    },
    // What was spent reaches the ledger with the run; until then the hold (an upper bound) stands for it.
    charge: (spent, at) => params.hold.charge(spent, at),
    async release() {
      for (const key of params.keys) params.held.set(key, Math.max(0, (params.held.get(key) ?? 0) - mine));
      mine = 0;
      await params.hold.release();
    },
  };
}

/** The start of `now`'s UTC calendar month, in epoch milliseconds. */
export function monthStart(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

function nextMonthStart(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
}
