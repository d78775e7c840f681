import { openSqliteStore } from "./sqlite/open-sqlite-store.js";
import type { Store } from "./types.js";

export interface OpenStoreParams {
  /** `DATABASE_URL`: PostgreSQL (several replicas share it); absent: SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** `DATA_DIR`: where the SQLite file lives. */
  dataDir: string;
  reviewConcurrency: number;
  /** PostgreSQL: seconds without a heartbeat before a replica's running job counts as lost and runs elsewhere. */
  heartbeatSeconds?: number;
  /** First wait before a failed job runs again (SQLite: ×4 each time; PostgreSQL: pg-boss's jittered doubling). */
  retryDelaySeconds?: number;
}

/**
 * The store the environment asks for: PostgreSQL at `DATABASE_URL`, else SQLite in `DATA_DIR`. Migrates it.
 * PostgreSQL's client and pg-boss are imported only when asked for (about 35 MB a SQLite process does not need).
 */
export async function openStore(params: OpenStoreParams): Promise<Store> {
  if (params.databaseUrl !== undefined) {
    const { openPostgresStore } = await import("./postgres/open-postgres-store.js");
    return openPostgresStore({
      connectionString: params.databaseUrl,
      reviewConcurrency: params.reviewConcurrency,
      ...(params.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: params.heartbeatSeconds }),
      ...(params.retryDelaySeconds === undefined ? {} : { retryDelaySeconds: params.retryDelaySeconds }),
    });
  }
  const delay = params.retryDelaySeconds;
  return openSqliteStore({
    dataDir: params.dataDir,
    reviewConcurrency: params.reviewConcurrency,
    ...(delay === undefined
      ? {}
      : { retryDelayMs: (attempt: number) => Math.min(3_600_000, delay * 1000 * 4 ** (attempt - 1)) }),
  });
}
