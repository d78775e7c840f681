import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deliverWebhook, startApp } from "../helpers/e2e.js";
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

const PRS = 10;
const answer = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/model-answer.json", import.meta.url), "utf8"),
);

describe("a crash with reviews accepted and in flight", () => {
  const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-crash-"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("posts every accepted review exactly once after kill -9 and a restart on the same DATA_DIR", async () => {
    const posted: PostedReviews = new Map();
    const github = await startLocalServer(githubForManyPullRequests(posted));
    // Before the crash DeepSeek takes a minute to answer, so the first model calls are in flight when it comes.
    let slow = true;
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
      delayMs: slow ? 60_000 : 50,
    }));
    const env = { REVIEW_MAX_CONCURRENT_REVIEWS: "2", DEEPSEEK_MAX_RETRIES: "0" };
    try {
      const first = await startApp({ githubPort: github.port, deepseekUrl: deepseek.url, env, cwd });
      for (let number = 1; number <= PRS; number++) {
        const response = await deliverWebhook({
          port: first.port,
          event: "pull_request",
          id: `crash-${number}`,
          payload: openedEvent(number),
        });
        expect(response.status).toBe(200);
      }
      await waitFor(() => deepseek.requests.length >= 2, 20_000);
      first.child.kill("SIGKILL");
      await first.exited;
      const beforeRestart = [...posted.values()].reduce((sum, reviews) => sum + reviews.length, 0);

      slow = false;
      const second = await startApp({ githubPort: github.port, deepseekUrl: deepseek.url, env, cwd });
      try {
        await waitFor(() => posted.size === PRS, 60_000);
        // Give any duplicate a chance to show.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const perPr = [...posted.entries()]
          .map(([number, reviews]) => [number, reviews.length])
          .sort(([a], [b]) => Number(a) - Number(b));
        expect(perPr).toEqual(Array.from({ length: PRS }, (_, index) => [index + 1, 1]));
        const comments = [...posted.values()].flatMap((reviews) =>
          reviews.flatMap((review) => review.comments as unknown[]),
        );
        expect(comments).toHaveLength(PRS * 3);
        console.info(
          `crash recovery: ${PRS} reviews accepted, ${beforeRestart} posted before kill -9, ${PRS - beforeRestart} recovered after the restart, 0 duplicates`,
        );
      } finally {
        await second.close();
      }
    } finally {
      await github.close();
      await deepseek.close();
    }
  }, 120_000);
});
