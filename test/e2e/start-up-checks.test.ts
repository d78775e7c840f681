import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import { deliverWebhook, githubRoutesFor, startAppWithStandIns } from "../helpers/e2e.js";
import { chatCompletion } from "../helpers/fake-deepseek.js";
import { startAppProcess } from "../helpers/start-app-process.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const require = createRequire(import.meta.url);
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const TSX = pathToFileURL(require.resolve("tsx")).href;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratchDirectory(): string {
  const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-start-"));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  return cwd;
}

/** Runs the real entry point with only `env` (plus PATH) and returns how it ended. */
async function startAndExit(env: Record<string, string>, cwd = scratchDirectory()) {
  const app = startAppProcess(env, cwd);
  cleanups.push(() => app.stop());
  const code = await Promise.race([
    app.exited,
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 15_000)),
  ]);
  return { code, stderr: app.stderr(), logs: app.logs };
}

const REGISTERED = { APP_ID: "123", WEBHOOK_SECRET: "start-secret", DEEPSEEK_API_KEY: "sk-start" };

describe("start-up refuses to run, with one line naming the variable", () => {
  it.each([
    {
      when: "PRIVATE_KEY is not a key",
      env: { ...REGISTERED, PRIVATE_KEY: "not-a-key" },
      line: "deepseek-review cannot start: PRIVATE_KEY is not a private key",
    },
    {
      when: "PRIVATE_KEY is a PEM that does not parse",
      env: {
        ...REGISTERED,
        PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
      },
      line: "deepseek-review cannot start: PRIVATE_KEY is not a readable private key",
    },
    {
      when: "PRIVATE_KEY_PATH names a file that does not exist",
      env: { ...REGISTERED, PRIVATE_KEY_PATH: "/run/secrets/missing.pem" },
      line: "deepseek-review cannot start: PRIVATE_KEY_PATH is /run/secrets/missing.pem, which does not exist",
    },
    {
      when: "NODE_ENV=production and WEBHOOK_SECRET is not set",
      env: {
        APP_ID: "123",
        PRIVATE_KEY: testPrivateKey(),
        DEEPSEEK_API_KEY: "sk-start",
        NODE_ENV: "production",
      },
      line: "deepseek-review cannot start: WEBHOOK_SECRET is missing",
    },
    {
      when: "NODE_ENV=production and APP_ID is not set",
      env: { DEEPSEEK_API_KEY: "sk-start", NODE_ENV: "production" },
      line: "deepseek-review cannot start: APP_ID is missing",
    },
    {
      when: "REDIS_URL is set",
      env: { ...REGISTERED, PRIVATE_KEY: testPrivateKey(), REDIS_URL: "redis://127.0.0.1:6379" },
      line: "deepseek-review cannot start: REDIS_URL is set, but deepseek-review does not use Redis",
    },
  ])("when $when", async ({ env, line }) => {
    const { code, stderr, logs } = await startAndExit(env);
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.startsWith(line)).toBe(true);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(logs).toEqual([]);
  });

  it("lists every problem when there are several", async () => {
    const { code, stderr } = await startAndExit({ NODE_ENV: "production", PRIVATE_KEY: "x", APP_ID: "abc" });
    expect(code).toBe(1);
    expect(stderr).toContain("DEEPSEEK_API_KEY is missing");
    expect(stderr).toContain("PRIVATE_KEY is not a private key");
    expect(stderr).toContain("APP_ID must be the GitHub App's ID");
    expect(stderr).toContain("WEBHOOK_SECRET is missing");
  });

  it("never prints the key it refuses", async () => {
    const key = testPrivateKey().replace("-----END", "broken-----END");
    const { code, stderr } = await startAndExit({ ...REGISTERED, PRIVATE_KEY: key });
    expect(code).toBe(1);
    expect(stderr).not.toContain(key.split("\n")[1]);
  });
});

describe("on a Node.js older than package.json's engines", () => {
  it("stops before loading the app, with one line naming both versions", () => {
    const result = spawnSync(
      process.execPath,
      ["--import", TSX, "--import", "./test/fixtures/fake-node-20.mjs", MAIN],
      {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        env: { PATH: process.env.PATH ?? "" },
        encoding: "utf8",
        timeout: 15_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      'deepseek-review cannot start: it needs Node.js ^22.20.0 || ^24.0.0 || >=26.0.0 (package.json "engines"), ' +
        "and this is Node.js 20.19.0. Install Node.js 24 LTS (https://nodejs.org) and run it again.",
    ]);
  });

  const olderNode = ["/usr/bin/node", "/usr/local/bin/node"].find((path) => {
    const version = spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout?.trim();
    return version !== undefined && version !== "" && Number(version.split(".")[0]) < 22;
  });

  it.runIf(olderNode !== undefined)("stops the same way on a real older Node.js (the machine's own)", () => {
    const result = spawnSync(olderNode ?? "", ["--import", TSX, MAIN], {
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^deepseek-review cannot start: it needs Node\.js .* and this is Node\.js \d+\./,
    );
  });
});

describe("a private key in any form Probot's set-up or a container gives it", () => {
  const pem = testPrivateKey();
  it.each([
    // Probot's set-up writes PRIVATE_KEY="-----BEGIN…\n…" to .env; `docker run --env-file` keeps the quotes.
    {
      form: "in double quotes with literal \\n, as docker --env-file passes Probot's .env line",
      key: `"${pem.replaceAll("\n", "\\n")}"`,
    },
    { form: "base64-encoded", key: Buffer.from(pem).toString("base64") },
    { form: "on one line, line breaks turned into spaces", key: pem.replaceAll("\n", " ") },
  ])("$form: starts and signs GitHub requests with it, so reviews are posted", async ({ key }) => {
    const run = await startAppWithStandIns({
      github: githubRoutesFor({ files: [] }),
      deepseek: () => chatCompletion({ content: '{"findings":[]}' }),
      env: { PRIVATE_KEY: key },
    });
    cleanups.push(() => run.close());
    await deliverWebhook({
      port: run.app.port,
      event: "pull_request",
      id: "key-form-1",
      payload: webhookExample("pull_request", "opened"),
    });
    await run.app.waitForLog((line) => String(line.msg).startsWith("review."));
    expect(run.github.requests.some((request) => request.path.endsWith("/access_tokens"))).toBe(true);
    expect(
      run.github.requests.some((request) => request.method === "POST" && request.path.endsWith("/reviews")),
    ).toBe(true);
  });

  it("from a file (PRIVATE_KEY_PATH), as the Docker instructions mount it", async () => {
    const cwd = scratchDirectory();
    writeFileSync(join(cwd, "key.pem"), pem);
    const run = await startAppWithStandIns({
      github: githubRoutesFor({ files: [] }),
      deepseek: () => chatCompletion({ content: '{"findings":[]}' }),
      env: { PRIVATE_KEY: "", PRIVATE_KEY_PATH: join(cwd, "key.pem") },
    });
    cleanups.push(() => run.close());
    await deliverWebhook({
      port: run.app.port,
      event: "pull_request",
      id: "key-file-1",
      payload: webhookExample("pull_request", "opened"),
    });
    await run.app.waitForLog((line) => String(line.msg).startsWith("review."));
    expect(
      run.github.requests.some((request) => request.method === "POST" && request.path.endsWith("/reviews")),
    ).toBe(true);
  });
});
