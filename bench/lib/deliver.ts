import { deliverWebhook } from "../../test/helpers/e2e.js";
import { webhookExample } from "../../test/helpers/webhook-examples.js";
import type { BenchApp } from "./bench-app.js";

interface OpenedPayload {
  installation: { id: number };
  repository: { name: string; full_name: string };
  pull_request: { number: number; head: { sha: string } };
}

const example = webhookExample<OpenedPayload>("pull_request", "opened");

/** A `pull_request.opened` delivery of pull request `number` (its own head sha) in installation `installation`. */
export function openedPayload(number: number, installation = 1): OpenedPayload {
  const payload = structuredClone(example);
  payload.installation.id = installation;
  payload.repository.name = `repo-${installation}`;
  payload.repository.full_name = `Codertocat/repo-${installation}`;
  payload.pull_request.number = number;
  payload.pull_request.head.sha = (installation * 1_000_000 + number).toString(16).padStart(40, "0");
  return payload;
}

let deliveries = 0;

const OUTCOME = /^review\.(completed|failed|skipped)$/;

/**
 * Delivers `pull_request.opened` for `number` and waits for that pull request's outcome line (the log must be at
 * level info); the wall time in ms. Throws unless the review completed.
 */
export async function reviewAndWait(
  bench: BenchApp,
  number: number,
  installation = 1,
  timeoutMs = 300_000,
): Promise<number> {
  const started = performance.now();
  deliveries += 1;
  const ack = await deliverWebhook({
    port: bench.port,
    event: "pull_request",
    id: `bench-${process.pid}-${deliveries}`,
    payload: openedPayload(number, installation),
  });
  if (ack.status >= 300) throw new Error(`the webhook was answered ${ack.status}`);
  const outcome = await bench.app.waitForLog(
    (line) => line.pr === number && typeof line.msg === "string" && OUTCOME.test(line.msg),
    timeoutMs,
  );
  if (outcome.msg !== "review.completed")
    throw new Error(`review of #${number} ended ${String(outcome.msg)}: ${JSON.stringify(outcome)}`);
  return performance.now() - started;
}
