import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testPrivateKey } from "./create-test-probot.js";
import { type FakeDeepSeekScript, startFakeDeepSeek } from "./fake-deepseek.js";
import { freePort, type RecordedRequest, type Route, startLocalServer } from "./local-server.js";
import { type AppProcess, startAppProcess } from "./start-app-process.js";
import { webhookExample } from "./webhook-examples.js";

/** The webhook secret and DeepSeek API key the e2e app process runs with. */
export const E2E_WEBHOOK_SECRET = "e2e-webhook-secret";
export const E2E_API_KEY = "sk-e2e-secret";

type RouteAnswer = ReturnType<Route>;

/** Every route in turn; the first answer wins. */
export function anyRoute(...routes: Route[]): Route {
  return (request) => {
    for (const route of routes) {
      const answer = route(request);
      if (answer !== undefined) return answer;
    }
    return undefined;
  };
}

/** What the app asks GitHub before any job: an installation token and the app itself (its login). */
export const appAuthRoute: Route = ({ method, path }) => {
  if (method === "POST" && /^\/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(path)) {
    return { status: 201, body: { token: "ghs_e2e", expires_at: "2099-01-01T00:00:00Z", permissions: {} } };
  }
  if (method === "GET" && path === "/api/v3/app")
    return { status: 200, body: { id: 123, slug: "deepseek-review" } };
  return undefined;
};

/** No repository has `.github/deepseek-review.yml` (nor any other file). */
export const noContentsRoute: Route = ({ method, path }) =>
  method === "GET" && path.includes("/contents/")
    ? { status: 404, body: { message: "Not Found" } }
    : undefined;

/**
 * The app's check run on the head of each review (`checks.create` answers id 1, `checks.update` any id), as GitHub
 * answers an App with `checks: write`. A test about the check run reads the recorded requests.
 */
export const checkRunsRoute: Route = ({ method, path }) => {
  if (method === "POST" && /^\/api\/v3\/repos\/[^/]+\/[^/]+\/check-runs$/.test(path))
    return { status: 201, body: { id: 1 } };
  const update = /^\/api\/v3\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(path);
  if (method === "PATCH" && update !== null) return { status: 200, body: { id: Number(update[1]) } };
  return undefined;
};

export interface PullRequestRoutes {
  /** `pulls.listFiles` of every pull request. */
  files: unknown[];
  /** `pulls.get` of pull request `number`; default the `pull_request.opened` example's, with that number. */
  pull?: (number: number) => unknown;
  /** `pulls.listReviews` as listed back (read at each request); default none. */
  reviews?: () => unknown[];
  /** `pulls.listReviewComments` as listed back (read at each request); default none. */
  comments?: () => unknown[];
  /** The answer to `pulls.createReview`; default `{ id: 1 }`. */
  postReview?: (request: RecordedRequest) => NonNullable<RouteAnswer>;
}

/** The pull request of the `pull_request.opened` example, as `pulls.get` shows it. */
export function examplePull(): Record<string, unknown> {
  return webhookExample<{ pull_request: Record<string, unknown> }>("pull_request", "opened").pull_request;
}

/** The reads of a review job on any pull request, and the review it posts. */
export function pullRequestRoutes(params: PullRequestRoutes): Route {
  return (request) => {
    const { method, path } = request;
    const pull = /\/pulls\/(\d+)$/.exec(path);
    if (method === "GET" && pull !== null) {
      const number = Number(pull[1]);
      return { status: 200, body: params.pull?.(number) ?? { ...examplePull(), number } };
    }
    if (method === "GET" && /\/pulls\/\d+\/files\?/.test(path)) return { status: 200, body: params.files };
    if (method === "GET" && /\/pulls\/\d+\/reviews\?/.test(path))
      return { status: 200, body: params.reviews?.() ?? [] };
    if (method === "GET" && /\/pulls\/\d+\/comments\?/.test(path))
      return { status: 200, body: params.comments?.() ?? [] };
    if (method === "POST" && /\/pulls\/\d+\/reviews$/.test(path))
      return params.postReview?.(request) ?? { status: 200, body: { id: 1 } };
    return undefined;
  };
}

