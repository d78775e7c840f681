import { formatUsd } from "../cost/compute-cost.js";
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
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? "").length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const body = cells.slice(0, -1).map(line);
  return [
    params.title,
    "",
    line(HEADERS),
    rule,
    ...body,
    ...(body.length > 0 ? [rule] : []),
    line(cells.at(-1) ?? []),
  ].join("\n");
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}
