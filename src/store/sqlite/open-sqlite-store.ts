import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { FindingIdentity } from "../../records/record-schema.js";
import { DELIVERY_RETENTION_MS, FINISHED_JOB_RETENTION_MS } from "../retention.js";
import type { LedgerEntry, LedgerFilter, PullRequestRef, Store, ThreadEvent } from "../types.js";
import { SQLITE_MIGRATIONS } from "./migrations.js";
import { createSqliteQueue, type SqliteQueueOptions } from "./sqlite-queue.js";

export const SQLITE_FILE = "deepseek-review.sqlite";

export interface SqliteStoreOptions extends SqliteQueueOptions {
  /** Directory of the database file (created if missing); `:memory:` for a throwaway store. */
  dataDir: string;
  now?: () => number;
}

/**
 * The embedded store: one SQLite file in `DATA_DIR`, through Node's built-in `node:sqlite` (no native module to
 * build, so the slim Docker image needs no compiler). WAL mode; every write is a short transaction.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const now = options.now ?? Date.now;
  const db = openDatabase(options.dataDir);
  migrate(db);
  const queue = createSqliteQueue(db, { ...options, now });

  const where = (filter: LedgerFilter, time = "finished_at") => {
    const clauses: string[] = [];
    const values: Record<string, string | number> = {};
    if (filter.since !== undefined) {
      clauses.push(`${time} >= $since`);
      values.since = filter.since;
    }
    if (filter.until !== undefined) {
      clauses.push(`${time} < $until`);
      values.until = filter.until;
    }
    if (filter.installationId !== undefined) {
      clauses.push("installation_id = $installation");
      values.installation = filter.installationId;
    }
    if (filter.repo !== undefined) {
      clauses.push("repo = $repo COLLATE NOCASE");
      values.repo = filter.repo;
    }
    if (filter.pr !== undefined) {
      clauses.push("pr = $pr");
      values.pr = filter.pr;
    }
    return { sql: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, values };
  };

  return {
    kind: "sqlite",
    queue,
    async firstDelivery(id) {
      const result = db
        .prepare("INSERT INTO deliveries (id, seen_at) VALUES ($id, $at) ON CONFLICT (id) DO NOTHING")
        .run({ id, at: now() });
      return Number(result.changes) === 1;
    },
    async forgetDelivery(id) {
      db.prepare("DELETE FROM deliveries WHERE id = $id").run({ id });
    },
    async recordRun(entry) {
      db.prepare(
        `INSERT INTO review_runs (id, job_id, installation_id, repo, pr, head_sha, trigger, models, requests,
           cache_hit_tokens, cache_miss_tokens, output_tokens, cost_usd, duration_ms, findings_posted,
           findings_not_inline, outcome, reason, started_at, finished_at)
         VALUES ($id, $job, $installation, $repo, $pr, $head, $trigger, $models, $requests, $hit, $miss, $output,
           $cost, $duration, $posted, $notInline, $outcome, $reason, $started, $finished)`,
      ).run(toRow(entry));
    },
    async listRuns(filter) {
      const { sql, values } = where(filter);
      const rows = db.prepare(`SELECT * FROM review_runs ${sql} ORDER BY finished_at, id`).all(values);
      return rows.map((row) => fromRow(row as unknown as RunRow));
    },
    async spentUsd(filter) {
      const { sql, values } = where(filter);
      const row = db
        .prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM review_runs ${sql}`)
        .get(values);
      return Number((row as { spent: number }).spent);
    },
    async pullRequestSettings(ref) {
      const row = db
        .prepare("SELECT paused FROM pull_requests WHERE repo = $repo AND pr = $pr")
        .get(refValues(ref)) as { paused: number } | undefined;
      return { paused: row?.paused === 1 };
    },
    async setPaused(ref, paused) {
      db.prepare(
        `INSERT INTO pull_requests (repo, pr, paused, updated_at) VALUES ($repo, $pr, $paused, $at)
         ON CONFLICT (repo, pr) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at`,
      ).run({ ...refValues(ref), paused: paused ? 1 : 0, at: now() });
    },
    async lastReviewed(ref) {
      const row = db
        .prepare(
          `SELECT reviewed_head, reviewed_base, reviewed_complete, reviewed_at FROM pull_requests
           WHERE repo = $repo AND pr = $pr AND reviewed_head IS NOT NULL`,
        )
        .get(refValues(ref)) as
        | { reviewed_head: string; reviewed_base: string; reviewed_complete: number; reviewed_at: number }
        | undefined;
      if (row === undefined) return undefined;
      return {
        head: row.reviewed_head,
        base: row.reviewed_base,
        complete: row.reviewed_complete === 1,
        at: Number(row.reviewed_at),
      };
    },
    async recordReviewed(ref, mark) {
      db.prepare(
        `INSERT INTO pull_requests (repo, pr, paused, updated_at, reviewed_head, reviewed_base, reviewed_complete,
           reviewed_at)
         VALUES ($repo, $pr, 0, $at, $head, $base, $complete, $reviewedAt)
         ON CONFLICT (repo, pr) DO UPDATE SET reviewed_head = excluded.reviewed_head,
           reviewed_base = excluded.reviewed_base, reviewed_complete = excluded.reviewed_complete,
           reviewed_at = excluded.reviewed_at, updated_at = excluded.updated_at`,
      ).run({
        ...refValues(ref),
        at: now(),
        head: mark.head,
        base: mark.base,
        complete: mark.complete ? 1 : 0,
        reviewedAt: mark.at,
      });
    },
    async claimRefusal({ windowMs, user, ...ref }) {
      const at = now();
      const result = db
        .prepare(
          `INSERT INTO refusals (repo, pr, user, at) VALUES ($repo, $pr, $user, $at)
           ON CONFLICT (repo, pr, user) DO UPDATE SET at = excluded.at WHERE refusals.at <= $before`,
        )
        .run({ ...refValues(ref), user: user.toLowerCase(), at, before: at - windowMs });
      return Number(result.changes) === 1;
    },
    async recordThreadEvent(event) {
      const result = db
        .prepare(
          `INSERT INTO thread_events (installation_id, repo, pr, key, kind, finding, detail, at)
           VALUES ($installation, $repo, $pr, $key, $kind, $finding, $detail, $at)
           ON CONFLICT (repo, pr, key, kind) DO NOTHING`,
        )
        .run({
          installation: event.installationId,
          ...refValues(event),
          key: event.key,
          kind: event.kind,
          finding: event.finding === undefined ? null : JSON.stringify(event.finding),
          detail: event.detail ?? null,
          at: event.at,
        });
      return Number(result.changes) === 1;
    },
    async listThreadEvents(filter) {
      const { sql, values } = where(filter, "at");
      const rows = db.prepare(`SELECT * FROM thread_events ${sql} ORDER BY at, key, kind`).all(values);
      return rows.map((row) => fromEventRow(row as unknown as EventRow));
    },
    async ping() {
      db.prepare("SELECT 1").get();
    },
    async prune() {
      const at = now();
      db.prepare("DELETE FROM deliveries WHERE seen_at < $before").run({
        before: at - DELIVERY_RETENTION_MS,
      });
      db.prepare("DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < $before").run({
        before: at - FINISHED_JOB_RETENTION_MS,
      });
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}

function openDatabase(dataDir: string): DatabaseSync {
  if (dataDir === ":memory:") return cacheStatements(new DatabaseSync(":memory:"));
  mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  return cacheStatements(db);
}

/**
 * Compiles each SQL text once: `db.prepare` answers the statement it prepared before for the same text. Preparing
 * costs about as much as running these small statements, and every webhook runs three of them before it is
 * answered. The texts are constants (a few dozen), so the cache stays small; statements are only run to completion
 * (`run`, `get`, `all`), never iterated, so one is never in use twice at once.
 */
