import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { parse } from "yaml";
import { EnvError } from "../config/env.js";
import { createServer } from "../server/create-server.js";
import type { GithubAppEnv } from "../start/read-github-app-env.js";
import { createSetupHandler } from "./create-setup-handler.js";
import { createWebhookChannel } from "./create-webhook-channel.js";
import type { RegisteredApp } from "./register-app.js";
import { updateEnvFile } from "./update-env-file.js";

/** Probot needs some key to build its client; in set-up mode nothing is ever signed with it. */
const SETUP_PLACEHOLDER_KEY = "unused in set-up mode";

/**
 * Set-up mode, for a process with no GitHub App yet (never in production): makes sure GitHub can reach a laptop (a
 * smee.io channel, written to .env as WEBHOOK_PROXY_URL), serves the registration page, and returns once the App is
 * registered and saved to .env, with the set-up server stopped, so the caller starts the app in its place.
 */
export async function runSetup(params: {
  github: GithubAppEnv;
  log: Logger;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): Promise<RegisteredApp> {
  const { github, log, cwd, env } = params;
  const appYml = readAppYml(cwd);
  let webhookProxyUrl = github.webhookProxyUrl;
  if (webhookProxyUrl === undefined && env.NO_SMEE_SETUP !== "true") {
    try {
      webhookProxyUrl = await createWebhookChannel(env.SMEE_URL?.trim() || undefined);
      updateEnvFile(join(cwd, ".env"), { WEBHOOK_PROXY_URL: webhookProxyUrl }, env);
      log.info({ webhookProxyUrl }, "webhook proxy channel created and written to .env as WEBHOOK_PROXY_URL");
    } catch (error) {
      log.warn(
        { err: { message: (error as Error).message } },
        "no smee.io channel: GitHub cannot deliver webhooks to this machine; set WEBHOOK_PROXY_URL or use a public URL",
      );
    }
  }
  const { handler, registered } = createSetupHandler({
    appYml,
    webhookPath: github.webhookPath,
    webhookProxyUrl,
    githubUrl: github.githubUrl,
    githubApiUrl: github.githubApiUrl,
    org: github.org,
    cwd,
    env,
    log,
  });
  const server = createServer({
    github: { ...github, webhookProxyUrl: undefined },
    log,
    appId: 1,
    privateKey: SETUP_PLACEHOLDER_KEY,
    webhookSecret: "unused in set-up mode",
  });
  await server.load((_probot, { addHandler }) => addHandler(handler));
  await server.start();
  log.info(
    { url: `http://${printableHost(github.host)}:${server.port}/`, owner: github.org ?? "personal account" },
    "set-up mode: no GitHub App yet; open this address to register one",
  );
  const app = await registered;
  await server.stop();
  log.info({ appId: app.id }, "set-up done: starting as the registered App");
  return app;
}

/** A host to type into a browser: a wildcard address means this machine. */
function printableHost(host: string | undefined): string {
  return host === undefined || host === "0.0.0.0" || host === "::" ? "localhost" : host;
}

/** app.yml: the App's name, events and permissions. */
function readAppYml(cwd: string): Record<string, unknown> {
  const path = join(cwd, "app.yml");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new EnvError([`${path} is missing: start the app from the project directory, where app.yml is`]);
  }
  const parsed: unknown = parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new EnvError([`${path} is not a YAML mapping of the App's settings`]);
  }
  return parsed as Record<string, unknown>;
}
