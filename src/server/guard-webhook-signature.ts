import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../runtime/types.js";

/** A Node middleware as Probot's server chains them: true when it answered the request. */
export type Middleware<Next> = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: Next,
) => Promise<boolean>;

/** GitHub caps webhook payloads at 25 MB (docs.github.com, "Webhook events and payloads"). */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/**
 * Checks a webhook's signature before Probot's middleware sees it. A delivery with a wrong signature is anyone's
 * request: it gets its 400 and one short warn line (delivery id, event, source address, size), where Probot and
 * @octokit/webhooks would log the whole payload twice at error level. A signed delivery goes on to `middleware`
 * with its body already read.
 */
export function guardWebhookSignature<Next>(params: {
  middleware: Middleware<Next>;
  path: string;
  verify: (payload: string, signature: string) => Promise<boolean>;
  log: Pick<Logger, "warn">;
}): Middleware<Next> {
  const webhookPath = normalizeTrailingSlashes(params.path);
  return async (request, response, next) => {
    const signature = header(request, "x-hub-signature-256");
    if (request.method !== "POST" || pathOf(request.url) !== webhookPath || signature === undefined) {
      // Not a webhook, or one Probot's middleware rejects without reading or logging its body.
      return params.middleware(request, response, next);
    }
    const fields = {
      deliveryId: header(request, "x-github-delivery"),
      event: header(request, "x-github-event"),
      remoteAddress: request.socket.remoteAddress,
    };
    const payload = await readBody(request);
    if (payload === ABORTED) return true;
    if (payload === TOO_LARGE) {
      params.log.warn(
        { ...fields, maxBytes: MAX_WEBHOOK_BYTES },
        "webhook larger than GitHub sends; refused",
      );
      response.once("finish", () => request.destroy());
      answer(response, 413, "Payload too large");
      return true;
    }
    if (!(await params.verify(payload, signature).catch(() => false))) {
      params.log.warn(
        { ...fields, bytes: Buffer.byteLength(payload) },
        "webhook signature does not match; refused",
      );
      answer(response, 400, "signature does not match event payload and secret");
      return true;
    }
    // @octokit/webhooks takes a string body as the payload instead of reading the stream again.
    (request as IncomingMessage & { body?: string }).body = payload;
    return params.middleware(request, response, next);
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}

const TOO_LARGE = Symbol("too large");
const ABORTED = Symbol("aborted");

/** The body as text; TOO_LARGE past MAX_WEBHOOK_BYTES (reading stops there), ABORTED if the client went away. */
function readBody(request: IncomingMessage): Promise<string | typeof TOO_LARGE | typeof ABORTED> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (result: string | typeof TOO_LARGE | typeof ABORTED) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    request.on("data", (chunk: Buffer) => {
      if (settled) return;
      bytes += chunk.length;
      if (bytes > MAX_WEBHOOK_BYTES) {
        request.pause();
        settle(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => settle(Buffer.concat(chunks).toString("utf8")));
    request.on("error", () => settle(ABORTED));
    request.on("close", () => settle(ABORTED));
  });
}

function answer(response: ServerResponse, status: number, error: string): void {
  const body = JSON.stringify({ error });
  response.writeHead(status, { "content-type": "application/json", connection: "close" }).end(body);
}

/** The request's path as @octokit/webhooks' middleware compares it, so both agree on what is a webhook. */
function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(normalizeTrailingSlashes(url ?? "/"), "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

/** @octokit/webhooks' normalizeTrailingSlashes: drops trailing slashes, "/" for an empty or all-slash path. */
function normalizeTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  return end === 0 ? "/" : path.slice(0, end);
}
