import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * Every Octokit method the app calls, with the permission GitHub documents for it
 * (https://docs.github.com/rest/authentication/permissions-required-for-github-apps). Where GitHub accepts either of
 * two permissions, both are listed. `null`: the App's own JWT, no permission.
 */
const PERMISSION_OF: Record<string, ([permission: string, access: "read" | "write"] | null)[]> = {
  "apps.getAuthenticated": [null],
  "apps.createFromManifest": [null],
  "checks.create": [["checks", "write"]],
  "checks.update": [["checks", "write"]],
  "issues.createComment": [
    ["issues", "write"],
    ["pull_requests", "write"],
  ],
  "pulls.createReview": [["pull_requests", "write"]],
  "pulls.deletePendingReview": [["pull_requests", "write"]],
  "pulls.get": [
    ["pull_requests", "read"],
    ["contents", "read"],
  ],
  "pulls.listFiles": [["pull_requests", "read"]],
  "pulls.listReviewComments": [["pull_requests", "read"]],
  "pulls.listReviews": [["pull_requests", "read"]],
  "pulls.getReviewComment": [["pull_requests", "read"]],
  "pulls.createReplyForReviewComment": [["pull_requests", "write"]],
  "issues.getComment": [
    ["issues", "read"],
    ["pull_requests", "read"],
  ],
  "repos.getContent": [["contents", "read"]],
  "reactions.createForIssueComment": [["issues", "write"]],
  "repos.compareCommitsWithBasehead": [["contents", "read"]],
  "repos.getCollaboratorPermissionLevel": [["metadata", "read"]],
  // Probot's context.config: GET /repos/{owner}/{repo}/contents/{path}.
  "context.config": [["contents", "read"]],
};
/** What each subscribed event needs (https://docs.github.com/webhooks/webhook-events-and-payloads). */
const EVENT_PERMISSION: Record<string, [string, "read" | "write"]> = {
  pull_request: ["pull_requests", "read"],
  issue_comment: ["issues", "read"],
  pull_request_review_comment: ["pull_requests", "read"],
};

const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as {
  default_events: string[];
  default_permissions: Record<string, "read" | "write">;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : [readFileSync(join(dir, entry.name), "utf8")],
  );
}

const calls = new Set(
  sources(join(process.cwd(), "src")).flatMap((text) => [
    ...[...text.matchAll(/octokit\.rest\.(\w+\.\w+)/g)].map((match) => match[1] ?? ""),
    ...(text.includes("context.config(") ? ["context.config"] : []),
  ]),
);

const grants = (permission: string, access: "read" | "write") => {
  const granted = manifest.default_permissions[permission];
  return granted === "write" || granted === access;
};

describe("app.yml", () => {
  it("grants a documented permission for every GitHub call the code makes", () => {
    const unknown = [...calls].filter((call) => !(call in PERMISSION_OF));
    expect(unknown).toEqual([]);
    const missing = [...calls].filter(
      (call) => !(PERMISSION_OF[call] ?? []).some((need) => need === null || grants(need[0], need[1])),
    );
    expect(missing).toEqual([]);
  });

  it("grants each event the permission GitHub needs to send it", () => {
    for (const event of manifest.default_events) {
      const [permission, access] = EVENT_PERMISSION[event] ?? ["unknown", "read"];
      expect(grants(permission, access), event).toBe(true);
    }
  });

  it("asks for nothing the code does not use (least privilege)", () => {
    const needed = new Map<string, "read" | "write">([["metadata", "read"]]);
    const need = (permission: string, access: "read" | "write") => {
      if (needed.get(permission) !== "write") needed.set(permission, access);
    };
    for (const event of manifest.default_events) need(...(EVENT_PERMISSION[event] ?? ["unknown", "read"]));
    for (const call of calls) {
      // The first permission listed that the manifest grants is the one that call relies on.
      const options = (PERMISSION_OF[call] ?? []).filter((option) => option !== null);
      const used = options.find((option) => grants(option[0], option[1])) ?? options[0];
      if (used !== undefined) need(used[0], used[1]);
    }
    expect(manifest.default_permissions).toEqual(Object.fromEntries(needed));
  });
});
