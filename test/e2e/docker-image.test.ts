import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readEnv } from "../../src/config/env.js";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import { freePort } from "../helpers/local-server.js";
import { type AppProcess, startAppProcess } from "../helpers/start-app-process.js";

// No Docker engine runs here, so the image is checked by reading the Dockerfile and running its runtime stage's
// environment, start command and health check outside a container.

interface RuntimeStage {
  env: Record<string, string>;
  cmd: string[];
  healthcheck: string[];
  copies: string[];
  expose: string[];
}

/** The last stage of the Dockerfile: its ENV, CMD, HEALTHCHECK, COPY and EXPOSE instructions. */
function readRuntimeStage(): RuntimeStage {
  const lines = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8").split("\n");
  const lastFrom = lines.findLastIndex((line) => line.startsWith("FROM "));
  const stage: RuntimeStage = { env: {}, cmd: [], healthcheck: [], copies: [], expose: [] };
  for (const line of lines.slice(lastFrom)) {
    const [instruction = "", ...rest] = line.split(" ");
    const args = rest.join(" ");
    if (instruction === "ENV") {
      for (const pair of rest) {
        const [key = "", value = ""] = pair.split("=");
        stage.env[key] = value;
      }
    }
    if (instruction === "CMD") stage.cmd = JSON.parse(args) as string[];
    if (instruction === "HEALTHCHECK")
      stage.healthcheck = JSON.parse(args.slice(args.indexOf("CMD ") + 4)) as string[];
    if (instruction === "COPY") stage.copies.push(args);
    if (instruction === "EXPOSE") stage.expose.push(args);
  }
  return stage;
}

/** An address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && !address.internal && address.family === "IPv4")?.address;
}

/**
 * `GET /ping` to `host` from a separate node process (the test process's nock guard refuses any address but
 * loopback); its answer, or the connection error's code.
 */
async function ping(host: string, port: number): Promise<string> {
  const script = `
    const socket = require("node:net").connect({ host: ${JSON.stringify(host)}, port: ${port} }, () =>
      socket.end("GET /ping HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"));
    socket.on("data", (data) => process.stdout.write(data));
    socket.on("error", (error) => process.stdout.write(error.code));`;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
  return result.stdout;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts the app as the image's CMD would, with the image's environment, the key as a mounted file. */
async function startLikeTheImage(imageEnv: Record<string, string>): Promise<AppProcess & { port: number }> {
  const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-image-"));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  const keyFile = join(cwd, "github-app.pem");
  writeFileSync(keyFile, testPrivateKey(), { mode: 0o600 });
  // PORT: the image's 3000 may be taken on a test machine; any free port shows the same.
  const port = await freePort();
  const app = startAppProcess(
    {
      ...imageEnv,
      PORT: String(port),
      // The image's /data is its volume; here, a directory of the test's own.
      DATA_DIR: join(cwd, "data"),
      APP_ID: "123",
      PRIVATE_KEY_PATH: keyFile,
      WEBHOOK_SECRET: "image-secret",
      DEEPSEEK_API_KEY: "sk-image",
    },
    cwd,
  );
  cleanups.push(() => app.stop());
  await app.waitForLog((line) => String(line.msg).startsWith("Listening on"));
  return { ...app, port };
}

describe("the Docker image (Dockerfile, runtime stage)", () => {
  const stage = readRuntimeStage();

  it("runs in production, on every interface, with node as the start command", () => {
    expect(stage.env).toMatchObject({
      NODE_ENV: "production",
      HOST: "0.0.0.0",
      PORT: "3000",
      DATA_DIR: "/data",
    });
    expect(stage.expose).toEqual([stage.env.PORT]);
    expect(stage.cmd).toEqual(["node", "dist/main.js"]);
    // The start-up check reads engines from package.json; engine-strict comes with .npmrc.
    expect(stage.copies).toContain("package.json package-lock.json .npmrc ./");
  });

  it("with the image's environment, answers /ping on an address other than loopback, and its health check passes", async () => {
    const app = await startLikeTheImage(stage.env);
    expect(app.logs.find((line) => String(line.msg).startsWith("Listening on"))?.msg).toBe(
      `Listening on http://0.0.0.0:${app.port}`,
    );
    const address = externalAddress();
    if (address !== undefined) expect(await ping(address, app.port)).toContain("PONG");
    const [command = "", ...args] = stage.healthcheck;
    expect(command).toBe("node");
    const check = spawnSync(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", PORT: String(app.port) },
      timeout: 10_000,
    });
    expect(check.status).toBe(0);
  });

  it.runIf(externalAddress() !== undefined)(
    "is unreachable from outside without HOST (Probot's default, localhost), which is why the image sets it",
    async () => {
      const { HOST: _host, ...withoutHost } = stage.env;
      const app = await startLikeTheImage(withoutHost);
      expect(await ping(externalAddress() ?? "", app.port)).toBe("ECONNREFUSED");
      expect(await ping("127.0.0.1", app.port)).toContain("PONG");
    },
  );
});

