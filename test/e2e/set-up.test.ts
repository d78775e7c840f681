import { createHmac } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { testPrivateKey } from "../helpers/create-test-probot.js";
import { anyRoute, githubRoutesFor } from "../helpers/e2e.js";
import {
  chatCompletion,
  isVerificationRequest,
  startFakeDeepSeek,
  verdictsCompletion,
} from "../helpers/fake-deepseek.js";
import { startFakeSmee } from "../helpers/fake-smee.js";
import { freePort, startLocalServer } from "../helpers/local-server.js";
import { type AppProcess, startAppProcess } from "../helpers/start-app-process.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));

/** What GitHub's `POST /app-manifests/{code}/conversions` answers (the fields the app reads, and secrets it must not keep). */
const CONVERSION = {
  id: 4242,
  slug: "deepseek-review-e2e",
  html_url: "https://github.com/apps/deepseek-review-e2e",
  pem: testPrivateKey(),
  webhook_secret: "0123456789abcdef0123456789abcdef01234567",
  client_id: "Iv1.e2e",
  client_secret: "client-secret-never-kept",
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratchDirectory(): string {
  const cwd = mkdtempSync(join(tmpdir(), "deepseek-review-setup-"));
  copyFileSync(new URL("../../app.yml", import.meta.url), join(cwd, "app.yml"));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  return cwd;
}

function started(app: AppProcess): AppProcess {
  cleanups.push(async () => {
    await app.stop();
  });
  return app;
}

/** The registration page's form: where it posts, and the manifest it carries. */
function formOf(page: string): { action: string; manifest: Record<string, unknown> } {
  const unescapeHtml = (text: string) =>
    text
      .replaceAll("&quot;", '"')
      .replaceAll("&#39;", "'")
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
  const action = /<form action="([^"]*)"/.exec(page)?.[1];
  const manifest = /name="manifest" value="([^"]*)"/.exec(page)?.[1];
  if (action === undefined || manifest === undefined) throw new Error(`no registration form in:\n${page}`);
  return {
    action: unescapeHtml(action),
    manifest: JSON.parse(unescapeHtml(manifest)) as Record<string, unknown>,
  };
}

