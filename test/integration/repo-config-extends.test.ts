import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/create-test-app.js";
import { mockDeepSeek } from "../helpers/deepseek-mocks.js";
import { GITHUB, mockCreateReview, mockPullRequestReads, setCurrentPull } from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));
/** src/math.js, src/greet.js, and three files the app always skips. */
const files = () => fixture("files.json");
/** Findings on src/math.js: critical line 7, major line 2, minor line 14 (outside the diff), nit line 27, one invalid. */
const modelAnswer = () => fixture("model-answer.json") as { findings: unknown[] };

type PostedReview = { body: string; comments: { line: number }[] };

/** The repository's file: it extends another owner's, and empties the exclude list that file sets. */
const REPO_CONFIG = "_extends: partner/configs\npaths:\n  exclude: []\n";
/** The other owner's file: one comment at most, and every file excluded. */
const PARTNER_CONFIG = "max_comments: 1\npaths:\n  exclude: ['**']\n";

async function open(app: TestApp) {
  const payload = webhookExample<{ pull_request: Record<string, unknown> }>("pull_request", "opened");
  setCurrentPull(payload.pull_request);
  await app.probot.receive({ id: "delivery-opened", name: "pull_request", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

function mockPartnerConfig() {
  nock(GITHUB)
    .get(/^\/repos\/partner\/configs\/contents\/\.github(%2F|\/)deepseek-review\.yml$/)
    .reply(200, PARTNER_CONFIG);
}

describe("repository configuration with _extends naming another owner", () => {
  it("is not read by default: the review says why and runs on the repository's own keys", async () => {
    const app = createTestApp();
    // No mock for partner/configs: reading it would fail the test.
    mockPullRequestReads({ files: files(), config: REPO_CONFIG });
    mockDeepSeek({ answer: modelAnswer() });
    const reviews = mockCreateReview({ id: 95 });

    await open(app);

    const review = reviews[0] as PostedReview;
    // max_comments stays at its default (20): every placeable finding is posted.
    expect(review.comments.map(({ line }) => line)).toEqual([7, 2, 26]);
    expect(review.body).toContain(
      [
        "#### Configuration problems",
        "",
        "- `_extends`: partner/configs:.github/deepseek-review.yml belongs to another owner; only repositories of Codertocat may be extended, so it was not read",
      ].join("\n"),
    );
  });

  it("is read when CONFIG_EXTENDS_OWNERS lists that owner, its keys used and the repository's empty list kept empty", async () => {
    const app = createTestApp({ env: { CONFIG_EXTENDS_OWNERS: "partner" } });
    mockPullRequestReads({ files: files(), config: REPO_CONFIG });
    mockPartnerConfig();
    const deepseek = mockDeepSeek({ answer: modelAnswer() });
    const reviews = mockCreateReview({ id: 96 });

    await open(app);

    // The partner's `exclude: ['**']` would have excluded every file: the repository's `[]` replaced it.
    expect(deepseek).toHaveLength(1);
    const review = reviews[0] as PostedReview;
    // The partner's max_comments: 1 — only the most severe finding is posted inline.
    expect(review.comments.map(({ line }) => line)).toEqual([7]);
    expect(review.body).not.toContain("Configuration problems");
  });
});
