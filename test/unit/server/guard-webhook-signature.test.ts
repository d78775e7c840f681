import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { guardWebhookSignature, MAX_WEBHOOK_BYTES } from "../../../src/server/guard-webhook-signature.js";

const SECRET = "guard-secret";
const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

interface Seen {
  body: unknown;
}

/** The guard in front of a middleware that records what reached it and answers 200. */
async function startGuarded() {
  const seen: Seen[] = [];
  const warnings: { fields: object; message: string }[] = [];
  const guard = guardWebhookSignature({
    middleware: async (request: IncomingMessage, response: ServerResponse) => {
      seen.push({ body: (request as IncomingMessage & { body?: unknown }).body });
      response.writeHead(200).end("ok\n");
      return true;
    },
    path: "/api/github/webhooks",
    verify: async (payload, signature) => sign(payload) === signature,
    log: { warn: (fields, message) => warnings.push({ fields, message }) },
  });
  const server: Server = createServer((request, response) => void guard(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": "d-1",
        ...headers,
      },
      body,
    });
  return { seen, warnings, post, port };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("guardWebhookSignature", () => {
  it("passes a signed delivery on, with its body already read", async () => {
    const { seen, warnings, post } = await startGuarded();
    const body = JSON.stringify({ action: "opened" });
    const response = await post("/api/github/webhooks", body, { "x-hub-signature-256": sign(body) });
    expect(response.status).toBe(200);
    expect(seen).toEqual([{ body }]);
    expect(warnings).toEqual([]);
  });

  it.each(["/api/github/webhooks", "/api/github/webhooks/", "/api/github/webhooks?x=1"])(
    "answers a wrongly signed delivery to %s with 400 and one warn line, never reaching the middleware",
    async (path) => {
      const { seen, warnings, post } = await startGuarded();
      const body = JSON.stringify({ secret: "payload-text".repeat(2_000) });
      const response = await post(path, body, { "x-hub-signature-256": sign(`${body} `) });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "signature does not match event payload and secret" });
      expect(seen).toEqual([]);
      expect(warnings).toEqual([
        {
          fields: {
            deliveryId: "d-1",
            event: "push",
            remoteAddress: "127.0.0.1",
            bytes: Buffer.byteLength(body),
          },
          message: "webhook signature does not match; refused",
        },
      ]);
    },
  );

  it("leaves requests it does not guard to the middleware (another path, a GET, no signature header)", async () => {
    const { seen, warnings, post, port } = await startGuarded();
    await post("/elsewhere", "{}", { "x-hub-signature-256": "sha256=00" });
    await post("/api/github/webhooks", "{}", {});
    await fetch(`http://127.0.0.1:${port}/api/github/webhooks`);
    expect(seen).toHaveLength(3);
    expect(seen.every((request) => request.body === undefined)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("refuses a body larger than GitHub ever sends with 413, without reading it all", async () => {
    const { seen, warnings, post } = await startGuarded();
    const body = "x".repeat(MAX_WEBHOOK_BYTES + 1);
    const response = await post("/api/github/webhooks", body, { "x-hub-signature-256": sign(body) }).catch(
      (error: Error) => error,
    );
    // The server answers 413 and closes; the client may see the answer or the closed connection.
    if (!(response instanceof Error)) expect(response.status).toBe(413);
    expect(seen).toEqual([]);
    expect(warnings.map((warning) => warning.message)).toEqual(["webhook larger than GitHub sends; refused"]);
  });
});