describe("the README's Docker and systemd instructions", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const deploy = readme.slice(readme.indexOf("## Deploy"), readme.indexOf("## Environment"));
  const shutdownSeconds = readEnv({ DEEPSEEK_API_KEY: "sk-x" }).REVIEW_SHUTDOWN_TIMEOUT_MS / 1000;
  const stage = readRuntimeStage();
  const dockerRun = /docker run (?:[^\n\\]|\\\n)*/.exec(deploy)?.[0] ?? "";
  const deployEnv = /cat > deploy\.env <<'ENV'\n([\s\S]*?)\nENV/.exec(deploy)?.[1] ?? "";

  it("give the container longer to stop than reviews may take to finish", () => {
    expect(Number(/--stop-timeout (\d+)/.exec(dockerRun)?.[1])).toBeGreaterThan(shutdownSeconds);
    expect(Number(/TimeoutStopSec=(\d+)/.exec(deploy)?.[1])).toBeGreaterThan(shutdownSeconds);
  });

  it("mount the key where PRIVATE_KEY_PATH says and publish the port the image listens on", () => {
    const keyPath = /^PRIVATE_KEY_PATH=(.+)$/m.exec(deployEnv)?.[1];
    expect(keyPath).toBeDefined();
    expect(dockerRun).toContain(`:${keyPath}:ro"`);
    expect(dockerRun).toContain(`-p 3000:${stage.env.PORT}`);
  });

  it("pass only what the running app needs, unquoted (docker --env-file keeps quotes)", () => {
    const keys = deployEnv.split("\n").map((line) => line.split("=")[0]);
    expect(keys).toEqual(["APP_ID", "WEBHOOK_SECRET", "DEEPSEEK_API_KEY", "PRIVATE_KEY_PATH"]);
    expect(deployEnv).not.toMatch(/["']/);
    expect(dockerRun).not.toContain("--env-file .env");
    expect(dockerRun).not.toContain("--init");
  });
});

describe("compose.yaml (replicas on PostgreSQL)", () => {
  const compose = parse(readFileSync(new URL("../../compose.yaml", import.meta.url), "utf8")) as {
    services: Record<string, Record<string, unknown>>;
    secrets: Record<string, { file: string }>;
  };
  const app = compose.services.app ?? {};
  const postgres = compose.services.postgres ?? {};
  const stage = readRuntimeStage();
  const shutdownSeconds = readEnv({ DEEPSEEK_API_KEY: "sk-x" }).REVIEW_SHUTDOWN_TIMEOUT_MS / 1000;

  it("runs more than one replica of the image, after PostgreSQL is healthy", () => {
    expect(app.build).toBe(".");
    expect((app.deploy as { replicas: number }).replicas).toBeGreaterThan(1);
    expect(app.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(postgres.healthcheck).toBeDefined();
  });

  it("gives each replica longer to stop than reviews may take to finish", () => {
    expect(Number(/^(\d+)s$/.exec(String(app.stop_grace_period))?.[1])).toBeGreaterThan(shutdownSeconds);
  });

  it("mounts the key where PRIVATE_KEY_PATH says, from a file secret, and publishes the image's port", () => {
    const keyPath = (app.environment as Record<string, string>).PRIVATE_KEY_PATH;
    expect(app.secrets).toEqual(["github_app_key"]);
    // Compose mounts a secret at /run/secrets/<name>.
    expect(keyPath).toBe("/run/secrets/github_app_key");
    expect(compose.secrets.github_app_key?.file).toBeDefined();
    expect(app.ports).toEqual([stage.env.PORT]);
  });

  it("checks each replica's health on /readyz with a command that passes against the running app", async () => {
    const [command, ...args] = (app.healthcheck as { test: string[] }).test.slice(1);
    expect(command).toBe("node");
    expect(args.join(" ")).toContain(`http://127.0.0.1:${stage.env.PORT}/readyz`);
    const running = await startLikeTheImage(stage.env);
    const script = args.map((arg) => arg.replace(`:${stage.env.PORT}/`, `:${running.port}/`));
    // Ready once the queue has resumed its jobs, a moment after the server listens: compose retries the same way.
    let status: number | null = null;
    for (let attempt = 0; attempt < 40 && status !== 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      status = spawnSync(process.execPath, script, {
        env: { PATH: process.env.PATH ?? "" },
        timeout: 10_000,
      }).status;
    }
    expect(status).toBe(0);
  });
});
