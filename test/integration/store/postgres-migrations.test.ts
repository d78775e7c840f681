import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA } from "../../../src/store/postgres/migrations.js";
import { migrate, openPostgresStore } from "../../../src/store/postgres/open-postgres-store.js";
import { createTestDatabase } from "../../helpers/postgres.js";

describe("the PostgreSQL store's migrations", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("upgrade a database of the previous version, keeping its rows, and build an empty one; replicas starting together migrate once", async () => {
    // The previous version: schema 1 only, with a delivery it has seen.
    const pool = new pg.Pool({ connectionString: database.url });
    await migrate(pool, POSTGRES_MIGRATIONS.slice(0, 1));
    await pool.query(`INSERT INTO ${POSTGRES_SCHEMA}.deliveries (id, seen_at) VALUES ('seen-before', 1)`);

    // Two replicas start at once on it.
    const [first, second] = await Promise.all([
      openPostgresStore({ connectionString: database.url, reviewConcurrency: 1 }),
      openPostgresStore({ connectionString: database.url, reviewConcurrency: 1 }),
    ]);
    const versions = await pool.query(
      `SELECT version FROM ${POSTGRES_SCHEMA}.schema_migrations ORDER BY version`,
    );
    expect(versions.rows.map((row) => Number(row.version))).toEqual(
      POSTGRES_MIGRATIONS.map((_, index) => index + 1),
    );
    expect(await first.firstDelivery("seen-before")).toBe(false);
    expect(await second.spentUsd({})).toBe(0);
    await first.close();
    await second.close();

    // A database of a newer version is refused.
    await pool.query(`INSERT INTO ${POSTGRES_SCHEMA}.schema_migrations (version, applied_at) VALUES (99, 0)`);
    await expect(openPostgresStore({ connectionString: database.url, reviewConcurrency: 1 })).rejects.toThrow(
      "schema version 99, newer than this app knows",
    );
    await pool.end();
  });
});
