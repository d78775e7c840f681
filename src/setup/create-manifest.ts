/**
 * The GitHub App manifest posted to GitHub's "register a GitHub App from a manifest" flow
 * (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest): app.yml, plus the
 * addresses only the running server knows.
 */
export function createManifest(params: {
  /** app.yml, parsed. */
  appYml: Record<string, unknown>;
  /** Where the browser reached this server, e.g. http://localhost:3000. */
  baseUrl: string;
  /** Where GitHub sends webhooks: the smee.io channel, or this server's webhook path. */
  webhookUrl: string;
}): Record<string, unknown> {
  const hookAttributes = isRecord(params.appYml.hook_attributes) ? params.appYml.hook_attributes : {};
  return {
    // GitHub requires a homepage; app.yml may name one, else the server the App was registered from.
    url: params.baseUrl,
    ...params.appYml,
    hook_attributes: { url: params.webhookUrl, active: true, ...hookAttributes },
    redirect_url: `${params.baseUrl}/probot/setup`,
  };
}

/** The webhook URL a manifest gets: the proxy channel when there is one, else this server's own webhook path. */
export function webhookUrlFor(params: {
  baseUrl: string;
  webhookPath: string;
  webhookProxyUrl: string | undefined;
}): string {
  return params.webhookProxyUrl ?? `${params.baseUrl}${params.webhookPath}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