/**
 * A GitHub stand-in for review jobs: `extra` routes first, then the app's token and login, no config file (nor any
 * other file: a context read gets 404), the pull request's reads and review, and its check run.
 */
export function githubRoutesFor(params: PullRequestRoutes & { extra?: Route[] }): Route {
  return anyRoute(
    ...(params.extra ?? []),
    appAuthRoute,
    noContentsRoute,
    pullRequestRoutes(params),
    checkRunsRoute,
  );
}

export type RunningApp = AppProcess & {
  /** The loopback port the app listens on. */
  port: number;
  /** Stops the process and removes its scratch directory. */
  close: () => Promise<void>;
};

/**
 * Starts the real app process against a GitHub stand-in on `githubPort` and DeepSeek at `deepseekUrl`, with the
 * e2e secret and API key (`env` adds or overrides variables), and waits until it listens.
 */
export async function startApp(params: {
  githubPort: number;
  deepseekUrl: string;
  env?: Record<string, string>;
  /** The working directory (and so `./data`, the default DATA_DIR) to start in; kept on close. Default: a new one. */
  cwd?: string;
}): Promise<RunningApp> {
  const port = await freePort();
  const cwd = params.cwd ?? mkdtempSync(join(tmpdir(), "deepseek-review-e2e-"));
  const app = startAppProcess(
    {
      APP_ID: "123",
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: E2E_WEBHOOK_SECRET,
      GHE_HOST: `127.0.0.1:${params.githubPort}`,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      DEEPSEEK_API_KEY: E2E_API_KEY,
      DEEPSEEK_BASE_URL: params.deepseekUrl,
      ...params.env,
    },
    cwd,
  );
  const close = async () => {
    await app.stop();
    if (params.cwd === undefined) rmSync(cwd, { recursive: true, force: true });
  };
  try {
    await app.waitForLog((line) => String(line.msg).includes("Listening on"));
  } catch (error) {
    await close();
    throw error;
  }
  return { ...app, port, close };
}

/**
 * The app process between its stand-ins: GitHub answering with `github`, DeepSeek playing `deepseek`. `close` stops
 * all three.
 */
export async function startAppWithStandIns(params: {
  github: Route;
  deepseek: FakeDeepSeekScript;
  env?: Record<string, string>;
}) {
  const github = await startLocalServer(params.github);
  const deepseek = await startFakeDeepSeek(params.deepseek);
  const closeStandIns = async () => {
    await github.close();
    await deepseek.close();
  };
  let app: RunningApp;
  try {
    app = await startApp({
      githubPort: github.port,
      deepseekUrl: deepseek.url,
      ...(params.env ? { env: params.env } : {}),
    });
  } catch (error) {
    await closeStandIns();
    throw error;
  }
  return {
    github,
    deepseek,
    app,
    close: async () => {
      await app.close();
      await closeStandIns();
    },
  };
}

export type AppWithStandIns = Awaited<ReturnType<typeof startAppWithStandIns>>;

/**
 * Posts `payload` to the app's webhook endpoint as GitHub does, signed with `secret` (the e2e secret by default)
 * unless `signature` is given; the answer's status and how long it took (ms, from the request to the answer).
 */
export async function deliverWebhook(params: {
  port: number;
  event: string;
  id: string;
  payload: unknown;
  secret?: string;
  signature?: string;
  headers?: Record<string, string>;
}): Promise<{ status: number; ms: number }> {
  const body = JSON.stringify(params.payload);
  const signature =
    params.signature ??
    `sha256=${createHmac("sha256", params.secret ?? E2E_WEBHOOK_SECRET)
      .update(body)
      .digest("hex")}`;
  const sent = Date.now();
  const response = await fetch(`http://127.0.0.1:${params.port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": params.event,
      "x-github-delivery": params.id,
      "x-hub-signature-256": signature,
      ...params.headers,
    },
    body,
  });
  return { status: response.status, ms: Date.now() - sent };
}
