import { describe, expect, it } from "vitest";
import { createWebhookChannel } from "../../../src/setup/create-webhook-channel.js";
import { startFakeSmee } from "../../helpers/fake-smee.js";
import { freePort } from "../../helpers/local-server.js";

describe("createWebhookChannel", () => {
  it("asks the smee server for a new channel and gives its address", async () => {
    const smee = await startFakeSmee();
    try {
      expect(await createWebhookChannel(`${smee.url}/`)).toBe(smee.channelUrl);
      expect(smee.channelsCreated()).toBe(1);
    } finally {
      await smee.close();
    }
  });

  it("fails when no smee server answers", async () => {
    await expect(createWebhookChannel(`http://127.0.0.1:${await freePort()}`)).rejects.toThrow();
  });
});
