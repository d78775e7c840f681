import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhook, type RunningApp, startApp } from "../helpers/e2e.js";
import {
  chatCompletion,
  isVerificationRequest,
  startFakeDeepSeek,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import { startLocalServer } from "../helpers/local-server.js";
import {
  githubForManyPullRequests,
  openedEvent,
  type PostedReviews,
  waitFor,
} from "../helpers/many-pull-requests.js";
import { createTestDatabase } from "../helpers/postgres.js";

const PRS = 50;
const answer = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/model-answer.json", import.meta.url), "utf8"),
);

describe("two replicas on one PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("share 50 pull requests with no duplicate review, and one killed mid-way loses none", async () => {
    const posted: PostedReviews = new Map();
    const github = await startLocalServer(githubForManyPullRequests(posted));
    const deepseek = await startFakeDeepSeek((request) => ({
      // The verification pass (on by default) confirms the findings.
      ...(isVerificationRequest(request)
        ? verdictsCompletion(request)
        : chatCompletion({
            content: JSON.stringify(answer),
            promptTokens: 2_000,
            completionTokens: 200,
            cacheHitTokens: 1_500,
          })),
      delayMs: 300,
    }));
    const env = {
      DATABASE_URL: database.url,
      REVIEW_MAX_CONCURRENT_REVIEWS: "2",
      DEEPSEEK_MAX_RETRIES: "0",
      QUEUE_HEARTBEAT_SECONDS: "10",
      QUEUE_RETRY_DELAY_SECONDS: "1",
    };
    const replicas: RunningApp[] = [];
    try {
      replicas.push(await startApp({ githubPort: github.port, deepseekUrl: deepseek.url, env }));
      replicas.push(await startApp({ githubPort: github.port, deepseekUrl: deepseek.url, env }));
      const [a, b] = replicas as [RunningApp, RunningApp];
      const answered: number[] = [];
      for (let number = 1; number <= PRS; number++) {
        const replica = number % 2 === 0 ? a : b;
        const response = await deliverWebhook({
          port: replica.port,
          event: "pull_request",
          id: `replica-${number}`,
          payload: openedEvent(number),
        });
        expect(response.status).toBe(200);
        answered.push(response.ms);
      }
      // A redelivery to the other replica is taken once.
      const again = await deliverWebhook({
        port: b.port,
        event: "pull_request",
        id: "replica-2",
        payload: openedEvent(2),
      });
      expect(again.status).toBe(200);

      await waitFor(() => posted.size >= 10, 60_000);
      a.child.kill("SIGKILL");
      await a.exited;
      const atKill = posted.size;

      await waitFor(() => posted.size === PRS, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const duplicates = [...posted.values()].filter((reviews) => reviews.length > 1).length;
      expect(duplicates).toBe(0);
      expect([...posted.keys()].sort((x, y) => x - y)).toEqual(
        Array.from({ length: PRS }, (_, index) => index + 1),
      );
      const byReplica = b.logs.filter((line) => line.msg === "review.completed").length;
      console.info(
        `replicas: ${PRS} pull requests, ${atKill} reviewed when one replica was killed, ${byReplica} reviews by the survivor, ${duplicates} duplicates`,
      );
    } finally {
      for (const replica of replicas) await replica.close();
      await github.close();
      await deepseek.close();
    }
  }, 240_000);
});
