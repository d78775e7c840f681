import type { LedgerEntry, ThreadEvent } from "../store/types.js";
import { renderTextTable } from "./render-text-table.js";

/** How a findings tally may be grouped. */
export const TALLY_GROUPINGS = ["repo", "pr", "day"] as const;
export type TallyGrouping = (typeof TALLY_GROUPINGS)[number];

/** One row of the findings tally: what became of a group's findings. */
export interface TallyRow {
  group: string;
  /** Inline findings posted (ledger). */
  posted: number;
  /** Threads the app resolved because the code changed. */
  actedOn: number;
  /** Findings a person dismissed (rejected). */
  dismissed: number;
  /** Replies and mentions answered. */
  answered: number;
}

/**
 * Findings posted (from the ledger) beside what became of them (thread events), by repository, pull request or
 * UTC day, busiest group first, with a total. Linear in the rows.
 */
export function tallyFindings(params: {
  runs: readonly LedgerEntry[];
  events: readonly ThreadEvent[];
  by: TallyGrouping;
}): { rows: TallyRow[]; total: TallyRow } {
  const groups = new Map<string, TallyRow>();
  const total = emptyRow("total");
  const row = (group: string) => {
    let found = groups.get(group);
    if (found === undefined) {
      found = emptyRow(group);
      groups.set(group, found);
    }
    return found;
  };
  for (const run of params.runs) {
    if (run.findingsPosted === 0) continue;
    row(groupOf(run.repo, run.pr, run.finishedAt, params.by)).posted += run.findingsPosted;
    total.posted += run.findingsPosted;
  }
  for (const event of params.events) {
    const field = FIELD[event.kind];
    row(groupOf(event.repo, event.pr, event.at, params.by))[field] += 1;
    total[field] += 1;
  }
  const size = (one: TallyRow) => one.posted + one.actedOn + one.dismissed + one.answered;
  const rows = [...groups.values()].sort((a, b) => size(b) - size(a) || (a.group < b.group ? -1 : 1));
  return { rows, total };
}

const FIELD = { "acted-on": "actedOn", dismissed: "dismissed", answered: "answered" } as const;

function groupOf(repo: string, pr: number, at: number, by: TallyGrouping): string {
  switch (by) {
    case "repo":
      return repo.toLowerCase();
    case "pr":
      return `${repo.toLowerCase()}#${pr}`;
    case "day":
      return new Date(at).toISOString().slice(0, 10);
  }
}

function emptyRow(group: string): TallyRow {
  return { group, posted: 0, actedOn: 0, dismissed: 0, answered: 0 };
}

const HEADERS = ["", "posted", "acted on", "dismissed", "answered"] as const;

/** A plain-text table of the tally, numbers right-aligned, the total last under a rule. */
export function renderTallyTable(params: { title: string; rows: TallyRow[]; total: TallyRow }): string {
  const cells = [...params.rows, params.total].map((one) => [
    one.group,
    ...[one.posted, one.actedOn, one.dismissed, one.answered].map((value) => value.toLocaleString("en-US")),
  ]);
  return renderTextTable({ title: params.title, headers: HEADERS, cells });
}
