import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import {
  createOctokitClass,
  DEFAULT_THROTTLE,
  type ThrottleOptions,
} from "../../../src/github/create-octokit-class.js";
import { createCapturedLogger, testPrivateKey } from "../../helpers/create-test-probot.js";

const GITHUB = "https://api.github.com";
const REVIEWS = "/repos/octo-org/hello-world/pulls/7/reviews";
const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

/** The spacing @octokit/plugin-throttling puts between two requests that notify people, such as reviews. */
const NOTIFICATION_SPACING_MS = 3_000;

/** Authenticates as installation 1 of app 1 the way a webhook handler gets its octokit. */
async function installationOctokit(Octokit: typeof ProbotOctokit) {
  const { log, records } = createCapturedLogger();
  nock(GITHUB)
    .post("/app/installations/1/access_tokens")
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  const probot = new Probot({ appId: 1, privateKey: testPrivateKey(), log, Octokit });
  const octokit = await probot.auth(1);
  return { octokit, records };
}

/** Posts two reviews in a row and returns how long both took. */
async function timeTwoReviews(octokit: Awaited<ReturnType<typeof installationOctokit>>["octokit"]) {
  nock(GITHUB, { reqheaders: { authorization: "token ghs_test" } })
    .post(REVIEWS)
    .reply(200, { id: 1 })
    .post(REVIEWS)
    .reply(200, { id: 2 });
  const review = {
    owner: "octo-org",
    repo: "hello-world",
    pull_number: 7,
    commit_id: HEAD_SHA,
    event: "COMMENT" as const,
  };
  const started = Date.now();
  await octokit.rest.pulls.createReview({ ...review, body: "first" });
  await octokit.rest.pulls.createReview({ ...review, body: "second" });
  return Date.now() - started;
}

describe("createOctokitClass", () => {
  describe("with throttling turned off, inside a Probot", () => {
    it("posts two reviews in a row without Octokit's 3 s spacing, although Probot adds its own throttle options", async () => {
      const { octokit } = await installationOctokit(
        createOctokitClass({ enabled: false }, { retry: { enabled: false } }),
      );
      expect(await timeTwoReviews(octokit)).toBeLessThan(1_000);
    });
  });

  describe("compared with ProbotOctokit.defaults({ throttle })", () => {
    it("shows that Probot's throttle options replace an object default, so the second review waits 3 s", async () => {
      const { octokit } = await installationOctokit(
        ProbotOctokit.defaults({ throttle: { enabled: false }, retry: { enabled: false } }),
      );
      expect(await timeTwoReviews(octokit)).toBeGreaterThanOrEqual(NOTIFICATION_SPACING_MS - 100);
    });
  });

  describe("with the default throttle options, inside a Probot", () => {
    it("retries after a secondary rate limit with our handler instead of Probot's, which gives up", async () => {
      const { octokit, records } = await installationOctokit(
        createOctokitClass(DEFAULT_THROTTLE, { retry: { enabled: false } }),
      );
      nock(GITHUB)
        .get("/repos/octo-org/hello-world/pulls/7")
        .reply(
          403,
          {
            message:
              "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          },
          // "0" would not do: the plugin reads it as "no header" and waits its 60 s fallback.
          { "retry-after": "1" },
        )
        .get("/repos/octo-org/hello-world/pulls/7")
        .reply(200, { number: 7 });

      const { data } = await octokit.rest.pulls.get({
        owner: "octo-org",
        repo: "hello-world",
        pull_number: 7,
      });

      expect(data.number).toBe(7);
      const warnings = records.filter((record) => record.level === 40).map((record) => record.msg);
      expect(warnings).toEqual([
        "Secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}; retrying in 1 s",
      ]);
    });
  });
});

describe("DEFAULT_THROTTLE", () => {
  const request = { method: "POST", url: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews" };

  describe.each([
    ["onRateLimit", "Primary"],
    ["onSecondaryRateLimit", "Secondary"],
  ] as const)("%s", (handlerName: keyof ThrottleOptions, kind: string) => {
    const handler = DEFAULT_THROTTLE[handlerName];
    if (typeof handler !== "function") throw new Error(`DEFAULT_THROTTLE.${handlerName} is not a function`);

    it.each([
      [0, true, `${kind} rate limit on POST ${request.url}; retrying in 60 s`],
      [1, true, `${kind} rate limit on POST ${request.url}; retrying in 60 s`],
      [2, true, `${kind} rate limit on POST ${request.url}; retrying in 60 s`],
      [3, false, `${kind} rate limit on POST ${request.url}; giving up after 3 retries`],
      [4, false, `${kind} rate limit on POST ${request.url}; giving up after 4 retries`],
    ])("after %i retries returns %s and logs one warning", (retryCount, retries, warning) => {
      const warnings: string[] = [];
      const octokit = { log: { warn: (message: string) => void warnings.push(message) } };

      expect(handler(60, request, octokit, retryCount)).toBe(retries);
      expect(warnings).toEqual([warning]);
    });
  });

  it("leaves throttling on", () => {
    expect(DEFAULT_THROTTLE.enabled).not.toBe(false);
  });

  describe("posting reviews with the default throttle options", () => {
    it("waits out a secondary rate limit (429, retry-after) on the review itself and posts it once", async () => {
      const { octokit } = await installationOctokit(
        createOctokitClass(DEFAULT_THROTTLE, { retry: { enabled: false } }),
      );
      const posted: unknown[] = [];
      nock(GITHUB)
        .post(REVIEWS)
        .reply(429, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" })
        .post(REVIEWS, (body) => {
          posted.push(body);
          return true;
        })
        .reply(200, { id: 9 });
      const started = Date.now();
      const { data } = await octokit.rest.pulls.createReview({
        owner: "octo-org",
        repo: "hello-world",
        pull_number: 7,
        commit_id: HEAD_SHA,
        event: "COMMENT",
        body: "review",
      });
      expect(data.id).toBe(9);
      expect(posted).toHaveLength(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it("posts reviews back to back, paced by the content-creation limits rather than 3 s apart", async () => {
      const { octokit } = await installationOctokit(
        createOctokitClass(DEFAULT_THROTTLE, { retry: { enabled: false } }),
      );
      expect(await timeTwoReviews(octokit)).toBeLessThan(NOTIFICATION_SPACING_MS);
    });
  });
});
