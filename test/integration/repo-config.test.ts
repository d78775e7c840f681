import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePatch } from "../../src/diff/parse-patch.js";
import { estimateTokens } from "../../src/review/count-tokens.js";
import { formatChunkFile } from "../../src/review/format-diff.js";
import { createTestApp, type TestApp } from "../helpers/create-test-app.js";
import type { LogRecord } from "../helpers/create-test-probot.js";
import { mockDeepSeek } from "../helpers/deepseek-mocks.js";
import { diffOf } from "../helpers/fakes.js";
import {
  mockAppAuth,
  mockCreateReview,
  mockGetPullRequest,
  mockIssueComment,
  mockPermission,
  mockPullRequestLists,
  mockPullRequestReads,
  mockReaction,
  mockRepoConfig,
  setCurrentPull,
} from "../helpers/github-mocks.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const REPO = { owner: "Codertocat", repo: "Hello-World" };

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pull-request/${name}`, import.meta.url), "utf8"));
/** src/math.js, src/greet.js, and three files the app always skips. */
const files = (): RestFile[] => fixture("files.json");
/** Findings on src/math.js: critical line 7, major line 2, minor line 14 (outside the diff), nit line 27, one invalid. */
const modelAnswer = () => fixture("model-answer.json") as { findings: unknown[] };

type RestFile = { filename: string; patch?: string };

type PullRequestPayload = {
  pull_request: { title: string; draft: boolean; user: { login: string }; labels: { name: string }[] };
};

async function open(app: TestApp, change: (payload: PullRequestPayload) => void = () => {}) {
  const payload = webhookExample<PullRequestPayload>("pull_request", "opened");
  change(payload);
  setCurrentPull(payload.pull_request);
  await app.probot.receive({ id: "delivery-opened", name: "pull_request", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

async function commentReview(app: TestApp) {
  const payload = webhookExample<{
    issue: { number: number; pull_request?: { url: string } };
    comment: { body: string };
  }>("issue_comment", "created");
  payload.issue.number = 2;
  payload.issue.pull_request = { url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
  payload.comment.body = "/review";
  await app.probot.receive({ id: "delivery-comment", name: "issue_comment", payload: payload as never });
  expect(await app.queue.drain(10_000)).toEqual([]);
}

/** The one line every job ends in. */
function outcomes(records: LogRecord[]) {
  return records.filter((record) => /^review\.(completed|skipped|failed|command)$/.test(record.msg));
}

type PostedReview = {
  commit_id: string;
  body: string;
  comments: { path: string; line: number; side: string; body: string }[];
};

/** A file added with `count` lines of code, as `pulls.listFiles` lists it. */
function addedFile(path: string, count: number): RestFile {
  const lines = Array.from(
    { length: count },
    (_, index) => `+export const value${index} = compute(${index}, "${path}");`,
  );
  return {
    sha: "0000000000000000000000000000000000000000",
    filename: path,
    status: "added",
    additions: count,
    deletions: 0,
    changes: count,
    patch: [`@@ -0,0 +1,${count} @@`, ...lines].join("\n"),
  } as RestFile;
}

/** The tokens the budget counts for a file: its block of diff text as the model would see it. */
function tokensOf(file: RestFile): number {
  return estimateTokens(formatChunkFile(parsePatch({ path: file.filename, patch: file.patch ?? "" })));
}

describe("repository configuration (.github/deepseek-review.yml)", () => {
  describe("with invalid and unknown keys", () => {
    it("reviews on the defaults for those keys and names every problem in the review", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: files(),
        config: "max_comments: lots\nmin_severity: blocker\nmaxComments: 3\n",
      });
      mockDeepSeek({ answer: modelAnswer() });
      const reviews = mockCreateReview({ id: 91 });

      await open(app);

      const review = reviews[0] as PostedReview;
      // max_comments 20 and min_severity nit: every placeable finding is posted.
      expect(review.comments.map(({ line }) => line)).toEqual([7, 2, 26]);
      expect(review.body).toContain(
        [
          "#### Configuration problems",
          "",
          '- `max_comments`: expected a whole number from 0 to 100, got "lots" — used `20`',
          '- `min_severity`: expected one of "critical", "major", "minor" or "nit", got "blocker" — used `"nit"`',
          "- `maxComments`: unknown key, ignored; did you mean max_comments?",
        ].join("\n"),
      );
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", findingsPosted: 3, findingsNotInline: 1 }),
      ]);
    });
  });

  describe("that is not valid YAML", () => {
    it("reviews on the defaults and reports the file as a problem", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), config: "max_comments: [1, 2\nlanguage: : :\n" });
      mockDeepSeek({ answer: modelAnswer() });
      const reviews = mockCreateReview({ id: 92 });

      await open(app);

      const review = reviews[0] as PostedReview;
      expect(review.comments.map(({ line }) => line)).toEqual([7, 2, 26]);
      expect(review.body).toContain(
        [
          "#### Configuration problems",
          "",
          "- `(file)`: could not be read as YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1 — used the defaults for every key",
        ].join("\n"),
      );
      expect(outcomes(app.records)).toEqual([expect.objectContaining({ msg: "review.completed" })]);
    });
  });
  describe("with auto_review: false", () => {
    it("skips an opened pull request but still reviews on /review", async () => {
      const app = createTestApp();
      const config = "auto_review: false\n";
      mockAppAuth();
      mockGetPullRequest();
      mockRepoConfig({ ...REPO, config });

      await open(app);

      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({
          msg: "review.skipped",
          headSha: HEAD_SHA,
          trigger: "auto",
          reason: "auto_review is off; reviews run on /review only",
        }),
      ]);

      // The token and the app's login are cached from the first job. The command is checked, then its review runs.
      mockRepoConfig({ ...REPO, config });
      mockPermission({ user: "Codertocat", permission: "write" });
      mockGetPullRequest({ times: 3 });
      mockReaction({ commentId: 492700400 });
      mockRepoConfig({ ...REPO, config });
      mockPullRequestLists({ files: files() });
      const deepseek = mockDeepSeek({ answer: modelAnswer() });
      const reviews = mockCreateReview({ id: 93 });

      await commentReview(app);

      expect(deepseek).toHaveLength(1);
      expect((reviews[0] as PostedReview).comments).toHaveLength(3);
      expect(outcomes(app.records).slice(1)).toEqual([
        expect.objectContaining({ msg: "review.command", outcome: "queued" }),
        expect.objectContaining({ msg: "review.completed", trigger: "command", reviewId: 93 }),
      ]);
    });
  });

  describe("with enabled: false", () => {
    it("does nothing on open and answers /review that reviews are off", async () => {
      const app = createTestApp();
      const config = "enabled: false\n";
      mockAppAuth();
      mockGetPullRequest();
      mockRepoConfig({ ...REPO, config });

      await open(app);

      mockRepoConfig({ ...REPO, config });
      mockPermission({ user: "Codertocat", permission: "write" });
      const replies = mockIssueComment({ number: 2 });

      await commentReview(app);

      const reason =
        "Reviews are turned off for this repository (`enabled: false` in `.github/deepseek-review.yml`).";
      expect(replies).toEqual([{ body: reason }]);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({
          msg: "review.skipped",
          reason: "the app is disabled in the repository configuration",
        }),
        expect.objectContaining({ msg: "review.command", outcome: "disabled" }),
      ]);
    });
  });

  describe("rules that skip an automatic review", () => {
    it.each<[string, string | undefined, (payload: PullRequestPayload) => void, string]>([
      [
        "a pull request with the default skip label",
        undefined,
        (payload) => payload.pull_request.labels.push({ name: "skip-review" }),
        "label skip-review is in auto_review.skip_labels",
      ],
      [
        "a pull request with a configured skip label, in another case",
        "skip_labels: [wip]\n",
        (payload) => payload.pull_request.labels.push({ name: "WIP" }),
        "label WIP is in auto_review.skip_labels",
      ],
      [
        "a pull request by a bot (default ignore_authors *[bot])",
        undefined,
        (payload) => {
          payload.pull_request.user.login = "dependabot[bot]";
        },
        "author dependabot[bot] is in auto_review.ignore_authors",
      ],
      [
        "a pull request by a configured author",
        "ignore_authors: [codertocat]\n",
        () => {},
        "author Codertocat is in auto_review.ignore_authors",
      ],
      [
        "a pull request into a base branch auto_review.base_branches does not match",
        'auto_review:\n  base_branches: [main, "release/**"]\n',
        () => {},
        "its base branch is not in auto_review.base_branches",
      ],
      [
        "a pull request whose title holds a default keyword (WIP)",
        undefined,
        (payload) => {
          payload.pull_request.title = "[wip] Update the README";
        },
        "its title contains WIP (auto_review.ignore_title_keywords)",
      ],
      [
        "a pull request whose title holds a configured keyword",
        "auto_review:\n  ignore_title_keywords: [draft-ish]\n",
        (payload) => {
          payload.pull_request.title = "Draft-ish: update the README";
        },
        "its title contains draft-ish (auto_review.ignore_title_keywords)",
      ],
      [
        "a pull request with none of the labels of auto_review.labels",
        "auto_review:\n  labels: [ready-for-review]\n",
        () => {},
        "it has none of the labels in auto_review.labels",
      ],
      [
        "a pull request with a skip label under auto_review",
        "auto_review:\n  skip_labels: [bug]\n",
        () => {},
        "label bug is in auto_review.skip_labels",
      ],
      [
        "a draft (drafts: false by default)",
        undefined,
        (payload) => {
          payload.pull_request.draft = true;
        },
        "draft pull request; reviewed when marked ready",
      ],
    ])("skip %s", async (_name, config, change, reason) => {
      const app = createTestApp();
      mockAppAuth();
      mockGetPullRequest();
      mockRepoConfig({ ...REPO, ...(config === undefined ? {} : { config }) });

      await open(app, change);

      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.skipped", pr: 2, headSha: HEAD_SHA, reason }),
      ]);
    });

    it("reviews a draft with drafts: true", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), config: "drafts: true\n" });
      const deepseek = mockDeepSeek({ answer: { findings: [] } });
      const reviews = mockCreateReview({ id: 94 });

      await open(app, (payload) => {
        payload.pull_request.draft = true;
      });

      expect(deepseek).toHaveLength(1);
      expect((reviews[0] as PostedReview).body).toContain("No issues found in 2 files.");
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", reviewId: 94 }),
      ]);
    });
  });

  describe("auto_review filters that let a pull request through", () => {
    it("reviews a pull request into a matching base branch with a wanted label", async () => {
      const app = createTestApp();
      mockPullRequestReads({
        files: files(),
        config: 'auto_review:\n  base_branches: ["mas*"]\n  labels: [BUG]\n  skip_labels: []\n',
      });
      const deepseek = mockDeepSeek({ answer: { findings: [] } });
      const reviews = mockCreateReview({ id: 96 });

      await open(app);

      expect(deepseek).toHaveLength(1);
      expect(reviews).toHaveLength(1);
    });
  });

  describe("with path_instructions", () => {
    it("sends an entry's instructions with the request about its file only, after the part every request shares", async () => {
      const app = createTestApp();
      // escalate.paths puts src/math.js in a request of its own.
      const config = [
        'escalate:\n  paths: ["src/math.js"]',
        "path_instructions:",
        '  - paths: ["src/greet*.js"]',
        "    instructions: Greetings must be localised.",
        "",
      ].join("\n");
      mockPullRequestReads({ files: files(), config });
      const flash = mockDeepSeek({ answer: { findings: [] }, model: "deepseek-v4-flash" });
      const pro = mockDeepSeek({ answer: { findings: [] }, model: "deepseek-v4-pro" });
      mockCreateReview({ id: 98 });

      await open(app);

      const userOf = (request: (typeof flash)[number] | undefined) =>
        request?.messages.find((message) => message.role === "user")?.content ?? "";
      const greet = userOf(flash[0]);
      const math = userOf(pro[0]);
      expect(diffOf(flash[0])).toContain("=== FILE: src/greet.js ===");
      expect(greet).toContain("from the configuration on the default branch (not from this pull request)");
      expect(greet).toContain(
        "<repository_instructions>\nGreetings must be localised.\n</repository_instructions>",
      );
      expect(math).not.toContain("Greetings must be localised.");
      // The system prompt and the user message up to the description are the same bytes in both requests.
      expect(flash[0]?.messages[0]).toEqual(pro[0]?.messages[0]);
      const shared = (text: string) => text.slice(0, text.indexOf("</pr_description>"));
      expect(shared(greet)).toBe(shared(math));
      expect(greet.indexOf("Greetings must be localised.")).toBeGreaterThan(
        greet.indexOf("</pr_description>"),
      );
      expect(greet.indexOf("Greetings must be localised.")).toBeLessThan(greet.indexOf("<diff>"));
    });
  });

  describe("with paths.include", () => {
    it("reviews only matching files and lists the others as excluded by configuration", async () => {
      const app = createTestApp();
      const readme = {
        ...addedFile("README.md", 2),
        patch: "@@ -1,1 +1,2 @@\n # Hello-World\n+Divides and averages numbers.",
      };
      mockPullRequestReads({ files: [...files(), readme], config: 'paths:\n  include: ["src/**"]\n' });
      const deepseek = mockDeepSeek({ answer: { findings: [] } });
      const reviews = mockCreateReview({ id: 95 });

      await open(app);

      const diff = diffOf(deepseek[0]);
      expect(diff.match(/^=== FILE: .* ===$/gm)).toEqual([
        "=== FILE: src/math.js ===",
        "=== FILE: src/greet.js ===",
      ]);
      expect((reviews[0] as PostedReview).body).toContain("- `README.md`: excluded by configuration");
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", requests: 1 }),
      ]);
    });
  });

  describe("with min_severity: major", () => {
    it("posts only critical and major findings and counts the others in the body", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), config: "min_severity: major\n" });
      mockDeepSeek({ answer: modelAnswer() });
      const reviews = mockCreateReview({ id: 96 });

      await open(app);

      const review = reviews[0] as PostedReview;
      expect(review.comments.map(({ line }) => line)).toEqual([7, 2]);
      expect(review.body).toContain("2 less severe than `major` not shown (min_severity).");
      expect(review.body).not.toContain("Unrelated helper may need the same fix");
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", findingsPosted: 2, findingsNotInline: 0 }),
      ]);
    });
  });

  describe("with show_cost: false", () => {
    it("posts the review without tokens or dollars, and still logs the cost", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), config: "show_cost: false\n" });
      mockDeepSeek({ answer: modelAnswer() });
      const reviews = mockCreateReview({ id: 97 });

      await open(app);

      const review = reviews[0] as PostedReview;
      expect(review.body).toMatch(/<sub>Model `deepseek-v4-flash` · 1 request · commit ec26c3e<\/sub>/);
      expect(review.body).not.toMatch(/tokens:|\$\d/);
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", costUsd: expect.any(Number) }),
      ]);
    });
  });

  describe("with escalate.paths", () => {
    it("sends the matching file to the Pro model and the rest to Flash, and prices each at its own rates", async () => {
      const app = createTestApp();
      mockPullRequestReads({ files: files(), config: 'escalate:\n  paths: ["src/math.js"]\n' });
      const flashUsage = { hit: 1000, miss: 500, completion: 100 };
      const proUsage = { hit: 2000, miss: 800, completion: 300 };
      const flash = mockDeepSeek({ answer: { findings: [] }, model: "deepseek-v4-flash", usage: flashUsage });
      const pro = mockDeepSeek({ answer: modelAnswer(), model: "deepseek-v4-pro", usage: proUsage });
      const reviews = mockCreateReview({ id: 97 });

      await open(app);

      expect(diffOf(flash[0]).match(/^=== FILE: .* ===$/gm)).toEqual(["=== FILE: src/greet.js ==="]);
      expect(diffOf(pro[0]).match(/^=== FILE: .* ===$/gm)).toEqual(["=== FILE: src/math.js ==="]);
      const review = reviews[0] as PostedReview;
      expect(review.body).toContain(
        "`deepseek-v4-flash` reviewed 1 file; `deepseek-v4-pro` reviewed 1 file.",
      );
      expect(review.comments.map(({ line }) => line)).toEqual([7, 2, 26]);
      const flashCost = (1000 * 0.028 + 500 * 0.14 + 100 * 0.28) / 1e6;
      const proCost = (2000 * 0.145 + 800 * 1.74 + 300 * 3.48) / 1e6;
      const [line] = outcomes(app.records);
      expect(line).toMatchObject({
        msg: "review.completed",
        model: "deepseek-v4-flash",
        requests: 2,
        promptCacheHitTokens: 3000,
        promptCacheMissTokens: 1300,
        completionTokens: 400,
        models: [
          {
            model: "deepseek-v4-flash",
            requests: 1,
            promptCacheHitTokens: 1000,
            promptCacheMissTokens: 500,
            completionTokens: 100,
            costUsd: expect.closeTo(flashCost, 12),
          },
          {
            model: "deepseek-v4-pro",
            requests: 1,
            promptCacheHitTokens: 2000,
            promptCacheMissTokens: 800,
            completionTokens: 300,
            costUsd: expect.closeTo(proCost, 12),
          },
        ],
      });
      expect(line?.costUsd).toBeCloseTo(flashCost + proCost, 12);
    });
  });

  describe("with max_pr_tokens: 1000 and a bigger diff", () => {
    it("reviews the most important file that fits and lists the rest as over the budget", async () => {
      const app = createTestApp();
      const core = addedFile("src/core.js", 50);
      const util = addedFile("src/util.js", 20);
      const guide = addedFile("docs/guide.md", 20);
      // src/core.js alone fits the budget; with either other file it does not.
      expect(tokensOf(core)).toBeLessThanOrEqual(1000);
      expect(tokensOf(core) + Math.min(tokensOf(util), tokensOf(guide))).toBeGreaterThan(1000);
      mockPullRequestReads({ files: [guide, util, core], config: "max_pr_tokens: 1000\n" });
      const deepseek = mockDeepSeek({ answer: { findings: [] } });
      const reviews = mockCreateReview({ id: 98 });

      await open(app);

      expect(deepseek).toHaveLength(1);
      const diff = diffOf(deepseek[0]);
      expect(diff.match(/^=== FILE: .* ===$/gm)).toEqual(["=== FILE: src/core.js ==="]);
      expect(estimateTokens(diff)).toBeLessThanOrEqual(1000);
      const { body } = reviews[0] as PostedReview;
      for (const path of ["docs/guide.md", "src/util.js"]) {
        expect(body).toContain(
          `- \`${path}\`: not reviewed: over the per-PR budget of 1,000 tokens (max_pr_tokens)`,
        );
      }
      expect(outcomes(app.records)).toEqual([
        expect.objectContaining({ msg: "review.completed", requests: 1 }),
      ]);
    });
  });
});
