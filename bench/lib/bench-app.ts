import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PullRequestFile } from "../../src/review/types.js";
import { testPrivateKey } from "../../test/helpers/create-test-probot.js";
import { E2E_API_KEY, E2E_WEBHOOK_SECRET, githubRoutesFor } from "../../test/helpers/e2e.js";
import {
  chatCompletionBody,
  type FakeDeepSeekRequest,
  type FakeDeepSeekStep,
  startFakeDeepSeek,
} from "../../test/helpers/fake-deepseek.js";
import { freePort, startLocalServer } from "../../test/helpers/local-server.js";
import { type AppProcess, startAppProcess } from "../../test/helpers/start-app-process.js";
import { createPrefixCache, type EncodePrompt } from "./prefix-cache.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST_MAIN = join(ROOT, "dist/main.js");

/** Builds dist/ (tsc) so the bench runs `node dist/main.js`, the process that is deployed. */
export function buildDist(): void {
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (built.status !== 0 || !existsSync(DIST_MAIN)) throw new Error("npm run build failed");
}

/** The stand-in model's timing: time to first token and output speed. */
export interface ModelLatency {
  firstTokenMs: number;
  tokensPerSecond: number;
}

export interface BenchModel {
  /** Output tokens of every answer. */
  completionTokens: number;
  latency?: ModelLatency;
  /** Encodes a request's prompt for prefix-cache billing; without it, usage is a fixed 1,000-token miss. */
  encode?: EncodePrompt;
}

/** One model request as the stand-in billed it. */
export interface BilledRequest {
  model: string;
  promptTokens: number;
  hitTokens: number;
  completionTokens: number;
  receivedAt: number;
  answeredAt: number;
}

export interface BenchApp {
  app: AppProcess;
  port: number;
  githubPort: number;
  billed: BilledRequest[];
  githubRequests: { method: string; path: string }[];
  /** Current and peak resident set size of the app process, in bytes (Linux /proc). */
  rss(): { now: number; peak: number };
  close(): Promise<void>;
}

/**
 * The deployed process (`node dist/main.js`) between a GitHub stand-in that lists `files` for every pull request
 * and a DeepSeek stand-in that answers `{"findings":[]}` after the given latency and bills a prefix cache.
 */
export async function startBenchApp(params: {
  files: () => PullRequestFile[];
  model: BenchModel;
  env?: Record<string, string>;
}): Promise<BenchApp> {
  const billed: BilledRequest[] = [];
  const cache = createPrefixCache();
  const github = await startLocalServer(githubRoutesFor(filesOnDemand(params.files)));
  const answer = (request: FakeDeepSeekRequest): FakeDeepSeekStep => {
    const body = request.body as { model: string; messages: { role: string; content: string }[] };
    const tokens = params.model.encode?.(body.messages);
    const bill = tokens === undefined ? { hit: 0, miss: 1_000, remember() {} } : cache.bill(tokens);
    const latency = params.model.latency;
    const delayMs =
      latency === undefined
        ? 0
        : latency.firstTokenMs + (params.model.completionTokens / latency.tokensPerSecond) * 1_000;
    const record: BilledRequest = {
      model: body.model,
      promptTokens: bill.hit + bill.miss,
      hitTokens: bill.hit,
      completionTokens: params.model.completionTokens,
      receivedAt: request.receivedAt,
      answeredAt: request.receivedAt + delayMs,
    };
    billed.push(record);
    setTimeout(bill.remember, delayMs).unref();
    return {
      kind: "answer",
      status: 200,
      delayMs,
      body: chatCompletionBody({
        content: '{"findings":[]}',
        model: body.model,
        promptTokens: record.promptTokens,
        cacheHitTokens: record.hitTokens,
        completionTokens: record.completionTokens,
      }),
    };
  };
  const deepseek = await startFakeDeepSeek(answer);
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-bench-"));
  const app = startAppProcess(
    {
      APP_ID: "123",
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: E2E_WEBHOOK_SECRET,
      GHE_HOST: `127.0.0.1:${github.port}`,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      DEEPSEEK_API_KEY: E2E_API_KEY,
      DEEPSEEK_BASE_URL: deepseek.url,
      LOG_LEVEL: "warn",
      ...params.env,
    },
    cwd,
    [DIST_MAIN],
  );
  const pid = app.child.pid ?? 0;
  const close = async () => {
    await app.stop();
    await github.close();
    await deepseek.close();
    rmSync(cwd, { recursive: true, force: true });
  };
  await waitUntilReady(port, app).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return {
    app,
    port,
    githubPort: github.port,
    billed,
    githubRequests: github.requests,
    rss: () => readRss(pid),
    close,
  };
}

/** The GitHub stand-in's file list, read at each request (so a bench can change the pull request between two). */
function filesOnDemand(files: () => PullRequestFile[]): { files: unknown[] } {
  return {
    get files() {
      return files().map(toGithubFile);
    },
  };
}

/** A file as `pulls.listFiles` returns it. */
function toGithubFile(file: PullRequestFile) {
  return {
    sha: "0".repeat(40),
    filename: file.path,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    ...(file.patch === undefined ? {} : { patch: file.patch }),
    ...(file.previousPath === undefined ? {} : { previous_filename: file.previousPath }),
  };
}

async function waitUntilReady(port: number, app: AppProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) throw new Error(`the app exited: ${app.stderr()}`);
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the app was not ready within 60 s: ${app.stderr()}`);
}

/** VmRSS and VmHWM (the peak) of a process, from /proc (Linux). */
export function readRss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { now: kb("VmRSS"), peak: kb("VmHWM") };
}