export function cacheStatements(db: DatabaseSync): DatabaseSync {
  const prepare = db.prepare.bind(db);
  const statements = new Map<string, StatementSync>();
  db.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return db;
}

/** Applies the migrations the file does not have yet; a file from a newer version of the app is refused. */
export function migrate(db: DatabaseSync, migrations: readonly string[] = SQLITE_MIGRATIONS): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations").get() as {
    version: number;
  };
  const current = Number(row.version);
  if (current > migrations.length) {
    throw new Error(
      `The database in DATA_DIR has schema version ${current}, newer than this app knows (${migrations.length}): run a newer version of the app, or point DATA_DIR elsewhere.`,
    );
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations[version - 1] as string);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES ($version, $at)").run({
        version,
        at: Date.now(),
      });
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}

/** Per-pull-request rows are keyed by the lower-cased `owner/name`: GitHub's names are case-insensitive. */
function refValues(ref: PullRequestRef) {
  return { repo: ref.repo.toLowerCase(), pr: ref.pr };
}

interface RunRow {
  id: string;
  job_id: string | null;
  installation_id: number;
  repo: string;
  pr: number;
  head_sha: string | null;
  trigger: string;
  models: string;
  requests: number;
  cache_hit_tokens: number;
  cache_miss_tokens: number;
  output_tokens: number;
  cost_usd: number;
  duration_ms: number;
  findings_posted: number;
  findings_not_inline: number;
  outcome: string;
  reason: string | null;
  started_at: number;
  finished_at: number;
}

