import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for smee.io on 127.0.0.1: `HEAD /new` answers with a channel address in `Location`, as smee.io does; a
 * client that opens the channel (GET, server-sent events) receives every delivery `send` pushes, in smee's shape:
 * the headers as keys, the payload under `body`.
 */
export async function startFakeSmee() {
  const channelPath = "/fake-channel-1";
  const listeners: ServerResponse[] = [];
  let connected: () => void = () => {};
  const firstConnection = new Promise<void>((resolve) => {
    connected = resolve;
  });
  let channelsCreated = 0;
  const server = createServer((request, response) => {
    if (request.method === "HEAD" && request.url === "/new") {
      channelsCreated += 1;
      response.writeHead(307, { location: `${url}${channelPath}` }).end();
      return;
    }
    if (request.method === "GET" && request.url === channelPath) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write("event: ready\ndata: {}\n\n");
      listeners.push(response);
      connected();
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    channelUrl: `${url}${channelPath}`,
    channelsCreated: () => channelsCreated,
    /** Resolves once a client listens on the channel. */
    connected: firstConnection,
    send(headers: Record<string, string>, body: unknown) {
      const data = JSON.stringify({ ...headers, body });
      for (const listener of listeners) listener.write(`data: ${data}\n\n`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const listener of listeners) listener.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