describe("npm start without a GitHub App (set-up mode, as the README's Set-up says)", () => {
  it("creates a smee channel, registers the App with that webhook URL, restarts as the App and reviews a pull request delivered through the channel", async () => {
    const smee = await startFakeSmee();
    cleanups.push(() => smee.close());
    const deepseek = await startFakeDeepSeek((request) =>
      isVerificationRequest(request)
        ? verdictsCompletion(request)
        : chatCompletion({
            content: JSON.stringify(fixture("model-answer.json")),
            promptTokens: 100,
            completionTokens: 10,
          }),
    );
    cleanups.push(() => deepseek.close());
    const github = await startLocalServer(
      anyRoute(
        ({ method, path }) =>
          method === "POST" && path === "/api/v3/app-manifests/e2e-code/conversions"
            ? { status: 201, body: CONVERSION }
            : undefined,
        githubRoutesFor({ files: fixture("files.json") }),
      ),
    );
    cleanups.push(() => github.close());
    const cwd = scratchDirectory();
    const port = await freePort();
    const app = started(
      startAppProcess(
        {
          DEEPSEEK_API_KEY: "sk-e2e",
          DEEPSEEK_BASE_URL: deepseek.url,
          HOST: "127.0.0.1",
          PORT: String(port),
          GHE_HOST: `127.0.0.1:${github.port}`,
          GHE_PROTOCOL: "http",
          SMEE_URL: smee.url,
        },
        cwd,
      ),
    );

    await app.waitForLog((line) => String(line.msg).startsWith("set-up mode"));
    expect(smee.channelsCreated()).toBe(1);
    expect(parseEnv(readFileSync(join(cwd, ".env"), "utf8")).WEBHOOK_PROXY_URL).toBe(smee.channelUrl);

    const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
    const { action, manifest } = formOf(page);
    expect(manifest).toMatchObject({
      name: "deepseek-review",
      hook_attributes: { url: smee.channelUrl, active: true },
      redirect_url: `http://127.0.0.1:${port}/probot/setup`,
      default_events: ["pull_request", "issue_comment", "pull_request_review_comment"],
    });
    expect(page).toContain(`<code id="webhook-url">${smee.channelUrl}</code>`);
    expect(page).toContain(`http://127.0.0.1:${port}/api/github/webhooks`);
    expect(action.startsWith(`http://127.0.0.1:${github.port}/settings/apps/new?state=`)).toBe(true);

    // GitHub registers the App and sends the browser back with a code and the state it was given.
    const state = new URL(action).searchParams.get("state") ?? "";
    const back = await fetch(`http://127.0.0.1:${port}/probot/setup?code=e2e-code&state=${state}`, {
      redirect: "manual",
    });
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toBe(`${CONVERSION.html_url}/installations/new`);

    await app.waitForLog((line) => line.msg === "serving webhooks forwarded from the proxy channel");
    const dotEnv = readFileSync(join(cwd, ".env"), "utf8");
    const written = parseEnv(dotEnv);
    expect(written).toMatchObject({
      APP_ID: "4242",
      WEBHOOK_SECRET: CONVERSION.webhook_secret,
      WEBHOOK_PROXY_URL: smee.channelUrl,
    });
    expect(dotEnv).not.toContain(CONVERSION.client_secret);
    expect(dotEnv).not.toContain("PRIVATE_KEY=");
    const keyFile = join(cwd, written.PRIVATE_KEY_PATH ?? "");
    expect(readFileSync(keyFile, "utf8")).toBe(CONVERSION.pem);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    // A delivery to the smee channel reaches the restarted app at its webhook path and is reviewed.
    await smee.connected;
    const payload = webhookExample("pull_request", "opened");
    const body = JSON.stringify(payload);
    smee.send(
      {
        "x-github-event": "pull_request",
        "x-github-delivery": "setup-e2e-1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", CONVERSION.webhook_secret).update(body).digest("hex")}`,
      },
      payload,
    );
    const completed = await app.waitForLog((line) => line.msg === "review.completed");
    expect(completed).toMatchObject({ repo: "Codertocat/Hello-World", pr: 2 });
    expect(
      github.requests.filter(
        (request) => request.path.endsWith("/pulls/2/reviews") && request.method === "POST",
      ),
    ).toHaveLength(1);
    expect(JSON.stringify(app.logs)).not.toContain(CONVERSION.webhook_secret);
  });

  it("without a proxy, puts this server's own webhook path in the manifest and says GitHub cannot reach localhost", async () => {
    const cwd = scratchDirectory();
    const port = await freePort();
    const app = started(
      startAppProcess(
        {
          DEEPSEEK_API_KEY: "sk-e2e",
          HOST: "127.0.0.1",
          PORT: String(port),
          NO_SMEE_SETUP: "true",
          GH_ORG: "octo-org",
        },
        cwd,
      ),
    );
    await app.waitForLog((line) => String(line.msg).startsWith("set-up mode"));
    const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
    const { action, manifest } = formOf(page);
    expect(manifest).toMatchObject({
      hook_attributes: { url: `http://127.0.0.1:${port}/api/github/webhooks` },
      default_permissions: {
        pull_requests: "write",
        contents: "read",
        issues: "write",
        checks: "write",
        metadata: "read",
      },
      public: false,
    });
    expect(action.startsWith("https://github.com/organizations/octo-org/settings/apps/new?state=")).toBe(
      true,
    );
    expect(page).toContain("is not reachable from GitHub");
    expect(existsSync(join(cwd, ".env"))).toBe(false);
    expect(readdirSync(cwd)).toEqual(["app.yml"]);
  });
});
