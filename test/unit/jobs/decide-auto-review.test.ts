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
  draft: false,
  state: "open",
  author: "octocat",
  labels: [],
};

function config(overrides: Partial<RepoConfig> = {}): RepoConfig {
  return { ...structuredClone(DEFAULT_REPO_CONFIG), ...overrides };
}

describe("decideAutoReview", () => {
  it.each<[string, Partial<PullRequestState>, Partial<RepoConfig>, string]>([
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
      { auto_review: false },
      "auto_review is off; reviews run on /review only",
    ],
    [
      "a draft when drafts are not reviewed",
      { draft: true },
      { drafts: false },
      "draft pull request; reviewed when marked ready",
    ],
    [
      "a bot's pull request under the default ignore_authors",
      { author: "dependabot[bot]" },
      {},
      "author dependabot[bot] is in ignore_authors",
    ],
    [
      "an author listed in ignore_authors in another case",
      { author: "Release-Bot" },
      { ignore_authors: ["release-bot"] },
      "author Release-Bot is in ignore_authors",
    ],
    [
      "a label of skip_labels written in another case",
      { labels: ["wip", "Skip-Review"] },
      {},
      "label Skip-Review is in skip_labels",
    ],
    [
      "a label of a configured skip_labels list",
      { labels: ["Do Not Review"] },
      { skip_labels: ["do not review"] },
      "label Do Not Review is in skip_labels",
    ],
    [
      "a closed pull request of a disabled repository (the first reason wins)",
      { state: "closed" },
      { enabled: false },
      "the pull request is not open",
    ],
  ])("does not review %s", (_name, prOverrides, configOverrides, reason) => {
    expect(decideAutoReview({ pr: { ...openPr, ...prOverrides }, config: config(configOverrides) })).toEqual({
      review: false,
      reason,
    });
  });

  it.each<[string, Partial<PullRequestState>, Partial<RepoConfig>]>([
    ["an open pull request under the defaults", {}, {}],
    ["a draft when drafts are reviewed", { draft: true }, { drafts: true }],
    ["a human author under the default bot pattern", { author: "bot-fan" }, {}],
    [
      "a bot's pull request when ignore_authors is empty",
      { author: "dependabot[bot]" },
      { ignore_authors: [] },
    ],
    ["labels that are not in skip_labels", { labels: ["bug", "skip-review-later"] }, {}],
  ])("reviews %s", (_name, prOverrides, configOverrides) => {
    expect(decideAutoReview({ pr: { ...openPr, ...prOverrides }, config: config(configOverrides) })).toEqual({
      review: true,
    });
  });
});
