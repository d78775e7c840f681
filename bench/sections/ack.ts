import { createHmac } from "node:crypto";
import { E2E_WEBHOOK_SECRET } from "../../test/helpers/e2e.js";
import { startBenchApp } from "../lib/bench-app.js";
import { openedPayload } from "../lib/deliver.js";
import { type Figure, median, percentile } from "../lib/figures.js";
import { smallPullRequest } from "../lib/generate-diffs.js";

/** One signed delivery, ready to send. */
interface Delivery {
  id: string;
  body: string;
  signature: string;
}

function deliveries(count: number, burst: number): Delivery[] {
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify(openedPayload(burst * 10_000 + i + 1, (i % 10) + 1));
    const signature = `sha256=${createHmac("sha256", E2E_WEBHOOK_SECRET).update(body).digest("hex")}`;
    return { id: `ack-${burst}-${i}`, body, signature };
  });
}

/** Sends every delivery at once; each one's time from its request to its answer (ms), and the whole burst's. */
async function burst(
  port: number,
  batch: Delivery[],
): Promise<{ acks: number[]; ms: number; failed: number }> {
  const started = performance.now();
  let failed = 0;
  const acks = await Promise.all(
    batch.map(async (delivery) => {
      const sent = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": delivery.id,
          "x-hub-signature-256": delivery.signature,
        },
        body: delivery.body,
      });
      await response.arrayBuffer();
      if (response.status >= 300) failed += 1;
      return performance.now() - sent;
    }),
  );
  return { acks, ms: performance.now() - started, failed };
}

/**
 * 4. Webhook acknowledgement: bursts of 200 and 2,000 signed `pull_request.opened` deliveries sent at once to
 * `node dist/main.js` (each answered only once its job is written to the SQLite queue), a fresh process per burst;
 * the reviews the bursts start run meanwhile against an instant DeepSeek stand-in. p50/p99/max of the answer times
 * seen by the sender, and deliveries answered per second. Median over `runs` bursts of each size.
 */
export async function runAck(params: { runs: number }): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const size of [200, 2_000]) {
    const runs: { p50: number; p99: number; max: number; rate: number }[] = [];
    for (let run = 0; run < params.runs; run += 1) {
      const bench = await startBenchApp({
        files: smallPullRequest,
        model: { completionTokens: 300 },
        env: { REVIEW_SHUTDOWN_TIMEOUT_MS: "1000" },
      });
      try {
        const batch = deliveries(size, run);
        const result = await burst(bench.port, batch);
        if (result.failed > 0) throw new Error(`${result.failed} of ${size} deliveries were refused`);
        const measured = {
          p50: percentile(result.acks, 50),
          p99: percentile(result.acks, 99),
          max: Math.max(...result.acks),
          rate: size / (result.ms / 1000),
        };
        runs.push(measured);
        console.log(
          `  ${size} at once, run ${run + 1}: p50 ${Math.round(measured.p50)} ms, p99 ${Math.round(measured.p99)} ms, max ${Math.round(measured.max)} ms, ${Math.round(measured.rate)} deliveries/s`,
        );
      } finally {
        await bench.close();
      }
    }
    const label = `burst of ${size.toLocaleString("en-US")}`;
    figures.push(
      { name: `${label}: ack p50`, value: median(runs.map((r) => r.p50)), unit: "ms" },
      {
        name: `${label}: ack p99`,
        value: median(runs.map((r) => r.p99)),
        unit: "ms",
        ...(size === 200 ? { target: { op: "<" as const, value: 50 } } : {}),
      },
      {
        name: `${label}: slowest ack of all runs`,
        value: Math.max(...runs.map((r) => r.max)),
        unit: "ms",
        ...(size === 2_000 ? { target: { op: "<" as const, value: 1_000 } } : {}),
      },
      {
        name: `${label}: deliveries answered per second`,
        value: median(runs.map((r) => r.rate)),
        unit: "/s",
      },
    );
  }
  return figures;
}
