import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSetupHandler, type SetupParams } from "../../../src/setup/create-setup-handler.js";
import type { RegisteredApp } from "../../../src/setup/register-app.js";
import { testPrivateKey } from "../../helpers/create-test-probot.js";

const APP: RegisteredApp = {
  id: 77,
  slug: "review-bot",
  htmlUrl: "https://github.com/apps/review-bot",
  pem: testPrivateKey(),
  webhookSecret: "f00dfeed",
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(overrides: Partial<SetupParams> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), "setup-handler-"));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  const warnings: string[] = [];
  const conversions: string[] = [];
  const env: NodeJS.ProcessEnv = {};
  const { handler, registered } = createSetupHandler({
    appYml: { name: "deepseek-review", default_events: ["pull_request"] },
    webhookPath: "/api/github/webhooks",
    webhookProxyUrl: undefined,
    githubUrl: "https://github.com",
    githubApiUrl: "https://api.github.com",
    org: undefined,
    cwd,
    env,
    log: {
      debug: () => {},
      info: () => {},
      warn: (_fields, message) => warnings.push(message),
      error: () => {},
    },
    convert: async ({ code }) => {
      conversions.push(code);
      return APP;
    },
    ...overrides,
  });
  const server: Server = createServer(async (request, response) => {
    if (!(await handler(request, response))) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { redirect: "manual", headers });
  const stateOf = async () => {
    const page = await (await get("/probot")).text();
    return /state=([0-9a-f]+)/.exec(page)?.[1] ?? "";
  };
  return { cwd, env, warnings, conversions, registered, get, stateOf, base };
}

describe("the registration flow", () => {
  it("sends / to the registration page", async () => {
    const { get } = await serve();
    const response = await get("/");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/probot");
  });

  it("registers on the organization GH_ORG names", async () => {
    const { get } = await serve({ org: "octo org" });
    const page = await (await get("/probot")).text();
    expect(page).toContain('action="https://github.com/organizations/octo%20org/settings/apps/new?state=');
    expect(page).toContain("the organization <strong>octo org</strong>");
  });

  it("on a personal account, says how to register on an organization instead", async () => {
    const { get } = await serve();
    const page = await (await get("/probot")).text();
    expect(page).toContain('action="https://github.com/settings/apps/new?state=');
    expect(page).toContain("GH_ORG=&lt;organization&gt;");
  });

  it("shows the webhook URL with its path, from where the browser reached it (X-Forwarded-* first)", async () => {
    const { get } = await serve();
    const page = await (
      await get("/probot", { "x-forwarded-proto": "https", "x-forwarded-host": "review.example.com" })
    ).text();
    expect(page).toContain('<code id="webhook-url">https://review.example.com/api/github/webhooks</code>');
    expect(page).toContain("https://review.example.com/probot/setup");
  });

  it("refuses a Host header that is not a host name", async () => {
    const { get } = await serve();
    const response = await get("/probot", { "x-forwarded-host": '"><script>alert(1)</script>' });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain("<script>");
  });

  it("keeps the App once: key file, .env, redirect to its installation, then resolves registered", async () => {
    const { get, stateOf, cwd, env, conversions, registered } = await serve();
    const response = await get(`/probot/setup?code=abc_123&state=${await stateOf()}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://github.com/apps/review-bot/installations/new");
    await expect(registered).resolves.toEqual(APP);
    expect(conversions).toEqual(["abc_123"]);
    expect(readFileSync(join(cwd, "review-bot.77.private-key.pem"), "utf8")).toBe(APP.pem);
    expect(readFileSync(join(cwd, ".env"), "utf8")).toBe(
      "APP_ID=77\nPRIVATE_KEY_PATH=review-bot.77.private-key.pem\nWEBHOOK_SECRET=f00dfeed\n",
    );
    expect(env).toMatchObject({ APP_ID: "77", WEBHOOK_SECRET: "f00dfeed" });
    // The browser coming back again (a reload) is sent on, and GitHub is not asked twice.
    expect((await get("/probot/setup?code=abc_123&state=x")).headers.get("location")).toContain(
      "/installations/new",
    );
    expect(conversions).toHaveLength(1);
  });

  it.each([
    ["a state it did not issue", "code=abc&state=0000", 400, "not started from this server"],
    ["no code", "state=STATE", 400, "code is missing or malformed"],
    ["a code with a path in it", "code=..%2Fapp&state=STATE", 400, "code is missing or malformed"],
  ])("refuses a redirect with %s and asks GitHub nothing", async (_case, query, status, message) => {
    const { get, stateOf, conversions, cwd } = await serve();
    const response = await get(`/probot/setup?${query.replace("STATE", await stateOf())}`);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(message);
    expect(conversions).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("when GitHub refuses the code, says so and writes nothing", async () => {
    const { get, stateOf, warnings, cwd } = await serve({
      convert: async () => {
        throw new Error("Not Found");
      },
    });
    const response = await get(`/probot/setup?code=used-code&state=${await stateOf()}`);
    expect(response.status).toBe(502);
    expect(await response.text()).toContain("GitHub did not hand over the App: Not Found");
    expect(warnings).toEqual(["GitHub App registration failed"]);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
