import { EnvError } from "../config/env.js";
import { PrivateKeyError, readPrivateKey } from "./read-private-key.js";

/** Where Probot serves webhooks unless WEBHOOK_PATH says otherwise (the default of @octokit/webhooks). */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";
/** The secret Probot falls back to without WEBHOOK_SECRET: public, so only fit for development. */
export const PROBOT_DEFAULT_SECRET = "development";
const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The GitHub App the process runs as. */
export interface GithubAppCredentials {
  appId: number;
  /** PKCS#1 PEM, already parsed once. */
  privateKey: string;
  webhookSecret: string;
}

/** Probot's variables, read and checked in one place. */
export interface GithubAppEnv {
  production: boolean;
  /** Undefined: Probot's default, `localhost` (loopback only). */
  host: string | undefined;
  port: number;
  webhookPath: string;
  /** A smee.io channel the app forwards webhooks from, for local development. */
  webhookProxyUrl: string | undefined;
  /** GitHub's web address (https://github.com or the GHE host), where Apps are registered. */
  githubUrl: string;
  /** GitHub's REST API address. */
  githubApiUrl: string;
  /** The organization the App is registered on; unset: the personal account of whoever registers it. */
  org: string | undefined;
  log: { level: LogLevel; format: "json" | "pretty"; levelInString: boolean; messageKey: string | undefined };
  sentryDsn: string | undefined;
  /** Undefined: not registered yet (set-up mode, outside production only). */
  credentials: GithubAppCredentials | undefined;
}

/**
 * Reads Probot's variables (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, HOST, PORT, WEBHOOK_PATH, …) and
 * checks what Probot would only find out later: a key that does not parse, a missing key file, production without a
 * webhook secret. Every problem is reported at once in an EnvError.
 */
export function readGithubAppEnv(env: NodeJS.ProcessEnv, cwd: string): GithubAppEnv {
  const problems: string[] = [];
  const production = env.NODE_ENV === "production";
  const credentials = readCredentials(env, cwd, production, problems);
  const port = readPort(env.PORT, problems);
  const webhookPath = value(env.WEBHOOK_PATH) ?? DEFAULT_WEBHOOK_PATH;
  if (!webhookPath.startsWith("/"))
    problems.push(`WEBHOOK_PATH must start with "/", e.g. ${DEFAULT_WEBHOOK_PATH}`);
  const level = value(env.LOG_LEVEL) ?? "info";
  if (!LOG_LEVELS.includes(level as LogLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  if (value(env.REDIS_URL) !== undefined) {
    problems.push(
      "REDIS_URL is set, but deepseek-review does not use Redis (replicas share their queue, duplicate-delivery " +
        "check and ledger through DATABASE_URL, a PostgreSQL database): unset it",
    );
  }
  const gheHost = value(env.GHE_HOST);
  const githubUrl =
    gheHost === undefined ? "https://github.com" : `${value(env.GHE_PROTOCOL) ?? "https"}://${gheHost}`;
  if (problems.length > 0) throw new EnvError(problems);
  return {
    production,
    host: value(env.HOST),
    port,
    webhookPath,
    webhookProxyUrl: value(env.WEBHOOK_PROXY_URL),
    githubUrl,
    githubApiUrl: gheHost === undefined ? "https://api.github.com" : `${githubUrl}/api/v3`,
    org: value(env.GH_ORG),
    log: {
      level: level as LogLevel,
      format: (value(env.LOG_FORMAT) ?? (production ? "json" : "pretty")) === "pretty" ? "pretty" : "json",
      levelInString: env.LOG_LEVEL_IN_STRING === "true",
      messageKey: value(env.LOG_MESSAGE_KEY),
    },
    sentryDsn: value(env.SENTRY_DSN),
    credentials,
  };
}

function readCredentials(
  env: NodeJS.ProcessEnv,
  cwd: string,
  production: boolean,
  problems: string[],
): GithubAppCredentials | undefined {
  const appIdText = value(env.APP_ID);
  let privateKey: string | undefined;
  let keyUnreadable = false;
  try {
    privateKey = readPrivateKey(env, cwd);
  } catch (error) {
    if (!(error instanceof PrivateKeyError)) throw error;
    problems.push(error.message);
    keyUnreadable = true;
  }
  const secret = value(env.WEBHOOK_SECRET);
  if (appIdText === undefined && privateKey === undefined && !keyUnreadable) {
    if (production) {
      problems.push(
        "APP_ID is missing: with NODE_ENV=production the app needs a registered GitHub App (APP_ID, " +
          "PRIVATE_KEY_PATH or PRIVATE_KEY, WEBHOOK_SECRET); register one with `npm start` outside production",
      );
    }
    return undefined;
  }
  if (appIdText === undefined) problems.push("APP_ID is missing: set it to the GitHub App's ID (a number)");
  else if (!/^[1-9][0-9]*$/.test(appIdText))
    problems.push("APP_ID must be the GitHub App's ID, a whole number");
  if (privateKey === undefined && !keyUnreadable) {
    problems.push(
      "APP_ID is set but the private key is missing: set PRIVATE_KEY_PATH to the App's .pem file",
    );
  }
  if (production && secret === undefined) {
    problems.push(
      "WEBHOOK_SECRET is missing: with NODE_ENV=production the app refuses to run on Probot's public default " +
        "secret; set the GitHub App's webhook secret",
    );
  } else if (production && secret === PROBOT_DEFAULT_SECRET) {
    problems.push(
      `WEBHOOK_SECRET is Probot's public default "${PROBOT_DEFAULT_SECRET}": set a secret of your own`,
    );
  }
  if (appIdText === undefined || privateKey === undefined) return undefined;
  return { appId: Number(appIdText), privateKey, webhookSecret: secret ?? PROBOT_DEFAULT_SECRET };
}

function readPort(text: string | undefined, problems: string[]): number {
  const port = value(text);
  if (port === undefined) return 3000;
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65_535) {
    problems.push("PORT must be a port number from 0 to 65535");
    return 3000;
  }
  return Number(port);
}

/** A variable's trimmed value; blank counts as unset. */
function value(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
