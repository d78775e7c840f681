/**
 * npm run bench:durable-write — what the durable write adds to answering a webhook: the two store calls a delivery
 * makes before GitHub gets its answer (`firstDelivery`, then `queue.enqueue`), timed per delivery under a burst of
 * 200 arriving at once, on SQLite (a file in a temporary DATA_DIR) and on the machine's PostgreSQL (skipped with a
 * line when it cannot be reached; set TEST_POSTGRES_URL to point elsewhere). The rest of the answer (signature,
 * JSON, Probot) is test/e2e/burst.test.ts's figure. No network beyond loopback.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Job } from "../src/jobs/job.js";
import { openPostgresStore } from "../src/store/postgres/open-postgres-store.js";
import { openSqliteStore } from "../src/store/sqlite/open-sqlite-store.js";
import type { Store } from "../src/store/types.js";

const BURST = 200;
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function jobOf(index: number): Job {
  return {
    type: "review",
    installationId: 1,
    owner: "octo",
    repo: `repo-${index % 20}`,
    number: index + 1,
    deliveryId: `delivery-${index}`,
    trigger: { kind: "auto", event: "pull_request.opened", headSha: randomBytes(20).toString("hex") },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Every delivery's time from the burst's start to its job being stored, and each write's own time. */
async function burst(store: Store) {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const job = jobOf(index);
      const own = performance.now();
      if (!(await store.firstDelivery(job.deliveryId))) throw new Error("delivery seen twice");
      await store.queue.enqueue(job);
      const done = performance.now();
      return { sinceBurst: done - started, own: done - own };
    }),
  );
  const sinceBurst = results.map((one) => one.sinceBurst).sort((a, b) => a - b);
  return {
    p50: percentile(sinceBurst, 50),
    p99: percentile(sinceBurst, 99),
    max: sinceBurst.at(-1) ?? 0,
    perDelivery: (performance.now() - started) / BURST,
  };
}

function line(kind: string, figures: Awaited<ReturnType<typeof burst>>): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return `${kind.padEnd(10)} burst of ${BURST}: stored p50 ${ms(figures.p50)}, p99 ${ms(figures.p99)}, max ${ms(figures.max)}; ${ms(figures.perDelivery)} per delivery`;
}

async function sqlite(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "deepseek-review-bench-"));
  const store = openSqliteStore({ dataDir, reviewConcurrency: 2 });
  try {
    return line("SQLite", await burst(store));
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<string> {
  const name = `deepseek_review_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
  } catch {
    return `PostgreSQL not reachable at ${new URL(ADMIN_URL).host}: skipped`;
  }
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const store = await openPostgresStore({ connectionString: url.toString(), reviewConcurrency: 2 });
  try {
    return line("PostgreSQL", await burst(store));
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

console.log(await sqlite());
console.log(await postgres());
