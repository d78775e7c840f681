import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppWithStandIns,
  deliverWebhook,
  githubRoutesFor,
  startAppWithStandIns,
} from "../helpers/e2e.js";
import { chatCompletion, isVerificationRequest, verdictsCompletion } from "../helpers/fake-deepseek.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const INSTALLATIONS = Number(process.env.BURST_INSTALLATIONS ?? 10);
const PER_INSTALLATION = Number(process.env.BURST_PER ?? 20);
const MODEL_CAP = 4;
const files = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"),
);
const answer = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/model-answer.json", import.meta.url), "utf8"),
);

describe(`a burst of ${INSTALLATIONS * PER_INSTALLATION} pull_request webhooks`, () => {
  let run: AppWithStandIns;
  let github: AppWithStandIns["github"];
  /** A DeepSeek stand-in that answers after a short think; it counts the calls in flight. */
  let deepseek: AppWithStandIns["deepseek"];
  let app: AppWithStandIns["app"];

  beforeAll(async () => {
    run = await startAppWithStandIns({
      github: githubRoutesFor({ files }),
      // The verification pass (on by default) confirms the findings.
      deepseek: (request) => ({
        ...(isVerificationRequest(request)
          ? verdictsCompletion(request)
          : chatCompletion({
              content: JSON.stringify(answer),
              promptTokens: 100,
              completionTokens: 10,
              cacheHitTokens: 80,
            })),
        delayMs: 40,
      }),
      env: { REVIEW_MAX_CONCURRENT_REQUESTS: String(MODEL_CAP), LOG_LEVEL: "info" },
    });
    ({ github, deepseek, app } = run);
  });

  afterAll(() => run?.close());

  it("acknowledges every delivery at once, reviews every PR exactly once, and keeps model calls under the cap", async () => {
    const deliveries = [];
    for (let installation = 1; installation <= INSTALLATIONS; installation++) {
      for (let n = 1; n <= PER_INSTALLATION; n++) {
        const payload = webhookExample<{
          installation: { id: number };
          repository: { name: string; full_name: string };
          pull_request: { number: number; head: { sha: string } };
        }>("pull_request", "opened");
        payload.installation.id = installation;
        payload.repository.name = `repo-${installation}`;
        payload.repository.full_name = `Codertocat/repo-${installation}`;
        payload.pull_request.number = n;
        payload.pull_request.head.sha = (installation * 1000 + n).toString(16).padStart(40, "0");
        deliveries.push({ id: `burst-${installation}-${n}`, payload });
      }
    }
    const started = Date.now();
    const acks = await Promise.all(
      deliveries.map(({ id, payload }) =>
        deliverWebhook({ port: app.port, event: "pull_request", id, payload }),
      ),
    );
    const slowestAck = Math.max(...acks.map((ack) => ack.ms));
    expect(acks.every((ack) => ack.status < 300)).toBe(true);
    expect(slowestAck).toBeLessThan(5_000);

    const total = INSTALLATIONS * PER_INSTALLATION;
    await app
      .waitForLog(
        () => app.logs.filter((line) => line.msg === "review.completed").length >= total,
        Number(process.env.BURST_WAIT_MS ?? 120_000),
      )
      .catch((error: unknown) => {
        const counts: Record<string, number> = {};
        for (const line of app.logs) counts[String(line.msg)] = (counts[String(line.msg)] ?? 0) + 1;
        throw new Error(`${(error as Error).message}\nlog messages: ${JSON.stringify(counts)}`);
      });
    const allPosted = Date.now() - started;
    const posts = github.requests.filter(
      (request) => request.method === "POST" && request.path.endsWith("/reviews"),
    );
    expect(posts).toHaveLength(total);
    expect(new Set(posts.map((post) => post.path)).size).toBe(total);
    // One review request per pull request; the verification pass's requests come on top.
    const reviewRequests = deepseek.requests.filter((request) => !isVerificationRequest(request));
    expect(reviewRequests).toHaveLength(total);
    expect(deepseek.maxInFlight()).toBeLessThanOrEqual(MODEL_CAP);
    expect(app.logs.filter((line) => line.msg === "review.failed")).toEqual([]);
    const sorted = acks.map((ack) => ack.ms).sort((x, y) => x - y);
    const percentile = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    console.info(
      `burst: ${total} deliveries, ack p50 ${percentile(50)} ms, p99 ${percentile(99)} ms, slowest ${slowestAck} ms ` +
        `(each job written to the SQLite queue first), all reviews posted after ${allPosted} ms, ` +
        `max model calls in flight ${deepseek.maxInFlight()}/${MODEL_CAP}`,
    );
  }, 180_000);
});
