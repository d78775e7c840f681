import { type BenchApp, startBenchApp } from "../lib/bench-app.js";
import { reviewAndWait } from "../lib/deliver.js";
import { type Figure, MB } from "../lib/figures.js";
import { bigFilePullRequest, manyFilesPullRequest, smallPullRequest } from "../lib/generate-diffs.js";

const REVIEWS = 1_000;
/** Spread over this many installations (a repository each), as many users would: 20 reviews each, within the
 * default hourly call ceilings per repository (300) and installation (1,000). */
const REPOSITORIES = 50;
/** Reviews in flight at once during the 1,000 (the app's default REVIEW_MAX_CONCURRENT_REVIEWS is 4). */
const AT_ONCE = 8;
/** The stated bound: resident memory after 1,000 reviews at most this far above what it was after the first 100. */
const GROWTH_BOUND_MB = 32;

/**
 * 6. Memory of `node dist/main.js` (VmHWM, the kernel's peak resident set, worker threads included): a 4-file PR on a
 * fresh process; then the large mix (3,500 files of 10 changed lines, then one 30,000-line file, with
 * REVIEW_MAX_FILE_PATCH_BYTES raised so that file is planned rather than skipped) on another; then 1,000 reviews of
 * small PRs in one process, RSS after 100 and after 1,000.
 */
/** How long the app is left idle before its memory is read: past EXTRA_WORKER_IDLE_MS, so an extra planning worker
 * started while reviews overlapped has stopped, and V8 has had time to give back what it no longer uses. */
const IDLE_MS = 35_000;

interface Idle {
  rss: number;
  heapUsed: number;
}

/** Waits IDLE_MS without work, then reads the process's RSS and the main thread's heap (its /metrics). */
async function settle(bench: BenchApp): Promise<Idle> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const text = await (await fetch(`http://127.0.0.1:${bench.port}/metrics`)).text();
  const heapUsed = Number(
    /^deepseek_review_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? Number.NaN,
  );
  return { rss: bench.rss().now, heapUsed };
}

/** Runs `use` on a fresh app process and stops the process afterwards, whatever happens. */
async function withApp<T>(
  params: Parameters<typeof startBenchApp>[0],
  use: (bench: BenchApp) => Promise<T>,
): Promise<T> {
  const bench = await startBenchApp(params);
  try {
    return await use(bench);
  } finally {
    await bench.close();
  }
}

export async function runMemory(): Promise<Figure[]> {
  const figures: Figure[] = [];
  await withApp(
    { files: smallPullRequest, model: { completionTokens: 300 }, env: { LOG_LEVEL: "info" } },
    async (bench) => {
      const ready = bench.rss().now;
      await reviewAndWait(bench, 1);
      figures.push({
        name: "peak RSS, a 4-file PR on a fresh process",
        value: bench.rss().peak / MB,
        unit: "MB",
        target: { op: "<=", value: 256 },
        note: `${Math.round(ready / MB)} MB when ready`,
      });
    },
  );
  const mix = [manyFilesPullRequest(), bigFilePullRequest()];
  let current = 0;
  const mixed = {
    files: () => mix[current] ?? [],
    model: { completionTokens: 300 },
    env: { LOG_LEVEL: "info", REVIEW_MAX_FILE_PATCH_BYTES: "4000000" },
  };
  await withApp(mixed, async (bench) => {
    await reviewAndWait(bench, 1);
    const afterMany = bench.rss().peak;
    current = 1;
    await reviewAndWait(bench, 2);
    figures.push({
      name: "peak RSS, the large mix (3,500 files, then a 30,000-line file)",
      value: bench.rss().peak / MB,
      unit: "MB",
      target: { op: "<=", value: 400 },
      note: `${Math.round(afterMany / MB)} MB after the 3,500 files`,
    });
  });
  await withApp(
    { files: smallPullRequest, model: { completionTokens: 300 }, env: { LOG_LEVEL: "info" } },
    async (bench) => {
      let idle100: Idle | undefined;
      const started = performance.now();
      for (let first = 1; first <= REVIEWS; first += AT_ONCE) {
        await Promise.all(
          Array.from({ length: Math.min(AT_ONCE, REVIEWS - first + 1) }, (_, i) =>
            reviewAndWait(bench, first + i, 1 + ((first + i) % REPOSITORIES)),
          ),
        );
        // The app's log lines are kept only by the bench: drop them so the bench's own memory stays flat.
        bench.app.logs.splice(0, bench.app.logs.length - 50);
        if (first + AT_ONCE > 100 && idle100 === undefined) idle100 = await settle(bench);
      }
      const busy = bench.rss().now;
      const idle1000 = await settle(bench);
      const seconds = (performance.now() - started) / 1000;
      console.log(`  ${REVIEWS} reviews in ${seconds.toFixed(0)} s (with two ${IDLE_MS / 1000} s pauses)`);
      const before = idle100 as Idle;
      figures.push(
        {
          name: "RSS after 100 reviews, idle",
          value: before.rss / MB,
          unit: "MB",
          note: `main thread's live heap ${Math.round(before.heapUsed / MB)} MB`,
        },
        {
          name: `RSS after ${REVIEWS.toLocaleString("en-US")} reviews, idle`,
          value: idle1000.rss / MB,
          unit: "MB",
          target: { op: "<=", value: Math.round(before.rss / MB) + GROWTH_BOUND_MB },
          note: `bound: at most ${GROWTH_BOUND_MB} MB above the idle RSS after 100 reviews; main thread's live heap ${Math.round(idle1000.heapUsed / MB)} MB; ${Math.round(busy / MB)} MB while reviewing, peak ${Math.round(bench.rss().peak / MB)} MB`,
        },
      );
    },
  );
  return figures;
}
