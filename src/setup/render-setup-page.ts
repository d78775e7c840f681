/** What the registration page shows. */
export interface SetupPage {
  appName: string;
  /** GitHub's "new App from a manifest" address (organization or personal account), with the state parameter. */
  createAppUrl: string;
  manifest: Record<string, unknown>;
  webhookUrl: string;
  /** Set when webhooks come through a smee.io channel: where this server forwards them. */
  forwardedTo: string | undefined;
  /** The organization the App is registered on; undefined: the personal account of whoever registers it. */
  org: string | undefined;
  /** GitHub's list of the owner's Apps, for the "existing App" instructions. */
  appsSettingsUrl: string;
}

/** The registration page: what will be registered where, the webhook URL, and the button that posts the manifest. */
export function renderSetupPage(page: SetupPage): string {
  const owner =
    page.org === undefined
      ? "your personal account (to register it on an organization, set <code>GH_ORG=&lt;organization&gt;</code> " +
        "in <code>.env</code> and restart)"
      : `the organization <strong>${escapeHtml(page.org)}</strong>`;
  const delivery =
    page.forwardedTo === undefined
      ? `<p>GitHub must be able to reach that address. <code>localhost</code> is not reachable from GitHub: set
      <code>WEBHOOK_PROXY_URL</code> to a <a href="https://smee.io/new">smee.io channel</a> and restart, or run the
      app at a public address.</p>`
      : `<p>That is a smee.io channel: while this server runs it forwards every delivery to
      <code>${escapeHtml(page.forwardedTo)}</code>.</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Register ${escapeHtml(page.appName)} | deepseek-review</title>
  <link rel="icon" href="/probot/static/probot-head.svg">
  <link rel="stylesheet" href="/probot/static/primer.css">
</head>
<body class="bg-gray-light">
  <div class="container-md p-6">
    <div class="box-shadow rounded-2 border p-6 bg-white">
      <h1>Register ${escapeHtml(page.appName)} as a GitHub App</h1>
      <p>The App is registered on ${owner}, with the events and permissions of <code>app.yml</code>.
      GitHub may ask you to change its name: App names are unique across GitHub.</p>
      <h2 class="mt-4">Webhook URL</h2>
      <p><code id="webhook-url">${escapeHtml(page.webhookUrl)}</code></p>
      ${delivery}
      <form action="${escapeHtml(page.createAppUrl)}" method="post" class="mt-4">
        <input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(page.manifest))}">
        <button class="btn btn-primary" type="submit">Register GitHub App</button>
      </form>
      <p class="mt-3">When GitHub has registered the App, this server writes <code>APP_ID</code>,
      <code>PRIVATE_KEY_PATH</code> (the key goes into a <code>.pem</code> file next to <code>.env</code>) and
      <code>WEBHOOK_SECRET</code> to <code>.env</code>, restarts as the app by itself, and GitHub takes you to the page
      where you install it on repositories.</p>
      <h2 class="mt-4">Already registered the App?</h2>
      <p>In its settings on <a href="${escapeHtml(page.appsSettingsUrl)}">GitHub</a>, set the Webhook URL to the
      address above and note its webhook secret; then put <code>APP_ID</code>, <code>PRIVATE_KEY_PATH</code> (the
      downloaded <code>.pem</code> file) and <code>WEBHOOK_SECRET</code> in <code>.env</code> and restart.</p>
    </div>
  </div>
</body>
</html>
`;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
