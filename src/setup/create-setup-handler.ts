import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../runtime/types.js";
import { createManifest, webhookUrlFor } from "./create-manifest.js";
import {
  convertManifestCode,
  isManifestCode,
  type RegisteredApp,
  saveRegisteredApp,
} from "./register-app.js";
import { escapeHtml, renderSetupPage } from "./render-setup-page.js";

/** A host header this page uses in links: a name or address and a port, nothing else. */
const HOST_HEADER = /^[A-Za-z0-9.:[\]-]{1,255}$/;

export interface SetupParams {
  appYml: Record<string, unknown>;
  webhookPath: string;
  webhookProxyUrl: string | undefined;
  /** GitHub's web and API addresses (github.com, or GHE_HOST). */
  githubUrl: string;
  githubApiUrl: string;
  org: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Trades GitHub's code for the App (a stand-in in tests). */
  convert?: typeof convertManifestCode;
}

/**
 * The registration flow (GitHub's manifest flow): `/` → `/probot`, the page with the manifest; GitHub registers the
 * App and sends the browser back to `/probot/setup?code=…&state=…`; the code becomes the App's ID, key and secret,
 * saved to .env, and `registered` resolves once the browser has been sent on to install the App.
 */
export function createSetupHandler(params: SetupParams) {
  const state = randomBytes(16).toString("hex");
  let done: RegisteredApp | undefined;
  let resolveRegistered: (app: RegisteredApp) => void = () => {};
  const registered = new Promise<RegisteredApp>((resolve) => {
    resolveRegistered = resolve;
  });
  const appsSettingsUrl = `${params.githubUrl}${params.org === undefined ? "" : `/organizations/${encodeURIComponent(params.org)}`}/settings/apps`;

  const finish = async (url: URL, response: ServerResponse) => {
    if (done !== undefined) return redirect(response, `${done.htmlUrl}/installations/new`);
    const code = url.searchParams.get("code") ?? "";
    if (url.searchParams.get("state") !== state) {
      return answer(
        response,
        400,
        "This registration was not started from this server: start again at /probot.",
      );
    }
    if (!isManifestCode(code)) return answer(response, 400, "GitHub's code is missing or malformed.");
    let app: RegisteredApp;
    try {
      app = await (params.convert ?? convertManifestCode)({ code, githubApiUrl: params.githubApiUrl });
    } catch (error) {
      params.log.warn({ err: { message: (error as Error).message } }, "GitHub App registration failed");
      return answer(
        response,
        502,
        `GitHub did not hand over the App: ${(error as Error).message}. Start again at /probot.`,
      );
    }
    try {
      const keyFile = saveRegisteredApp({ app, cwd: params.cwd, env: params.env });
      params.log.info({ appId: app.id, slug: app.slug, keyFile }, "GitHub App registered; .env written");
    } catch (error) {
      params.log.warn({ appId: app.id, err: { message: (error as Error).message } }, "saving the App failed");
      return answer(
        response,
        500,
        `GitHub registered the App (ID ${app.id}), but saving it failed: ${(error as Error).message}. Generate a ` +
          "private key and a webhook secret in the App's settings on GitHub, then set APP_ID, PRIVATE_KEY_PATH and " +
          "WEBHOOK_SECRET in .env and restart.",
      );
    }
    done = app;
    response.once("finish", () => resolveRegistered(app));
    return redirect(response, `${app.htmlUrl}/installations/new`);
  };

  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== "GET") return false;
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/") return redirect(response, "/probot");
    if (url.pathname === "/probot/setup") return finish(url, response);
    if (url.pathname !== "/probot") return false;
    const baseUrl = baseUrlOf(request);
    if (baseUrl === undefined) return answer(response, 400, "The Host header is not a host name.");
    const webhookUrl = webhookUrlFor({
      baseUrl,
      webhookPath: params.webhookPath,
      webhookProxyUrl: params.webhookProxyUrl,
    });
    const page = renderSetupPage({
      appName: String(params.appYml.name ?? "deepseek-review"),
      createAppUrl: `${appsSettingsUrl}/new?state=${state}`,
      manifest: createManifest({ appYml: params.appYml, baseUrl, webhookUrl }),
      webhookUrl,
      forwardedTo: params.webhookProxyUrl === undefined ? undefined : `${baseUrl}${params.webhookPath}`,
      org: params.org,
      appsSettingsUrl,
    });
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    return true;
  };

  return { handler, registered };
}

/** How the browser reached this server, as Probot's set-up reads it (X-Forwarded-* first). */
function baseUrlOf(request: IncomingMessage): string | undefined {
  const forwardedProto = firstValue(request.headers["x-forwarded-proto"]);
  const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
  const protocol =
    forwardedProto === "https" || (forwardedProto === undefined && encrypted) ? "https" : "http";
  const host = firstValue(request.headers["x-forwarded-host"]) ?? request.headers.host;
  return host !== undefined && HOST_HEADER.test(host) ? `${protocol}://${host}` : undefined;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(",")[0]?.trim() || undefined;
}

function redirect(response: ServerResponse, location: string): true {
  response
    .writeHead(302, { location, "content-type": "text/plain" })
    .end(`Found. Redirecting to ${location}`);
  return true;
}

function answer(response: ServerResponse, status: number, message: string): true {
  response
    .writeHead(status, { "content-type": "text/html; charset=utf-8" })
    .end(
      `<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>deepseek-review set-up</title><p>${escapeHtml(message)}</p></html>\n`,
    );
  return true;
}