function toRow(entry: LedgerEntry) {
  return {
    id: entry.id || randomUUID(),
    job: entry.jobId ?? null,
    installation: entry.installationId,
    repo: entry.repo,
    pr: entry.pr,
    head: entry.headSha ?? null,
    trigger: entry.trigger,
    models: JSON.stringify(entry.models),
    requests: entry.requests,
    hit: entry.promptCacheHitTokens,
    miss: entry.promptCacheMissTokens,
    output: entry.completionTokens,
    cost: entry.costUsd,
    duration: entry.durationMs,
    posted: entry.findingsPosted,
    notInline: entry.findingsNotInline,
    outcome: entry.outcome,
    reason: entry.reason ?? null,
    started: entry.startedAt,
    finished: entry.finishedAt,
  };
}

function fromRow(row: RunRow): LedgerEntry {
  return {
    id: row.id,
    ...(row.job_id === null ? {} : { jobId: row.job_id }),
    installationId: Number(row.installation_id),
    repo: row.repo,
    pr: Number(row.pr),
    ...(row.head_sha === null ? {} : { headSha: row.head_sha }),
    trigger: row.trigger,
    models: JSON.parse(row.models) as LedgerEntry["models"],
    requests: Number(row.requests),
    promptCacheHitTokens: Number(row.cache_hit_tokens),
    promptCacheMissTokens: Number(row.cache_miss_tokens),
    completionTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    durationMs: Number(row.duration_ms),
    findingsPosted: Number(row.findings_posted),
    findingsNotInline: Number(row.findings_not_inline),
    outcome: row.outcome as LedgerEntry["outcome"],
    ...(row.reason === null ? {} : { reason: row.reason }),
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
  };
}

interface EventRow {
  installation_id: number;
  repo: string;
  pr: number;
  key: string;
  kind: string;
  finding: string | null;
  detail: string | null;
  at: number;
}

function fromEventRow(row: EventRow): ThreadEvent {
  return {
    installationId: Number(row.installation_id),
    repo: row.repo,
    pr: Number(row.pr),
    key: row.key,
    kind: row.kind as ThreadEvent["kind"],
    ...(row.finding === null ? {} : { finding: JSON.parse(row.finding) as FindingIdentity }),
    ...(row.detail === null ? {} : { detail: row.detail }),
    at: Number(row.at),
  };
}
