import { formatUsd } from "../cost/compute-cost.js";
import { renderTextTable } from "./render-text-table.js";
import type { CostRow } from "./summarize-ledger.js";

const HEADERS = ["", "runs", "requests", "cache hit", "cache miss", "output", "cost"] as const;

/** A plain-text table, numbers right-aligned, the total last under a rule. */
export function renderCostTable(params: { title: string; rows: CostRow[]; total: CostRow }): string {
  const cells = [...params.rows, params.total].map((row) => [
    row.group,
    count(row.runs),
    count(row.requests),
    count(row.promptCacheHitTokens),
    count(row.promptCacheMissTokens),
    count(row.completionTokens),
    formatUsd(row.costUsd),
  ]);
  return renderTextTable({ title: params.title, headers: HEADERS, cells });
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}
