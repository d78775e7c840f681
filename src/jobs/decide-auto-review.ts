import { matchesAuthor, type RepoConfig } from "../config/repo-config.js";
import type { PullRequestState } from "../github/types.js";

/**
 * Whether a pull_request event should start a review, per the repository's configuration.
 * Returns the reason when it should not; `/review` is decided elsewhere.
 */
export function decideAutoReview(params: {
  pr: PullRequestState;
  config: RepoConfig;
}): { review: true } | { review: false; reason: string } {
  const { pr, config } = params;
  if (pr.state !== "open") return { review: false, reason: "the pull request is not open" };
  if (!config.enabled)
    return { review: false, reason: "the app is disabled in the repository configuration" };
  if (!config.auto_review)
    return { review: false, reason: "auto_review is off; reviews run on /review only" };
  if (pr.draft && !config.drafts)
    return { review: false, reason: "draft pull request; reviewed when marked ready" };
  if (matchesAuthor(pr.author, config.ignore_authors)) {
    return { review: false, reason: `author ${pr.author} is in ignore_authors` };
  }
  const label = pr.labels.find((one) =>
    config.skip_labels.some((skip) => skip.toLowerCase() === one.toLowerCase()),
  );
  if (label !== undefined) return { review: false, reason: `label ${label} is in skip_labels` };
  return { review: true };
}
