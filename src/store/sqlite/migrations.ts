/**
 * The SQLite schema, one entry per version, applied in order inside a transaction each. Never edit a released
 * entry: add the next one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: the durable queue and delivery ids.
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     lane TEXT NOT NULL,
     pr_key TEXT NOT NULL,
     place TEXT NOT NULL,
     head TEXT,
     actor TEXT,
     payload TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     run_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     error TEXT
   );
   CREATE INDEX jobs_due ON jobs (state, lane, run_after);
   CREATE INDEX jobs_place ON jobs (pr_key, place, state);
   CREATE TABLE deliveries (id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
   CREATE INDEX deliveries_seen ON deliveries (seen_at);`,
  // 2: the cost ledger, per-pull-request settings and refusals already sent.
  `CREATE TABLE review_runs (
     id TEXT PRIMARY KEY,
     job_id TEXT,
     installation_id INTEGER NOT NULL,
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     head_sha TEXT,
     trigger TEXT NOT NULL,
     models TEXT NOT NULL,
     requests INTEGER NOT NULL,
     cache_hit_tokens INTEGER NOT NULL,
     cache_miss_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cost_usd REAL NOT NULL,
     duration_ms INTEGER NOT NULL,
     findings_posted INTEGER NOT NULL,
     findings_not_inline INTEGER NOT NULL,
     outcome TEXT NOT NULL,
     reason TEXT,
     started_at INTEGER NOT NULL,
     finished_at INTEGER NOT NULL
   );
   CREATE INDEX review_runs_time ON review_runs (finished_at);
   CREATE INDEX review_runs_repo ON review_runs (repo, pr, finished_at);
   CREATE INDEX review_runs_installation ON review_runs (installation_id, finished_at);
   CREATE TABLE pull_requests (
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     paused INTEGER NOT NULL DEFAULT 0,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (repo, pr)
   );
   CREATE TABLE refusals (
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     user TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (repo, pr, user)
   );`,
  // 3: what became of the app's findings (acted on, dismissed) and the replies it answered.
  `CREATE TABLE thread_events (
     installation_id INTEGER NOT NULL,
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     key TEXT NOT NULL,
     kind TEXT NOT NULL,
     finding TEXT,
     detail TEXT,
     at INTEGER NOT NULL,
     PRIMARY KEY (repo, pr, key, kind)
   );
   CREATE INDEX thread_events_time ON thread_events (at);`,
  // 4: the last head reviewed per pull request, also when no review was posted (a quiet push).
  `ALTER TABLE pull_requests ADD COLUMN reviewed_head TEXT;
   ALTER TABLE pull_requests ADD COLUMN reviewed_base TEXT;
   ALTER TABLE pull_requests ADD COLUMN reviewed_complete INTEGER;
   ALTER TABLE pull_requests ADD COLUMN reviewed_at INTEGER;`,
];
