import type { Logger } from "pino";
import { type ApplicationFunction, Probot, type ProbotOctokit, Server } from "probot";
import type { GithubAppEnv } from "../start/read-github-app-env.js";
import { guardWebhookSignature } from "./guard-webhook-signature.js";

/**
 * Probot whose webhook middleware checks signatures first (see guardWebhookSignature). A delivery the guard has
 * verified is not verified again: @octokit/webhooks' `verifyAndReceive` would compute the same HMAC a second time
 * before answering, so for the exact payload and signature the guard passed it only parses and receives.
 */
export class GuardedProbot extends Probot {
  override async getNodeMiddleware(options: Parameters<Probot["getNodeMiddleware"]>[0] = {}) {
    const middleware = await super.getNodeMiddleware(options);
    const webhooks = this.webhooks;
    /** Signature → payload of deliveries the guard verified and Probot's middleware has not received yet. */
    const verified = new Map<string, string>();
    const verifyAndReceive = webhooks.verifyAndReceive.bind(webhooks);
    webhooks.verifyAndReceive = async (event) => {
      if (verified.get(event.signature) !== event.payload) return verifyAndReceive(event);
      verified.delete(event.signature);
      let payload: unknown;
      try {
        payload = JSON.parse(event.payload);
      } catch {
        return verifyAndReceive(event); // its own 400 for a payload that is not JSON
      }
      return webhooks.receive({ id: event.id, name: event.name, payload } as Parameters<
        typeof webhooks.receive
      >[0]);
    };
    return guardWebhookSignature({
      middleware: async (request, response, next?: unknown) => {
        try {
          return await middleware(request, response, next as Parameters<typeof middleware>[2]);
        } finally {
          const signature = request.headers["x-hub-signature-256"];
          if (typeof signature === "string") verified.delete(signature);
        }
      },
      path: options.path ?? this.webhookPath,
      verify: async (payload, signature) => {
        const matches = await webhooks.verify(payload, signature);
        if (matches) verified.set(signature, payload);
        return matches;
      },
      log: this.log.child({ name: "webhooks" }),
    });
  }
}

/**
 * Probot's HTTP server (webhooks at `webhookPath`, `/ping`, Probot's static files, 404) as `probot run` builds it,
 * with our logger and the signature guard; it forwards from WEBHOOK_PROXY_URL when that is set.
 */
export function createServer(params: {
  github: GithubAppEnv;
  log: Logger;
  appId: number;
  privateKey: string;
  webhookSecret: string;
  Octokit?: typeof ProbotOctokit;
}): Server {
  const { github } = params;
  return new Server({
    host: github.host,
    port: github.port,
    webhookPath: github.webhookPath,
    webhookProxy: github.webhookProxyUrl,
    log: params.log,
    Probot: GuardedProbot.defaults({
      appId: params.appId,
      privateKey: params.privateKey,
      secret: params.webhookSecret,
      baseUrl: github.githubApiUrl,
      log: params.log,
      ...(params.Octokit === undefined ? {} : { Octokit: params.Octokit }),
    }),
  });
}

/** Starts `server` with `app` loaded; resolves once it listens. */
export async function startServer(server: Server, app: ApplicationFunction): Promise<Server> {
  await server.load(app);
  await server.start();
  return server;
}
