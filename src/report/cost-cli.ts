import { parseArgs } from "node:util";
import { openStore } from "../store/open-store.js";
import type { LedgerFilter } from "../store/types.js";
import { renderCostTable } from "./render-cost-table.js";
import { GROUPINGS, type Grouping, summarizeLedger } from "./summarize-ledger.js";
import { renderTallyTable, TALLY_GROUPINGS, tallyFindings } from "./tally-findings.js";

const USAGE = `usage: npm run cost -- [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--repo owner/name] [--pr N]
                     [--by repo|pr|day|model|outcome] [--json] [--tally]
--tally: findings posted, acted on (resolved because the code changed), dismissed and replies answered, --by
repo|pr|day, instead of the cost.
Reads the cost ledger of the store the environment names (DATABASE_URL, else DATA_DIR, default ./data).`;

/** `npm run cost`: totals from the ledger, as a table or JSON. Exit 2 with one line on bad arguments. */
export async function runCostReport(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parseCostArgs>;
  try {
    parsed = parseCostArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const store = await openStore({
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: env.DATA_DIR?.trim() || "./data",
    reviewConcurrency: 1,
  });
  try {
    const entries = await store.listRuns(parsed.filter);
    if (parsed.tally) {
      const events = await store.listThreadEvents(parsed.filter);
      const tally = tallyFindings({
        runs: entries,
        events,
        by: parsed.by as (typeof TALLY_GROUPINGS)[number],
      });
      if (parsed.json)
        console.log(JSON.stringify({ filter: parsed.filter, by: parsed.by, ...tally }, null, 2));
      else
        console.log(
          renderTallyTable({ title: describe(parsed).replace(/^Review cost/, "Findings"), ...tally }),
        );
      return 0;
    }
    const { rows, total } = summarizeLedger(entries, parsed.by);
    if (parsed.json) {
      console.log(JSON.stringify({ filter: parsed.filter, by: parsed.by, rows, total }, null, 2));
    } else {
      console.log(renderCostTable({ title: describe(parsed), rows, total }));
    }
    return 0;
  } finally {
    await store.close();
  }
}

export function parseCostArgs(argv: string[]): {
  filter: LedgerFilter;
  by: Grouping;
  json: boolean;
  tally: boolean;
} {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      since: { type: "string" },
      until: { type: "string" },
      repo: { type: "string" },
      pr: { type: "string" },
      by: { type: "string", default: "repo" },
      json: { type: "boolean", default: false },
      tally: { type: "boolean", default: false },
    },
  });
  if (!(GROUPINGS as readonly string[]).includes(values.by)) {
    throw new Error(`--by must be one of ${GROUPINGS.join(", ")}, got ${JSON.stringify(values.by)}`);
  }
  if (values.tally && !(TALLY_GROUPINGS as readonly string[]).includes(values.by)) {
    throw new Error(`--tally goes --by ${TALLY_GROUPINGS.join(", ")}, got ${JSON.stringify(values.by)}`);
  }
  const filter: LedgerFilter = {};
  if (values.since !== undefined) filter.since = parseDate("--since", values.since);
  if (values.until !== undefined) filter.until = parseDate("--until", values.until);
  if (values.repo !== undefined) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo))
      throw new Error(`--repo must be owner/name, got ${JSON.stringify(values.repo)}`);
    filter.repo = values.repo;
  }
  if (values.pr !== undefined) {
    const pr = Number(values.pr);
    if (!Number.isInteger(pr) || pr <= 0)
      throw new Error(`--pr must be a pull request number, got ${JSON.stringify(values.pr)}`);
    filter.pr = pr;
  }
  return { filter, by: values.by as Grouping, json: values.json, tally: values.tally };
}

/** A UTC date (`2026-03-01`) or a full ISO time, as epoch milliseconds. */
function parseDate(flag: string, value: string): number {
  const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time))
    throw new Error(`${flag} must be a date such as 2026-03-01, got ${JSON.stringify(value)}`);
  return time;
}

function describe(parsed: ReturnType<typeof parseCostArgs>): string {
  const { filter } = parsed;
  const parts = [
    filter.repo === undefined ? "all repositories" : filter.repo,
    ...(filter.pr === undefined ? [] : [`pull request #${filter.pr}`]),
    ...(filter.since === undefined ? [] : [`since ${new Date(filter.since).toISOString().slice(0, 10)}`]),
    ...(filter.until === undefined ? [] : [`until ${new Date(filter.until).toISOString().slice(0, 10)}`]),
  ];
  return `Review cost by ${parsed.by}: ${parts.join(", ")}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCostReport(process.argv.slice(2));
}
