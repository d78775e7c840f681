import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { type ApplicationFunction, createNodeMiddleware, Probot } from "probot";
import { createOctokitClass } from "../../src/github/create-octokit-class.js";
import type { ModelRequest } from "../../src/llm/types.js";
import type { PullRequestFile } from "../../src/review/types.js";
import { createCapturedLogger, type LogRecord, testPrivateKey } from "./create-test-probot.js";
import { diffOf } from "./fakes.js";
import { GITHUB } from "./github-mocks.js";

/**
 * A word that appears only in the code under review of every bad-input test: finding it in a log record shows
 * that code reached the logs.
 */
export const CODE_TOKEN = "zq_under_review_7f3a";
/** The DeepSeek API key of the bad-input tests. */
export const API_KEY = "sk-badinput-0d5e9c4b";
/** The installation token `mockAppAuth` hands out. */
export const INSTALLATION_TOKEN = "ghs_test";
export const WEBHOOK_SECRET = "bad-input-webhook-secret";

/** A text file of `test/fixtures/bad-input/`. */
export function badInputFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/bad-input/${name}`, import.meta.url), "utf8");
}

/** A JSON file of `test/fixtures/bad-input/`, parsed. */
export function badInputJson<T = unknown>(name: string): T {
  return JSON.parse(badInputFixture(name)) as T;
}

/** Line `n` of a generated file: short, distinct, and carrying `CODE_TOKEN`. */
export function generatedLine(n: number): string {
  return `export const ${CODE_TOKEN}_${n} = ${n};`;
}

/** The patch of a new file of `lines` generated lines (hunks only, as `listFiles` gives it). */
export function generatedAddedPatch(lines: number): string {
  const body = Array.from({ length: lines }, (_, index) => `+${generatedLine(index + 1)}`);
  return [`@@ -0,0 +1,${lines} @@`, ...body].join("\n");
}

/** `count` new files of `linesEach` generated lines each, named `<dir>/file-0001.ts` onwards. */
export function generatedFiles(params: {
  count: number;
  linesEach: number;
  dir?: string;
}): PullRequestFile[] {
  const dir = params.dir ?? "src/generated-by-test";
  const patch = generatedAddedPatch(params.linesEach);
  return Array.from({ length: params.count }, (_, index) => ({
    path: `${dir}/file-${String(index + 1).padStart(4, "0")}.ts`,
    status: "added",
    additions: params.linesEach,
    deletions: 0,
    changes: params.linesEach,
    patch,
  }));
}

/** A file as `pulls.listFiles` returns it (REST shape). */
export function toRestFile(file: PullRequestFile): Record<string, unknown> {
  return {
    sha: "0000000000000000000000000000000000000000",
    filename: file.path,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    ...(file.previousPath === undefined ? {} : { previous_filename: file.previousPath }),
    ...(file.patch === undefined ? {} : { patch: file.patch }),
  };
}

/**
 * `pulls.listFiles` answered page by page as GitHub does: `perPage` items a page and a `Link` header to the next
 * page (on GitHub's `/repositories/{id}` URLs) until the last.
 */
export function mockListFilesPages(params: {
  files: unknown[];
  owner?: string;
  repo?: string;
  number?: number;
  perPage?: number;
}): void {
  const perPage = params.perPage ?? 100;
  const number = params.number ?? 2;
  const pages = Math.max(1, Math.ceil(params.files.length / perPage));
  const pageUrl = (page: number) =>
    `/repositories/186853002/pulls/${number}/files?per_page=${perPage}&page=${page}`;
  for (let page = 1; page <= pages; page++) {
    const link =
      page < pages
        ? { link: `<${GITHUB}${pageUrl(page + 1)}>; rel="next", <${GITHUB}${pageUrl(pages)}>; rel="last"` }
        : undefined;
    const items = params.files.slice((page - 1) * perPage, page * perPage);
    const path =
      page === 1
        ? `/repos/${params.owner ?? "Codertocat"}/${params.repo ?? "Hello-World"}/pulls/${number}/files?per_page=${perPage}`
        : pageUrl(page);
    nock(GITHUB).get(path).reply(200, items, link);
  }
}

/** `pulls.listReviews` and `pulls.listReviewComments`, both empty: the app never reviewed this pull request. */
export function mockNoEarlierReviews(params: { owner?: string; repo?: string; number?: number } = {}): void {
  const base = `/repos/${params.owner ?? "Codertocat"}/${params.repo ?? "Hello-World"}/pulls/${params.number ?? 2}`;
  nock(GITHUB)
    .get(`${base}/reviews`)
    .query({ per_page: 100 })
    .reply(200, [])
    .get(`${base}/comments`)
    .query({ per_page: 100 })
    .reply(200, []);
}

/** The added lines a request showed the model, as `path:line` (new-file line numbers), in order. */
export function addedRowsOf(request: ModelRequest): string[] {
  const rows: string[] = [];
  let path = "";
  for (const line of diffOf(request).split("\n")) {
    const header = /^=== FILE: (.+?)(?: \(renamed from .+\))? ===$/.exec(line);
    if (header) path = header[1] ?? "";
    const added = /^ *(\d+) \|\+/.exec(line);
    if (added) rows.push(`${path}:${added[1]}`);
  }
  return rows;
}

/** GitHub's `X-Hub-Signature-256` of a body. */
export function signWebhook(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface WebhookDelivery {
  event: string;
  id: string;
  body: string;
  /** The signature header; default: a valid one. `null`: no header. */
  signature?: string | null;
  contentType?: string;
}

/**
 * The app behind Probot's own `createNodeMiddleware`, on a node:http server on 127.0.0.1 with a webhook secret,
 * its logs captured: what GitHub talks to in production, minus the network.
 */
export async function startWebhookServer(appFn: ApplicationFunction, secret = WEBHOOK_SECRET) {
  const { log, records } = createCapturedLogger();
  const probot = new Probot({
    appId: 123,
    privateKey: testPrivateKey(),
    secret,
    log,
    Octokit: createOctokitClass({ enabled: false }, { retry: { enabled: false } }),
  });
  const middleware = await createNodeMiddleware(appFn, { probot });
  const server: Server = createServer((request, response) => {
    void middleware(request, response, () => {
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  return {
    records: records as LogRecord[],
    /** Posts one delivery; resolves with the HTTP status and body. */
    async deliver(delivery: WebhookDelivery): Promise<{ status: number; text: string }> {
      const signature =
        delivery.signature === undefined ? signWebhook(delivery.body, secret) : delivery.signature;
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": delivery.contentType ?? "application/json",
          "x-github-event": delivery.event,
          "x-github-delivery": delivery.id,
          ...(signature === null ? {} : { "x-hub-signature-256": signature }),
        },
        body: delivery.body,
      });
      return { status: response.status, text: await response.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Collects the process's unhandled rejections until `stop()`. */
export function watchUnhandledRejections() {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => {
    reasons.push(reason);
  };
  process.on("unhandledRejection", listener);
  return {
    reasons,
    stop: () => {
      process.off("unhandledRejection", listener);
    },
  };
}

/** Log records at info level or below (pino: 30 info, 20 debug, 10 trace). */
export function infoOrBelow(records: readonly LogRecord[]): LogRecord[] {
  return records.filter((record) => record.level <= 30);
}
