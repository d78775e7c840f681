/** The PostgreSQL schema of the app's own tables (pg-boss keeps its jobs in a schema of its own). */
export const POSTGRES_SCHEMA = "deepseek_review";

/** One entry per version, applied in order in one transaction each, under an advisory lock (replicas start together). */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: delivery ids.
  `CREATE TABLE deliveries (id TEXT PRIMARY KEY, seen_at BIGINT NOT NULL);
   CREATE INDEX deliveries_seen ON deliveries (seen_at);`,
  // 2: the cost ledger, per-pull-request settings and refusals already sent.
  `CREATE TABLE review_runs (
     id TEXT PRIMARY KEY,
     job_id TEXT,
     installation_id BIGINT NOT NULL,
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     head_sha TEXT,
     trigger TEXT NOT NULL,
     models JSONB NOT NULL,
     requests INTEGER NOT NULL,
     cache_hit_tokens BIGINT NOT NULL,
     cache_miss_tokens BIGINT NOT NULL,
     output_tokens BIGINT NOT NULL,
     cost_usd DOUBLE PRECISION NOT NULL,
     duration_ms BIGINT NOT NULL,
     findings_posted INTEGER NOT NULL,
     findings_not_inline INTEGER NOT NULL,
     outcome TEXT NOT NULL,
     reason TEXT,
     started_at BIGINT NOT NULL,
     finished_at BIGINT NOT NULL
   );
   CREATE INDEX review_runs_time ON review_runs (finished_at);
   CREATE INDEX review_runs_repo ON review_runs (lower(repo), pr, finished_at);
   CREATE INDEX review_runs_installation ON review_runs (installation_id, finished_at);
   CREATE TABLE pull_requests (
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     paused BOOLEAN NOT NULL DEFAULT false,
     updated_at BIGINT NOT NULL,
     PRIMARY KEY (repo, pr)
   );
   CREATE TABLE refusals (
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     login TEXT NOT NULL,
     at BIGINT NOT NULL,
     PRIMARY KEY (repo, pr, login)
   );`,
  // 3: what became of the app's findings (acted on, dismissed) and the replies it answered.
  `CREATE TABLE thread_events (
     installation_id BIGINT NOT NULL,
     repo TEXT NOT NULL,
     pr INTEGER NOT NULL,
     key TEXT NOT NULL,
     kind TEXT NOT NULL,
     finding JSONB,
     detail TEXT,
     at BIGINT NOT NULL,
     PRIMARY KEY (repo, pr, key, kind)
   );
   CREATE INDEX thread_events_time ON thread_events (at);`,
  // 4: the last head reviewed per pull request, also when no review was posted (a quiet push).
  `ALTER TABLE pull_requests ADD COLUMN reviewed_head TEXT;
   ALTER TABLE pull_requests ADD COLUMN reviewed_base TEXT;
   ALTER TABLE pull_requests ADD COLUMN reviewed_complete BOOLEAN;
   ALTER TABLE pull_requests ADD COLUMN reviewed_at BIGINT;`,
];
