import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { updateEnvFile } from "./update-env-file.js";

/** What GitHub hands over once, when the manifest flow's code is converted. */
export interface RegisteredApp {
  id: number;
  slug: string;
  htmlUrl: string;
  pem: string;
  webhookSecret: string;
}

/** A code GitHub puts on the redirect: letters, digits, `_` and `-`. */
const MANIFEST_CODE = /^[A-Za-z0-9_-]{1,128}$/;
/** App slugs are lower-case letters, digits and dashes; anything else is not used in a file name. */
const APP_SLUG = /^[a-z0-9-]{1,100}$/;

export function isManifestCode(code: string): boolean {
  return MANIFEST_CODE.test(code);
}

/** Trades the code from GitHub's redirect for the new App's ID, key and webhook secret (`POST /app-manifests/{code}/conversions`). */
export async function convertManifestCode(params: {
  code: string;
  githubApiUrl: string;
}): Promise<RegisteredApp> {
  const octokit = new Octokit({ baseUrl: params.githubApiUrl, userAgent: "deepseek-review set-up" });
  const { data } = await octokit.rest.apps.createFromManifest({ code: params.code });
  if (!data.webhook_secret) throw new Error("GitHub registered the App without a webhook secret");
  return {
    id: data.id,
    slug: data.slug ?? "",
    htmlUrl: data.html_url,
    pem: data.pem,
    webhookSecret: data.webhook_secret,
  };
}

/**
 * Keeps what the App needs to run: the key in a file of its own (read through PRIVATE_KEY_PATH, which a container
 * mounts; a multi-line key inside .env does not survive `docker run --env-file`), and APP_ID, PRIVATE_KEY_PATH and
 * WEBHOOK_SECRET in .env. The OAuth client secret GitHub also returns is not kept: the app never uses it.
 */
export function saveRegisteredApp(params: {
  app: RegisteredApp;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): string {
  const slug = APP_SLUG.test(params.app.slug) ? params.app.slug : "github-app";
  const keyFile = `${slug}.${params.app.id}.private-key.pem`;
  writeFileSync(join(params.cwd, keyFile), params.app.pem, { mode: 0o600, flag: "wx" });
  updateEnvFile(
    join(params.cwd, ".env"),
    { APP_ID: String(params.app.id), PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: params.app.webhookSecret },
    params.env,
  );
  return keyFile;
}
