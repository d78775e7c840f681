import { matchesAuthor, type RepoConfig } from "../config/repo-config.js";
import type { PullRequestState } from "../github/types.js";
import { compileGlobs } from "../review/match-globs.js";

/** A title longer than this is looked at up to here only (GitHub's own limit is 256 characters). */
const MAX_TITLE_CHARS = 1_000;

/**
 * Whether a pull_request event should start a review, per the repository's configuration (`enabled` and
 * `auto_review.*`). Returns the reason when it should not; `/review` is decided elsewhere.
 */
export function decideAutoReview(params: {
  pr: PullRequestState;
  config: RepoConfig;
}): { review: true } | { review: false; reason: string } {
  const { pr, config } = params;
  const rules = config.auto_review;
  if (pr.state !== "open") return { review: false, reason: "the pull request is not open" };
  if (!config.enabled)
    return { review: false, reason: "the app is disabled in the repository configuration" };
  if (!rules.enabled) return { review: false, reason: "auto_review is off; reviews run on /review only" };
  if (pr.draft && !rules.drafts)
    return { review: false, reason: "draft pull request; reviewed when marked ready" };
  if (rules.base_branches.length > 0 && !compileGlobs(rules.base_branches)(pr.baseRef ?? ""))
    return { review: false, reason: "its base branch is not in auto_review.base_branches" };
  if (matchesAuthor(pr.author, rules.ignore_authors)) {
    return { review: false, reason: `author ${pr.author} is in auto_review.ignore_authors` };
  }
  const title = pr.title.slice(0, MAX_TITLE_CHARS).toLowerCase();
  const keyword = rules.ignore_title_keywords.find((one) => containsWord(title, one.toLowerCase()));
  if (keyword !== undefined)
    return { review: false, reason: `its title contains ${keyword} (auto_review.ignore_title_keywords)` };
  const skip = new Set(rules.skip_labels.map((one) => one.toLowerCase()));
  const label = pr.labels.find((one) => skip.has(one.toLowerCase()));
  if (label !== undefined) return { review: false, reason: `label ${label} is in auto_review.skip_labels` };
  if (rules.labels.length > 0) {
    const wanted = new Set(rules.labels.map((one) => one.toLowerCase()));
    if (!pr.labels.some((one) => wanted.has(one.toLowerCase())))
      return { review: false, reason: "it has none of the labels in auto_review.labels" };
  }
  return { review: true };
}

const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}_]/u.test(char);

/**
 * Whether `text` holds `keyword` not inside a longer word: "WIP" is in "[WIP] parser" but not in "swipe". A keyword
 * that starts or ends with a sign ("[skip review]") needs no boundary on that side. Plain `indexOf` scans, no
 * regular expression: at most (text × keyword) steps.
 */
function containsWord(text: string, keyword: string): boolean {
  if (keyword === "") return false;
  const wordStart = isWordChar(keyword[0]);
  const wordEnd = isWordChar(keyword.at(-1));
  for (let at = text.indexOf(keyword); at !== -1; at = text.indexOf(keyword, at + 1)) {
    if (wordStart && isWordChar(text[at - 1])) continue;
    if (wordEnd && isWordChar(text[at + keyword.length])) continue;
    return true;
  }
  return false;
}
