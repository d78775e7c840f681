import { readFileSync } from "node:fs";
import { anyRoute, appAuthRoute, noContentsRoute } from "./e2e.js";
import type { Route } from "./local-server.js";
import { webhookExample } from "./webhook-examples.js";

const BOT = "deepseek-review[bot]";
const files = JSON.parse(
  readFileSync(new URL("../fixtures/pull-request/files.json", import.meta.url), "utf8"),
);

/** What the app posted on each pull request (by number), as the stand-in lists it back. */
export type PostedReviews = Map<number, Record<string, unknown>[]>;

/** A `pull_request.opened` delivery for pull request `number` of the example repository. */
export function openedEvent(number: number) {
  const payload = webhookExample<{ number: number; pull_request: { number: number } }>(
    "pull_request",
    "opened",
  );
  payload.number = number;
  payload.pull_request.number = number;
  return payload;
}

/**
 * A GitHub stand-in for many pull requests that keeps what the app posts and lists it back, as GitHub would: the
 * reviews (with their record lines) and inline comments of each pull request.
 */
export function githubForManyPullRequests(posted: PostedReviews): Route {
  const pull = (number: number) => ({
    ...webhookExample<{ pull_request: Record<string, unknown> }>("pull_request", "opened").pull_request,
    number,
  });
  const prRoute: Route = (request) => {
    const match = /\/repos\/Codertocat\/Hello-World\/pulls\/(\d+)(\/[a-z]+)?(\?.*)?$/.exec(request.path);
    if (match === null) return undefined;
    const number = Number(match[1]);
    const reviews = posted.get(number) ?? [];
    const what = match[2];
    if (request.method === "GET" && what === undefined) return { status: 200, body: pull(number) };
    if (request.method === "GET" && what === "/files") return { status: 200, body: files };
    if (request.method === "GET" && what === "/reviews") return { status: 200, body: reviews };
    if (request.method === "GET" && what === "/comments")
      return { status: 200, body: reviews.flatMap((review) => review.comments as unknown[]) };
    if (request.method === "POST" && what === "/reviews") {
      const body = request.body as { commit_id: string; body: string; comments: { body: string }[] };
      const review = {
        id: number * 100 + reviews.length,
        user: { login: BOT, type: "Bot" },
        body: body.body,
        commit_id: body.commit_id,
        state: "COMMENTED",
        comments: body.comments.map((comment) => ({ ...comment, user: { login: BOT, type: "Bot" } })),
      };
      posted.set(number, [...reviews, review]);
      return { status: 200, body: { id: review.id } };
    }
    return undefined;
  };
  return anyRoute(appAuthRoute, noContentsRoute, prRoute);
}

/** Polls `condition` every 50 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
