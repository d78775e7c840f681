import { type BenchApp, startBenchApp } from "../lib/bench-app.js";
import { reviewAndWait } from "../lib/deliver.js";
import { type Figure, median } from "../lib/figures.js";
import { modifiedFile, smallPullRequest } from "../lib/generate-diffs.js";

/** The stand-in's latency: 0.5 s to the first token, then 100 tokens a second, for 300-token answers. */
const LATENCY = { firstTokenMs: 500, tokensPerSecond: 100 };
const COMPLETION_TOKENS = 300;
const MODEL_MS = LATENCY.firstTokenMs + (COMPLETION_TOKENS / LATENCY.tokensPerSecond) * 1000;
/** The app's default REVIEW_MAX_CONCURRENT_REQUESTS. */
const CONCURRENCY = 8;

/** About 5,000 changed lines: 20 files of 5 hunks, each replacing 25 lines. */
function pullRequest() {
  return Array.from({ length: 20 }, (_, i) => modifiedFile(`src/feature-${i}/service.ts`, 5, 25, i));
}

/** The median time of a GitHub stand-in round trip from here (loopback). */
async function roundTripMs(bench: BenchApp): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const started = performance.now();
    await fetch(`http://127.0.0.1:${bench.githubPort}/api/v3/app`).then((response) => response.arrayBuffer());
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * 2. Review wall time against its lower bound: a PR of about 5,000 changed lines end to end through `node
 * dist/main.js` (webhook delivered → outcome logged after the review is posted) against stand-ins with DeepSeek's
 * latency. Lower bound: the slowest chunk's model time × ⌈chunks ÷ concurrency⌉ + the GitHub round trips of the
 * review, all counted as sequential. Median of `runs` reviews, after one warm-up review.
 */
export async function runWallTime(params: { runs: number }): Promise<Figure[]> {
  let files = smallPullRequest();
  const bench = await startBenchApp({
    files: () => files,
    model: { completionTokens: COMPLETION_TOKENS, latency: LATENCY },
    env: { LOG_LEVEL: "info" },
  });
  try {
    await reviewAndWait(bench, 1);
    files = pullRequest();
    const changed = files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
    const rtt = await roundTripMs(bench);
    const ratios: number[] = [];
    const walls: number[] = [];
    let bound = 0;
    let chunks = 0;
    for (let run = 0; run < params.runs; run += 1) {
      const calls = bench.billed.length;
      const githubCalls = bench.githubRequests.length;
      const wall = await reviewAndWait(bench, 100 + run);
      chunks = bench.billed.length - calls;
      const roundTrips = bench.githubRequests.length - githubCalls;
      bound = MODEL_MS * Math.ceil(chunks / CONCURRENCY) + roundTrips * rtt;
      walls.push(wall);
      ratios.push(wall / bound);
      console.log(
        `  run ${run + 1}: ${Math.round(wall)} ms for ${chunks} chunks, ${roundTrips} GitHub requests; bound ${Math.round(bound)} ms`,
      );
    }
    return [
      {
        name: "review wall time",
        value: median(walls),
        unit: "ms",
        note: `${changed.toLocaleString("en-US")} changed lines, ${chunks} chunks, ${CONCURRENCY} requests at once, ${MODEL_MS} ms a request`,
      },
      { name: "lower bound", value: bound, unit: "ms" },
      { name: "wall time ÷ lower bound", value: median(ratios), unit: "", target: { op: "<=", value: 1.2 } },
    ];
  } finally {
    await bench.close();
  }
}
