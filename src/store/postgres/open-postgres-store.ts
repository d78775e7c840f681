import pg from "pg";
import type { FindingIdentity } from "../../records/record-schema.js";
import { DELIVERY_RETENTION_MS } from "../retention.js";
import type { LedgerEntry, LedgerFilter, PullRequestRef, Store, ThreadEvent } from "../types.js";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA } from "./migrations.js";
import { createPgBossQueue, type PgBossQueueOptions } from "./pg-boss-queue.js";

export interface PostgresStoreOptions extends PgBossQueueOptions {
  /** `postgres://user:password@host:5432/database`. */
  connectionString: string;
  now?: () => number;
}

/**
 * The shared store for several replicas: the app's tables in the `deepseek_review` schema, jobs in pg-boss.
 * Migrations run at start, under an advisory lock, so replicas starting together do not race.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const now = options.now ?? Date.now;
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 5 });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const queue = await createPgBossQueue({ ...options, now });
  const table = (name: string) => `${POSTGRES_SCHEMA}.${name}`;

  const where = (filter: LedgerFilter, time = "finished_at") => {
    const clauses: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      clauses.push(sql.replace("?", `$${values.length}`));
    };
    if (filter.since !== undefined) add(`${time} >= ?`, filter.since);
    if (filter.until !== undefined) add(`${time} < ?`, filter.until);
    if (filter.installationId !== undefined) add("installation_id = ?", filter.installationId);
    if (filter.repo !== undefined) add("lower(repo) = lower(?)", filter.repo);
    if (filter.pr !== undefined) add("pr = ?", filter.pr);
    return { sql: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, values };
  };

  return {
    kind: "postgres",
    queue,
    async firstDelivery(id) {
      const result = await pool.query(
        `INSERT INTO ${table("deliveries")} (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
        [id, now()],
      );
      return result.rowCount === 1;
    },
    async forgetDelivery(id) {
      await pool.query(`DELETE FROM ${table("deliveries")} WHERE id = $1`, [id]);
    },
    async recordRun(entry) {
      await pool.query(
        `INSERT INTO ${table("review_runs")} (id, job_id, installation_id, repo, pr, head_sha, trigger, models,
           requests, cache_hit_tokens, cache_miss_tokens, output_tokens, cost_usd, duration_ms, findings_posted,
           findings_not_inline, outcome, reason, started_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         ON CONFLICT (id) DO NOTHING`,
        [
          entry.id,
          entry.jobId ?? null,
          entry.installationId,
          entry.repo,
          entry.pr,
          entry.headSha ?? null,
          entry.trigger,
          JSON.stringify(entry.models),
          entry.requests,
          entry.promptCacheHitTokens,
          entry.promptCacheMissTokens,
          entry.completionTokens,
          entry.costUsd,
          entry.durationMs,
          entry.findingsPosted,
          entry.findingsNotInline,
          entry.outcome,
          entry.reason ?? null,
          entry.startedAt,
          entry.finishedAt,
        ],
      );
    },
    async listRuns(filter) {
      const { sql, values } = where(filter);
      const result = await pool.query(
        `SELECT * FROM ${table("review_runs")} ${sql} ORDER BY finished_at, id`,
        values,
      );
      return result.rows.map(fromRow);
    },
    async spentUsd(filter) {
      const { sql, values } = where(filter);
      const result = await pool.query(
        `SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM ${table("review_runs")} ${sql}`,
        values,
      );
      return Number(result.rows[0]?.spent ?? 0);
    },
    async pullRequestSettings(ref) {
      const result = await pool.query(
        `SELECT paused FROM ${table("pull_requests")} WHERE repo = $1 AND pr = $2`,
        [key(ref), ref.pr],
      );
      return { paused: result.rows[0]?.paused === true };
    },
    async setPaused(ref, paused) {
      await pool.query(
        `INSERT INTO ${table("pull_requests")} (repo, pr, paused, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (repo, pr) DO UPDATE SET paused = EXCLUDED.paused, updated_at = EXCLUDED.updated_at`,
        [key(ref), ref.pr, paused, now()],
      );
    },
    async lastReviewed(ref) {
      const result = await pool.query(
        `SELECT reviewed_head, reviewed_base, reviewed_complete, reviewed_at FROM ${table("pull_requests")}
         WHERE repo = $1 AND pr = $2 AND reviewed_head IS NOT NULL`,
        [key(ref), ref.pr],
      );
      const row = result.rows[0];
      if (row === undefined) return undefined;
      return {
        head: String(row.reviewed_head),
        base: String(row.reviewed_base),
        complete: row.reviewed_complete === true,
        at: Number(row.reviewed_at),
      };
    },
    async recordReviewed(ref, mark) {
      await pool.query(
        `INSERT INTO ${table("pull_requests")} (repo, pr, paused, updated_at, reviewed_head, reviewed_base,
           reviewed_complete, reviewed_at)
         VALUES ($1, $2, false, $3, $4, $5, $6, $7)
         ON CONFLICT (repo, pr) DO UPDATE SET reviewed_head = EXCLUDED.reviewed_head,
           reviewed_base = EXCLUDED.reviewed_base, reviewed_complete = EXCLUDED.reviewed_complete,
           reviewed_at = EXCLUDED.reviewed_at, updated_at = EXCLUDED.updated_at`,
        [key(ref), ref.pr, now(), mark.head, mark.base, mark.complete, mark.at],
      );
    },
    async claimRefusal({ windowMs, user, ...ref }) {
      const at = now();
      const result = await pool.query(
        `INSERT INTO ${table("refusals")} AS r (repo, pr, login, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (repo, pr, login) DO UPDATE SET at = EXCLUDED.at WHERE r.at <= $5`,
        [key(ref), ref.pr, user.toLowerCase(), at, at - windowMs],
      );
      return result.rowCount === 1;
    },
    async recordThreadEvent(event) {
      const result = await pool.query(
        `INSERT INTO ${table("thread_events")} (installation_id, repo, pr, key, kind, finding, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (repo, pr, key, kind) DO NOTHING`,
        [
          event.installationId,
          key(event),
          event.pr,
          event.key,
          event.kind,
          event.finding === undefined ? null : JSON.stringify(event.finding),
          event.detail ?? null,
          event.at,
        ],
      );
      return result.rowCount === 1;
    },
    async listThreadEvents(filter) {
      const { sql, values } = where(filter, "at");
      const result = await pool.query(
        `SELECT * FROM ${table("thread_events")} ${sql} ORDER BY at, key, kind`,
        values,
      );
      return result.rows.map(fromEventRow);
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async prune() {
      await pool.query(`DELETE FROM ${table("deliveries")} WHERE seen_at < $1`, [
        now() - DELIVERY_RETENTION_MS,
      ]);
      await queue.pruneFinished();
    },
    async close() {
      await queue.stop(0);
      await pool.end();
    },
  };
}

/** Per-pull-request rows are keyed by the lower-cased `owner/name`: GitHub's names are case-insensitive. */
function key(ref: PullRequestRef): string {
  return ref.repo.toLowerCase();
}

