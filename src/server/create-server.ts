import type { Logger } from "pino";
import { type ApplicationFunction, Probot, type ProbotOctokit, Server } from "probot";
import type { GithubAppEnv } from "../start/read-github-app-env.js";
import { guardWebhookSignature } from "./guard-webhook-signature.js";

/** Probot whose webhook middleware checks signatures first (see guardWebhookSignature). */
export class GuardedProbot extends Probot {
  override async getNodeMiddleware(options: Parameters<Probot["getNodeMiddleware"]>[0] = {}) {
    return guardWebhookSignature({
      middleware: await super.getNodeMiddleware(options),
      path: options.path ?? this.webhookPath,
      verify: (payload, signature) => this.webhooks.verify(payload, signature),
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
