import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../../../src/config/repo-config.js";
import type { PullRequestState } from "../../../src/github/types.js";
import { decideAutoReview } from "../../../src/jobs/decide-auto-review.js";

const openPr: PullRequestState = {
  owner: "octo",
  repo: "hello",
  number: 7,
  title: "Add a greeting",
  body: "",
  headSha: "0123456789abcdef0123456789abcdef01234567",
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
  baseRef: "main",
  draft: false,
  state: "open",
  author: "octocat",
  labels: [],
};

type Overrides = Partial<Omit<RepoConfig, "auto_review">> & { auto?: Partial<RepoConfig["auto_review"]> };

function config({ auto, ...overrides }: Overrides = {}): RepoConfig {
  const defaults = structuredClone(DEFAULT_REPO_CONFIG);
  return { ...defaults, ...overrides, auto_review: { ...defaults.auto_review, ...auto } };
}

describe("decideAutoReview", () => {
  it.each<[string, Partial<PullRequestState>, Overrides, string]>([
    ["a closed pull request", { state: "closed" }, {}, "the pull request is not open"],
    [
      "a repository with the app disabled",
      {},
      { enabled: false },
      "the app is disabled in the repository configuration",
    ],
    [
      "a repository with auto_review off",
      {},
      { auto: { enabled: false } },
      "auto_review is off; reviews run on /review only",
    ],
    [
      "a draft when drafts are not reviewed",
      { draft: true },
      {},
      "draft pull request; reviewed when marked ready",
    ],
    [
      "a pull request into a base branch no glob matches",
      { baseRef: "develop" },
      { auto: { base_branches: ["main", "release/**"] } },
      "its base branch is not in auto_review.base_branches",
    ],
    [
      "a pull request whose base branch is not known when base branches are set",
      { baseRef: "" },
      { auto: { base_branches: ["main"] } },
      "its base branch is not in auto_review.base_branches",
    ],
    [
      "a bot's pull request under the default ignore_authors",
      { author: "dependabot[bot]" },
      {},
      "author dependabot[bot] is in auto_review.ignore_authors",
    ],
    [
      "an author listed in ignore_authors in another case",
      { author: "Release-Bot" },
      { auto: { ignore_authors: ["release-bot"] } },
      "author Release-Bot is in auto_review.ignore_authors",
    ],
    [
      "a title with WIP in another case (default keywords)",
      { title: "[wip] half a greeting" },
      {},
      "its title contains WIP (auto_review.ignore_title_keywords)",
    ],
    [
      "a title with [skip review] (default keywords)",
      { title: "Bump the version [Skip Review]" },
      {},
      "its title contains [skip review] (auto_review.ignore_title_keywords)",
    ],
    [
      "a title with DO NOT MERGE (default keywords)",
      { title: "Experiment — do not merge" },
      {},
      "its title contains DO NOT MERGE (auto_review.ignore_title_keywords)",
    ],
    [
      "a label of skip_labels written in another case",
      { labels: ["wip", "Skip-Review"] },
      {},
      "label Skip-Review is in auto_review.skip_labels",
    ],
    [
      "a label of a configured skip_labels list",
      { labels: ["Do Not Review"] },
      { auto: { skip_labels: ["do not review"] } },
      "label Do Not Review is in auto_review.skip_labels",
    ],
    [
      "a pull request with none of the labels of auto_review.labels",
      { labels: ["docs"] },
      { auto: { labels: ["Ready", "needs-review"] } },
      "it has none of the labels in auto_review.labels",
    ],
    [
      "a skip label even with a wanted label (skipping wins)",
      { labels: ["ready", "skip-review"] },
      { auto: { labels: ["ready"] } },
      "label skip-review is in auto_review.skip_labels",
    ],
    [
      "a closed pull request of a disabled repository (the first reason wins)",
      { state: "closed" },
      { enabled: false },
      "the pull request is not open",
    ],
  ])("does not review %s", (_name, prOverrides, configOverrides, reason) => {
    const pr = { ...openPr, ...prOverrides };
    expect(decideAutoReview({ pr, config: config(configOverrides) })).toEqual({ review: false, reason });
  });

  it.each<[string, Partial<PullRequestState>, Overrides]>([
    ["an open pull request under the defaults", {}, {}],
    ["a draft when drafts are reviewed", { draft: true }, { auto: { drafts: true } }],
    ["a human author under the default bot pattern", { author: "bot-fan" }, {}],
    [
      "a bot's pull request when ignore_authors is empty",
      { author: "dependabot[bot]" },
      { auto: { ignore_authors: [] } },
    ],
    ["labels that are not in skip_labels", { labels: ["bug", "skip-review-later"] }, {}],
    [
      "a pull request into a matching base branch",
      { baseRef: "release/2.0" },
      { auto: { base_branches: ["release/**"] } },
    ],
    [
      "a pull request with one of the wanted labels",
      { labels: ["docs", "READY"] },
      { auto: { labels: ["ready"] } },
    ],
    ["a WIP title when no keyword is configured", { title: "WIP" }, { auto: { ignore_title_keywords: [] } }],
    ["a title with a keyword only inside a word", { title: "Fix swipe gestures" }, {}],
  ])("reviews %s", (_name, prOverrides, configOverrides) => {
    expect(decideAutoReview({ pr: { ...openPr, ...prOverrides }, config: config(configOverrides) })).toEqual({
      review: true,
    });
  });

  it("matches title keywords in time linear in the title, whatever the keywords", () => {
    const pr = { ...openPr, title: "a".repeat(100_000) };
    const keywords = Array.from({ length: 100 }, () => `${"a".repeat(99)}b`);
    expect(decideAutoReview({ pr, config: config({ auto: { ignore_title_keywords: keywords } }) })).toEqual({
      review: true,
    });
  });
});
