import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GuardedProbot } from "../../../src/server/create-server.js";
import { createCapturedLogger, testPrivateKey } from "../../helpers/create-test-probot.js";

const SECRET = "guarded-probot-secret";
const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve() {
  const { log } = createCapturedLogger();
  const probot = new GuardedProbot({ appId: 1, privateKey: testPrivateKey(), secret: SECRET, log });
  const received: unknown[] = [];
  probot.on("push", async (context) => {
    received.push(context.payload);
  });
  // Probot sets up its webhooks on the first call; the spy on their full check (signature again, then receive) is
  // in place before the middleware under test is built.
  await probot.getNodeMiddleware({ path: "/api/github/webhooks" });
  const verifyAgain = vi.spyOn(probot.webhooks, "verifyAndReceive");
  const middleware = await probot.getNodeMiddleware({ path: "/api/github/webhooks" });
  const server = createServer(async (request, response) => {
    if (!(await middleware(request, response))) response.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const post = (body: string, signature: string) =>
    fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": `d-${received.length}`,
        "x-hub-signature-256": signature,
      },
      body,
    });
  return { received, verifyAgain, post };
}

describe("GuardedProbot", () => {
  it("verifies a delivery's signature once: the guard's check is not repeated before the handler runs", async () => {
    const { received, verifyAgain, post } = await serve();
    const body = JSON.stringify({ ref: "refs/heads/main", installation: { id: 1 } });
    const response = await post(body, sign(body));
    expect(response.status).toBe(200);
    expect(received).toEqual([{ ref: "refs/heads/main", installation: { id: 1 } }]);
    expect(verifyAgain).not.toHaveBeenCalled();
  });

  it("still refuses a bad signature and answers Probot's 400 for a signed body that is not JSON", async () => {
    const { received, post } = await serve();
    expect((await post('{"ref":"x"}', sign('{"ref":"y"}'))).status).toBe(400);
    expect((await post("not json", sign("not json"))).status).toBe(400);
    expect(received).toEqual([]);
  });
});
