import { describe, expect, it } from "vitest";
import { EnvError } from "../../../src/config/env.js";
import { readGithubAppEnv } from "../../../src/start/read-github-app-env.js";
import { testPrivateKey } from "../../helpers/create-test-probot.js";

const cwd = process.cwd();
const REGISTERED = { APP_ID: "123", PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: "s3cret" };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    readGithubAppEnv(env, cwd);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error("the environment was accepted");
}

describe("readGithubAppEnv", () => {
  it("with nothing set, is in set-up mode with Probot's defaults", () => {
    expect(readGithubAppEnv({}, cwd)).toEqual({
      production: false,
      host: undefined,
      port: 3000,
      webhookPath: "/api/github/webhooks",
      webhookProxyUrl: undefined,
      githubUrl: "https://github.com",
      githubApiUrl: "https://api.github.com",
      org: undefined,
      log: { level: "info", format: "pretty", levelInString: false, messageKey: undefined },
      sentryDsn: undefined,
      credentials: undefined,
    });
  });

  it("with a registered App, has its credentials and the key as PKCS#1 PEM", () => {
    expect(readGithubAppEnv(REGISTERED, cwd).credentials).toEqual({
      appId: 123,
      privateKey: testPrivateKey(),
      webhookSecret: "s3cret",
    });
  });

  it("outside production, falls back to Probot's development secret", () => {
    const { WEBHOOK_SECRET: _secret, ...withoutSecret } = REGISTERED;
    expect(readGithubAppEnv(withoutSecret, cwd).credentials?.webhookSecret).toBe("development");
  });

  it("in production, logs JSON and reads every Probot variable", () => {
    expect(
      readGithubAppEnv(
        {
          ...REGISTERED,
          NODE_ENV: "production",
          HOST: "0.0.0.0",
          PORT: "8080",
          WEBHOOK_PATH: "/hooks",
          GHE_HOST: "ghe.example.com",
          GH_ORG: "octo-org",
          LOG_LEVEL: "warn",
        },
        cwd,
      ),
    ).toMatchObject({
      production: true,
      host: "0.0.0.0",
      port: 8080,
      webhookPath: "/hooks",
      githubUrl: "https://ghe.example.com",
      githubApiUrl: "https://ghe.example.com/api/v3",
      org: "octo-org",
      log: { level: "warn", format: "json" },
    });
  });

  it.each([
    [
      { NODE_ENV: "production" },
      ["APP_ID is missing: with NODE_ENV=production the app needs a registered GitHub App"],
    ],
    [{ ...REGISTERED, NODE_ENV: "production", WEBHOOK_SECRET: "" }, ["WEBHOOK_SECRET is missing"]],
    [
      { ...REGISTERED, NODE_ENV: "production", WEBHOOK_SECRET: "development" },
      ["WEBHOOK_SECRET is Probot's public default"],
    ],
    [{ APP_ID: "123" }, ["APP_ID is set but the private key is missing"]],
    [{ PRIVATE_KEY: testPrivateKey() }, ["APP_ID is missing: set it to the GitHub App's ID"]],
    [{ ...REGISTERED, APP_ID: "12a" }, ["APP_ID must be the GitHub App's ID"]],
    [{ ...REGISTERED, PRIVATE_KEY: "nonsense" }, ["PRIVATE_KEY is not a private key"]],
    [
      { APP_ID: "123", PRIVATE_KEY_PATH: "/nowhere/key.pem" },
      ["PRIVATE_KEY_PATH is /nowhere/key.pem, which does not exist"],
    ],
    [{ ...REGISTERED, PORT: "http" }, ["PORT must be a port number"]],
    [{ ...REGISTERED, PORT: "70000" }, ["PORT must be a port number"]],
    [{ ...REGISTERED, WEBHOOK_PATH: "hooks" }, ['WEBHOOK_PATH must start with "/"']],
    [{ ...REGISTERED, LOG_LEVEL: "verbose" }, ["LOG_LEVEL must be one of"]],
    [
      { ...REGISTERED, REDIS_URL: "redis://localhost" },
      ["REDIS_URL is set, but deepseek-review does not use Redis"],
    ],
    [
      { NODE_ENV: "production", APP_ID: "x", PRIVATE_KEY: "bad" },
      ["PRIVATE_KEY is not a private key", "APP_ID must be the GitHub App's ID", "WEBHOOK_SECRET is missing"],
    ],
  ])("refuses %j with every problem named", (env, expected) => {
    const problems = problemsOf(env as NodeJS.ProcessEnv);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((start, index) => {
      expect(problems[index]).toContain(start);
    });
  });
});
