import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppWithStandIns,
  deliverWebhook,
  githubRoutesFor,
  startAppWithStandIns,
} from "../helpers/e2e.js";
import { chatCompletion } from "../helpers/fake-deepseek.js";
import { webhookExample } from "../helpers/webhook-examples.js";

describe("a webhook with a bad signature (anyone can send one)", () => {
  let run: AppWithStandIns;

  beforeAll(async () => {
    run = await startAppWithStandIns({
      github: githubRoutesFor({ files: [] }),
      deepseek: () => chatCompletion({ content: '{"findings":[]}' }),
    });
  });

  afterAll(() => run?.close());

  it("gets its 400 and one short warn line, without the payload", async () => {
    const payload = { ...webhookExample("pull_request", "opened"), filler: "unsigned-filler-".repeat(1_300) };
    expect(JSON.stringify(payload).length).toBeGreaterThan(21_000);
    const before = run.app.logs.length;
    const response = await deliverWebhook({
      port: run.app.port,
      event: "pull_request",
      id: "forged-delivery-1",
      payload,
      signature: `sha256=${"0".repeat(64)}`,
    });
    expect(response.status).toBe(400);
    // The access log line of the request comes last; wait for it.
    await run.app.waitForLog((line) => String(line.msg).startsWith("POST /api/github/webhooks 400"));

    const lines = run.app.logs.slice(before);
    const warnings = lines.filter((line) => Number(line.level) >= 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      msg: "webhook signature does not match; refused",
      deliveryId: "forged-delivery-1",
      event: "pull_request",
      remoteAddress: "127.0.0.1",
    });
    expect(JSON.stringify(warnings[0]).length).toBeLessThan(400);
    const logged = lines.map((line) => JSON.stringify(line)).join("\n");
    expect(logged).not.toContain("unsigned-filler-");
    // Before: about 68 KB of ERROR lines for this 21 KB payload (the payload logged twice).
    expect(logged.length).toBeLessThan(2_000);
  });

  it("still lets a signed delivery through to the handlers", async () => {
    const response = await deliverWebhook({
      port: run.app.port,
      event: "pull_request",
      id: "signed-delivery-1",
      payload: webhookExample("pull_request", "opened"),
    });
    expect(response.status).toBe(200);
    await run.app.waitForLog((line) => String(line.msg).startsWith("review."));
  });
});
