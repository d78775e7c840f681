import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppWithStandIns,
  deliverWebhook,
  githubRoutesFor,
  startAppWithStandIns,
} from "../helpers/e2e.js";
import { chatCompletion } from "../helpers/fake-deepseek.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

describe("start-up warms the planning workers before saying ready", () => {
  let run: AppWithStandIns;

  beforeAll(async () => {
    run = await startAppWithStandIns({
      github: githubRoutesFor({ files: fixture("files.json") }),
      deepseek: () =>
        chatCompletion({
          content: JSON.stringify(fixture("model-answer.json")),
          promptTokens: 2000,
          completionTokens: 250,
        }),
    });
  });

  afterAll(() => run?.close());

  it("answers /readyz 503 until the planning worker has loaded the tokenizer, then 200; the first review follows", async () => {
    const { app } = run;
    const answers: { status: number; text: string; at: number }[] = [];
    for (let polls = 0; polls < 1_500; polls += 1) {
      const response = await fetch(`http://127.0.0.1:${app.port}/readyz`);
      answers.push({ status: response.status, text: await response.text(), at: Date.now() });
      if (response.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ready = answers.at(-1);
    expect(ready?.status).toBe(200);
    for (const answer of answers.slice(0, -1)) expect(answer).toMatchObject({ status: 503 });
    // The workers said they were warm before the first 200 was sent (pino's time is when the line was logged).
    const warm = await app.waitForLog((line) => line.msg === "planner.warm");
    expect(warm.ms).toBeGreaterThan(0);
    expect(Number(warm.time)).toBeLessThanOrEqual(ready?.at ?? 0);

    const response = await deliverWebhook({
      port: app.port,
      event: "pull_request",
      id: "warm-up-1",
      payload: webhookExample("pull_request", "opened"),
    });
    expect(response.status).toBeLessThan(300);
    await app.waitForLog((line) => line.msg === "review.completed");
  });
});
