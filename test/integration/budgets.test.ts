import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTestApp, createTestStore } from "../helpers/create-test-app.js";
import { mockCreateReview, mockPullRequestReads } from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const files = () =>
  JSON.parse(
    readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"),
  ) as unknown[];

describe("a repository near its monthly budget", () => {
  it("is not reviewed: no model call, a review saying which budget and how to raise it, and a refusal in the ledger", async () => {
    const store = createTestStore();
    // This month the repository already spent $0.999 of its $1 budget.
    const now = Date.now();
    await store.recordRun({
      id: "earlier",
      installationId: 1,
      repo: "Codertocat/Hello-World",
      pr: 1,
      trigger: "auto",
      models: [],
      requests: 40,
      promptCacheHitTokens: 0,
      promptCacheMissTokens: 0,
      completionTokens: 0,
      costUsd: 0.999,
      durationMs: 1,
      findingsPosted: 0,
      findingsNotInline: 0,
      outcome: "completed",
      startedAt: now,
      finishedAt: now,
    });
    const app = createTestApp({ store, env: { BUDGET_REPO_USD_PER_MONTH: "1" } });
    mockPullRequestReads({ files: files() });
    const reviews = mockCreateReview({ id: 5 });

    await app.probot.receive({
      id: "budget-1",
      name: "pull_request",
      payload: webhookExample("pull_request", "opened") as never,
    });
    expect(await app.queue.drain(10_000)).toEqual([]);

    const body = (reviews[0] as { body: string }).body;
    expect(body).toContain("**Nothing could be reviewed:** not sent to the model:");
    expect(body).toContain("ceiling of $1.00 per month (`BUDGET_REPO_USD_PER_MONTH`); it resets at");
    const refused = (await store.listRuns({ pr: 2 }))[0];
    expect(refused).toMatchObject({
      outcome: "refused",
      requests: 0,
      costUsd: 0,
      repo: "Codertocat/Hello-World",
    });
    expect(refused?.reason).toContain("BUDGET_REPO_USD_PER_MONTH");
  });
});
