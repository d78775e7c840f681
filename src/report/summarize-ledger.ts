import type { LedgerEntry } from "../store/types.js";

export const GROUPINGS = ["repo", "pr", "day", "model", "outcome"] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** One row of a cost report: a group and its totals. */
export interface CostRow {
  group: string;
  /** Review runs in the group (for `model`, runs that used the model). */
  runs: number;
  requests: number;
  promptCacheHitTokens: number;
  promptCacheMissTokens: number;
  completionTokens: number;
  costUsd: number;
}

/**
 * Adds up ledger rows by repository, pull request, UTC day, model or outcome, most expensive group first, with a
 * total. By model, each run's spend is split by the models it used (its `models`), so the groups add up to the total.
 */
export function summarizeLedger(
  entries: readonly LedgerEntry[],
  by: Grouping,
): { rows: CostRow[]; total: CostRow } {
  const groups = new Map<string, CostRow>();
  const add = (group: string, spend: Omit<CostRow, "group" | "runs">) => {
    const row = groups.get(group) ?? emptyRow(group);
    row.runs += 1;
    addSpend(row, spend);
    groups.set(group, row);
  };
  const total = emptyRow("total");
  for (const entry of entries) {
    total.runs += 1;
    addSpend(total, entry);
    if (by === "model") {
      for (const model of entry.models) add(model.model, model);
      continue;
    }
    add(groupOf(entry, by), entry);
  }
  const rows = [...groups.values()].sort((a, b) => b.costUsd - a.costUsd || (a.group < b.group ? -1 : 1));
  return { rows, total };
}

function groupOf(entry: LedgerEntry, by: Exclude<Grouping, "model">): string {
  switch (by) {
    case "repo":
      return entry.repo;
    case "pr":
      return `${entry.repo}#${entry.pr}`;
    case "day":
      return new Date(entry.finishedAt).toISOString().slice(0, 10);
    case "outcome":
      return entry.outcome;
  }
}

function emptyRow(group: string): CostRow {
  return {
    group,
    runs: 0,
    requests: 0,
    promptCacheHitTokens: 0,
    promptCacheMissTokens: 0,
    completionTokens: 0,
    costUsd: 0,
  };
}

function addSpend(row: CostRow, spend: Omit<CostRow, "group" | "runs">): void {
  row.requests += spend.requests;
  row.promptCacheHitTokens += spend.promptCacheHitTokens;
  row.promptCacheMissTokens += spend.promptCacheMissTokens;
  row.completionTokens += spend.completionTokens;
  row.costUsd += spend.costUsd;
}
