import { openPostgresStore } from "./postgres/open-postgres-store.js";
import { openSqliteStore } from "./sqlite/open-sqlite-store.js";
import type { Store } from "./types.js";

export interface OpenStoreParams {
  /** `DATABASE_URL`: PostgreSQL (several replicas share it); absent: SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** `DATA_DIR`: where the SQLite file lives. */
  dataDir: string;
  reviewConcurrency: number;
}

/** The store the environment asks for: PostgreSQL at `DATABASE_URL`, else SQLite in `DATA_DIR`. Migrates it. */
export async function openStore(params: OpenStoreParams): Promise<Store> {
  if (params.databaseUrl !== undefined) {
    return openPostgresStore({
      connectionString: params.databaseUrl,
      reviewConcurrency: params.reviewConcurrency,
    });
  }
  return openSqliteStore({ dataDir: params.dataDir, reviewConcurrency: params.reviewConcurrency });
}
