import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createManifest, webhookUrlFor } from "../../../src/setup/create-manifest.js";

const appYml = parse(readFileSync(new URL("../../../app.yml", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;

describe("webhookUrlFor", () => {
  it("is the proxy channel when there is one (it forwards to the webhook path)", () => {
    expect(
      webhookUrlFor({
        baseUrl: "http://localhost:3000",
        webhookPath: "/api/github/webhooks",
        webhookProxyUrl: "https://smee.io/abc",
      }),
    ).toBe("https://smee.io/abc");
  });

  it("is this server's webhook path otherwise, never the bare root", () => {
    expect(
      webhookUrlFor({
        baseUrl: "https://review.example.com",
        webhookPath: "/hooks",
        webhookProxyUrl: undefined,
      }),
    ).toBe("https://review.example.com/hooks");
  });
});

describe("createManifest", () => {
  const manifest = createManifest({
    appYml,
    baseUrl: "https://review.example.com",
    webhookUrl: "https://review.example.com/api/github/webhooks",
  });

  it("carries app.yml's events and least-privilege permissions", () => {
    expect(manifest).toMatchObject({
      name: "deepseek-review",
      public: false,
      default_events: ["pull_request", "issue_comment", "pull_request_review_comment"],
      default_permissions: { pull_requests: "write", contents: "read", issues: "write", metadata: "read" },
    });
  });

  it("sends webhooks to the URL with the webhook path and brings the browser back to the set-up page", () => {
    expect(manifest.hook_attributes).toEqual({
      url: "https://review.example.com/api/github/webhooks",
      active: true,
    });
    expect(manifest.redirect_url).toBe("https://review.example.com/probot/setup");
  });

  it("gives GitHub the homepage it requires: app.yml's url, else the server it was registered from", () => {
    expect(manifest.url).toBe(appYml.url ?? "https://review.example.com");
    expect(
      createManifest({
        appYml: { ...appYml, url: "https://example.org/ours" },
        baseUrl: "http://x",
        webhookUrl: "http://x/h",
      }).url,
    ).toBe("https://example.org/ours");
  });
});