/** Applies the migrations the database does not have yet, one transaction each, under an advisory lock. */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly string[] = POSTGRES_MIGRATIONS,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('deepseek_review.migrations'))");
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${POSTGRES_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${POSTGRES_SCHEMA}.schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`,
    );
    const result = await client.query(
      `SELECT COALESCE(MAX(version), 0) AS version FROM ${POSTGRES_SCHEMA}.schema_migrations`,
    );
    const current = Number(result.rows[0]?.version ?? 0);
    if (current > migrations.length) {
      throw new Error(
        `The database at DATABASE_URL has schema version ${current}, newer than this app knows (${migrations.length}): run a newer version of the app.`,
      );
    }
    for (let version = current + 1; version <= migrations.length; version++) {
      await client.query("BEGIN");
      try {
        await client.query(`SET LOCAL search_path TO ${POSTGRES_SCHEMA}`);
        await client.query(migrations[version - 1] as string);
        await client.query(
          `INSERT INTO ${POSTGRES_SCHEMA}.schema_migrations (version, applied_at) VALUES ($1, $2)`,
          [version, Date.now()],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    }
  } finally {
    await client
      .query("SELECT pg_advisory_unlock(hashtext('deepseek_review.migrations'))")
      .catch(() => undefined);
    client.release();
  }
}

function fromRow(row: Record<string, unknown>): LedgerEntry {
  return {
    id: String(row.id),
    ...(row.job_id === null ? {} : { jobId: String(row.job_id) }),
    installationId: Number(row.installation_id),
    repo: String(row.repo),
    pr: Number(row.pr),
    ...(row.head_sha === null ? {} : { headSha: String(row.head_sha) }),
    trigger: String(row.trigger),
    models: row.models as LedgerEntry["models"],
    requests: Number(row.requests),
    promptCacheHitTokens: Number(row.cache_hit_tokens),
    promptCacheMissTokens: Number(row.cache_miss_tokens),
    completionTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    durationMs: Number(row.duration_ms),
    findingsPosted: Number(row.findings_posted),
    findingsNotInline: Number(row.findings_not_inline),
    outcome: String(row.outcome) as LedgerEntry["outcome"],
    ...(row.reason === null ? {} : { reason: String(row.reason) }),
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
  };
}

function fromEventRow(row: Record<string, unknown>): ThreadEvent {
  return {
    installationId: Number(row.installation_id),
    repo: String(row.repo),
    pr: Number(row.pr),
    key: String(row.key),
    kind: row.kind as ThreadEvent["kind"],
    ...(row.finding === null || row.finding === undefined ? {} : { finding: row.finding as FindingIdentity }),
    ...(row.detail === null || row.detail === undefined ? {} : { detail: String(row.detail) }),
    at: Number(row.at),
  };
}
