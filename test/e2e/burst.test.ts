import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import { freePort, startLocalServer } from "../helpers/local-server.js";
import { type AppProcess, startAppProcess } from "../helpers/start-app-process.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const SECRET = "burst-secret";
const INSTALLATIONS = Number(process.env.BURST_INSTALLATIONS ?? 10);
const PER_INSTALLATION = Number(process.env.BURST_PER ?? 20);
const MODEL_CAP = 4;
const files = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"),
);
const answer = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/model-answer.json", import.meta.url), "utf8"),
);

/** A DeepSeek stand-in that answers after a short think and counts the calls in flight. */
async function startSlowDeepSeek() {
  const stats = { inFlight: 0, maxInFlight: 0, calls: 0 };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    for await (const _ of req) {
      // drain the body
    }
    stats.calls++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 40));
    stats.inFlight--;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "deepseek-v4-flash",
        choices: [
          {
            index: 0,
            finish_reason: "stop",
            message: { role: "assistant", content: JSON.stringify(answer) },
          },
        ],
        usage: {
          prompt_tokens: 100,
          completion_tokens: 10,
          prompt_cache_hit_tokens: 80,
          prompt_cache_miss_tokens: 20,
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    stats,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe(`a burst of ${INSTALLATIONS * PER_INSTALLATION} pull_request webhooks`, () => {
  let github: Awaited<ReturnType<typeof startLocalServer>>;
  let deepseek: Awaited<ReturnType<typeof startSlowDeepSeek>>;
  let app: AppProcess;
  let port: number;
  let cwd: string;

  beforeAll(async () => {
    github = await startLocalServer((request) => {
      const { method, path } = request;
      if (method === "POST" && /^\/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(path)) {
        return {
          status: 201,
          body: { token: "ghs_burst", expires_at: "2099-01-01T00:00:00Z", permissions: {} },
        };
      }
      if (method === "GET" && path === "/api/v3/app")
        return { status: 200, body: { id: 123, slug: "deepseek-review" } };
      if (method === "GET" && path.includes("/contents/"))
        return { status: 404, body: { message: "Not Found" } };
      if (method === "GET" && /\/pulls\/\d+\/files\?/.test(path)) return { status: 200, body: files };
      if (method === "GET" && /\/pulls\/\d+\/(reviews|comments)\?/.test(path))
        return { status: 200, body: [] };
      if (method === "POST" && /\/pulls\/\d+\/reviews$/.test(path)) return { status: 200, body: { id: 1 } };
      return undefined;
    });
    deepseek = await startSlowDeepSeek();
    port = await freePort();
    cwd = mkdtempSync(join(tmpdir(), "deepseek-review-burst-"));
    app = startAppProcess(
      {
        APP_ID: "123",
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: `127.0.0.1:${github.port}`,
        GHE_PROTOCOL: "http",
        HOST: "127.0.0.1",
        PORT: String(port),
        DEEPSEEK_API_KEY: "sk-burst",
        DEEPSEEK_BASE_URL: deepseek.url,
        REVIEW_MAX_CONCURRENT_REQUESTS: String(MODEL_CAP),
        LOG_LEVEL: "info",
      },
      cwd,
    );
    await app.waitForLog((line) => String(line.msg).includes("Listening on"));
  });

  afterAll(async () => {
    await app?.stop();
    await github?.close();
    await deepseek?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("acknowledges every delivery at once, reviews every PR exactly once, and keeps model calls under the cap", async () => {
    const deliveries = [];
    for (let installation = 1; installation <= INSTALLATIONS; installation++) {
      for (let n = 1; n <= PER_INSTALLATION; n++) {
        const payload = webhookExample<{
          installation: { id: number };
          repository: { name: string; full_name: string };
          pull_request: { number: number; head: { sha: string } };
        }>("pull_request", "opened");
        payload.installation.id = installation;
        payload.repository.name = `repo-${installation}`;
        payload.repository.full_name = `Codertocat/repo-${installation}`;
        payload.pull_request.number = n;
        payload.pull_request.head.sha = (installation * 1000 + n).toString(16).padStart(40, "0");
        deliveries.push({ id: `burst-${installation}-${n}`, body: JSON.stringify(payload) });
      }
    }
    const started = Date.now();
    const acks = await Promise.all(
      deliveries.map(async ({ id, body }) => {
        const sent = Date.now();
        const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": id,
            "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
          },
          body,
        });
        return { status: response.status, ms: Date.now() - sent };
      }),
    );
    const slowestAck = Math.max(...acks.map((ack) => ack.ms));
    expect(acks.every((ack) => ack.status < 300)).toBe(true);
    expect(slowestAck).toBeLessThan(5_000);

    const total = INSTALLATIONS * PER_INSTALLATION;
    await app
      .waitForLog(
        () => app.logs.filter((line) => line.msg === "review.completed").length >= total,
        Number(process.env.BURST_WAIT_MS ?? 120_000),
      )
      .catch((error: unknown) => {
        const counts: Record<string, number> = {};
        for (const line of app.logs) counts[String(line.msg)] = (counts[String(line.msg)] ?? 0) + 1;
        throw new Error(`${(error as Error).message}\nlog messages: ${JSON.stringify(counts)}`);
      });
    const allPosted = Date.now() - started;
    const posts = github.requests.filter(
      (request) => request.method === "POST" && request.path.endsWith("/reviews"),
    );
    expect(posts).toHaveLength(total);
    expect(new Set(posts.map((post) => post.path)).size).toBe(total);
    expect(deepseek.stats.calls).toBe(total);
    expect(deepseek.stats.maxInFlight).toBeLessThanOrEqual(MODEL_CAP);
    expect(app.logs.filter((line) => line.msg === "review.failed")).toEqual([]);
    console.info(
      `burst: ${total} deliveries, slowest ack ${slowestAck} ms, all reviews posted after ${allPosted} ms, ` +
        `max model calls in flight ${deepseek.stats.maxInFlight}/${MODEL_CAP}`,
    );
  }, 180_000);
});
