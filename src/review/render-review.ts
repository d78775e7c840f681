import { formatUsd } from "../cost/compute-cost.js";
import type { Usage } from "../llm/types.js";
import { MAX_RECORD_CHARS } from "../records/record-schema.js";
import { severityLabel } from "./format-comment.js";
import { compareFindings, type NotInlineFinding } from "./place-comments.js";
import { inlineCode, sanitizeInline, sanitizeMarkdown } from "./sanitize-markdown.js";
import { type Finding, SEVERITIES, type SkippedFile } from "./types.js";

/**
 * GitHub takes 65,536 characters. Posting appends the review's record (at most MAX_RECORD_CHARS) and may add the
 * comments GitHub refused; the rest of the margin covers GitHub's counting.
 */
export const MAX_REVIEW_BODY_CHARS = 65_000 - MAX_RECORD_CHARS;
const TITLE = "### DeepSeek review";
/** Paths shown per failed chunk; a chunk can hold hundreds of small files. */
const MAX_FAILURE_PATHS = 20;

export interface ReviewFailure {
  paths: string[];
  /** In plain words, e.g. "the model's answer was cut off". */
  reason: string;
}

export interface RenderReviewBodyParams {
  model: string;
  /** Files whose diff was sent to the model. */
  reviewedFiles: string[];
  skipped: SkippedFile[];
  notInline: NotInlineFinding[];
  posted: Finding[];
  /** Chunks the model could not review. */
  failures: ReviewFailure[];
  usage: Usage;
  requests: number;
  costUsd: number;
  /** Tokens and dollars in the footer; false leaves them out (`show_cost`). Default true. */
  showCost?: boolean;
  /** What earlier reviews of this pull request cost, from the ledger: the footer shows the pull request's total. */
  history?: ReviewHistory;
  headSha: string;
  /** Cap on the body, in characters. Default `MAX_REVIEW_BODY_CHARS`. */
  maxLength?: number;
  /** Markdown sections shown right after the summary (scope of the review, models, configuration problems). */
  sections?: string[];
}

/**
 * The review's top-level comment: counts by severity, the findings that could not go inline, what was not
 * reviewed and why, the files reviewed and skipped, and a footer with model, tokens, cost and commit. Over the
 * cap, the lists lose their last entries (and say how many), never the header or the footer. The review's record
 * is not part of it: posting appends it as the last line (src/github/post-review.ts).
 */
export function renderReviewBody(params: RenderReviewBodyParams): string {
  const header = [TITLE, renderSummary(params), ...(params.sections ?? [])].join("\n\n");
  const footer = renderFooter(params);
  const notInline = [...params.notInline].sort((a, b) => compareFindings(a.finding, b.finding));
  const lists = fitLists(
    [
      failuresList(params.failures),
      notInlineList(notInline),
      skippedList(params.skipped),
      reviewedList(params.reviewedFiles),
    ],
    // The header and the footer are separated by a blank line even with no list between them.
    (params.maxLength ?? MAX_REVIEW_BODY_CHARS) - header.length - footer.length - 2,
  );
  const [failures, findings, skipped, reviewed] = lists;
  return joinCapped([header, findings, failures, reviewed, skipped, footer], params.maxLength);
}

export interface RenderNothingToReviewBodyParams {
  skipped: SkippedFile[];
  headSha: string;
  sections?: string[];
  maxLength?: number;
}

/** The review body when no file had a diff to send to the model. */
export function renderNothingToReviewBody(params: RenderNothingToReviewBodyParams): string {
  const count = params.skipped.length;
  const summary =
    count === 0
      ? "Nothing was sent to the model: the pull request has no changed lines to review."
      : `Nothing was sent to the model: ${count === 1 ? "the only changed file was" : `all ${count} changed files were`} skipped.`;
  const header = [TITLE, summary, ...(params.sections ?? [])].join("\n\n");
  const footer = `---\n<sub>Commit ${shortSha(params.headSha)}</sub>`;
  const list: ListSection = {
    items: params.skipped.map(skippedItem),
    render: (shown, omitted) => (shown.length + omitted === 0 ? "" : bulletList(shown, omitted)),
  };
  const [skipped] = fitLists(
    [list],
    (params.maxLength ?? MAX_REVIEW_BODY_CHARS) - header.length - footer.length - 2,
  );
  return joinCapped([header, skipped, footer], params.maxLength);
}

function renderSummary(params: RenderReviewBodyParams): string {
  const all = [...params.posted, ...params.notInline.map((one) => one.finding)];
  const files = params.reviewedFiles.length;
  if (all.length === 0 && files === 0 && params.failures.length > 0) {
    const reasons = [...new Set(params.failures.map((failure) => failure.reason))];
    return `**Nothing could be reviewed:** ${sanitizeInline(reasons.join("; "))}.`;
  }
  if (all.length === 0) return `No issues found in ${plural(files, "file")}.`;
  const counts = SEVERITIES.flatMap((severity) => {
    const count = all.filter((finding) => finding.severity === severity).length;
    return count === 0 ? [] : [`${severityLabel(severity)}: ${count}`];
  });
  const placement =
    params.notInline.length === 0
      ? "All posted as inline comments."
      : `${plural(params.posted.length, "inline comment")}, ${params.notInline.length} listed below.`;
  return `**${plural(all.length, "finding")}** in ${plural(files, "file")} reviewed — ${counts.join(" · ")}.\n${placement}`;
}

/** The reviews of a pull request before this one, and their cost. */
export interface ReviewHistory {
  reviews: number;
  costUsd: number;
}

function renderFooter(params: RenderReviewBodyParams): string {
  const { usage, history } = params;
  const tokens =
    `tokens: ${formatCount(usage.promptCacheHitTokens)} cache hit, ${formatCount(usage.promptCacheMissTokens)} ` +
    `cache miss, ${formatCount(usage.completionTokens)} output`;
  const total =
    history === undefined || history.reviews === 0
      ? ""
      : ` · this pull request so far: ${formatUsd(history.costUsd + params.costUsd)} over ${plural(history.reviews + 1, "review")}`;
  const spend = params.showCost === false ? "" : ` · ${tokens} · ${formatUsd(params.costUsd)}${total}`;
  return (
    `---\n<sub>Model ${inlineCode(params.model)} · ${plural(params.requests, "request")}${spend} · ` +
    `commit ${shortSha(params.headSha)}</sub>`
  );
}

interface ListSection {
  items: string[];
  /** The section with these items shown and `omitted` more announced; "" when there is nothing at all. */
  render: (shown: string[], omitted: number) => string;
}

function notInlineList(notInline: NotInlineFinding[]): ListSection {
  return {
    items: notInline.map(notInlineItem),
    render: (shown, omitted) =>
      shown.length + omitted === 0
        ? ""
        : `#### Findings not placed inline\n\n${[...shown, ...omittedLine(omitted)].join("\n\n")}`,
  };
}

function notInlineItem({ finding, reason }: NotInlineFinding): string {
  const lines = finding.startLine === undefined ? `${finding.line}` : `${finding.startLine}-${finding.line}`;
  const heading = `- **${severityLabel(finding.severity)} — ${sanitizeInline(finding.title)}** at ${inlineCode(`${finding.path}:${lines}`)}`;
  const body = sanitizeMarkdown(finding.body);
  const why = `*Not inline: ${sanitizeInline(reason.replace(/\.$/, ""))}.*`;
  return [heading, ...(body === "" ? [] : [indent(body)]), indent(why)].join("\n\n");
}

function failuresList(failures: ReviewFailure[]): ListSection {
  return {
    items: failures.map(({ paths, reason }) => {
      const shown = paths.slice(0, MAX_FAILURE_PATHS).map(inlineCode);
      const more =
        paths.length > MAX_FAILURE_PATHS
          ? ` and ${plural(paths.length - MAX_FAILURE_PATHS, "more file")}`
          : "";
      return `- ${shown.join(", ")}${more}: ${sanitizeInline(reason)}`;
    }),
    render: (shown, omitted) =>
      shown.length + omitted === 0
        ? ""
        : `#### Not reviewed\n\nThe model could not review these files:\n\n${bulletList(shown, omitted)}`,
  };
}

function reviewedList(paths: string[]): ListSection {
  return {
    items: paths.map((path) => `- ${inlineCode(path)}`),
    render: (shown, omitted) => details(`Reviewed ${plural(shown.length + omitted, "file")}`, shown, omitted),
  };
}

function skippedList(skipped: SkippedFile[]): ListSection {
  return {
    items: skipped.map(skippedItem),
    render: (shown, omitted) => details(`Skipped ${plural(shown.length + omitted, "file")}`, shown, omitted),
  };
}

function skippedItem(file: SkippedFile): string {
  return `- ${inlineCode(file.path)}: ${sanitizeInline(file.reason)}`;
}

function details(summary: string, shown: string[], omitted: number): string {
  if (shown.length + omitted === 0) return "";
  return `<details>\n<summary>${summary}</summary>\n\n${bulletList(shown, omitted)}\n\n</details>`;
}

function bulletList(shown: string[], omitted: number): string {
  return [...shown, ...omittedLine(omitted)].join("\n");
}

function omittedLine(omitted: number): string[] {
  return omitted === 0
    ? []
    : [`- …and ${omitted} more, left out to keep this review under GitHub's size limit.`];
}

/**
 * Shares `budget` characters among the lists, in the order given (the first gets all it needs first). Each list
 * keeps its first entries that fit and announces the rest. Returns the rendered lists in the same order.
 */
function fitLists(sections: ListSection[], budget: number): string[] {
  const minimal = sections.map((section) => section.render([], section.items.length));
  // Each rendered list also costs a blank line to separate it from its neighbours.
  let remaining = budget - minimal.reduce((sum, text) => sum + text.length + 2, 0);
  return sections.map((section, index) => {
    const base = minimal[index] ?? "";
    let count = 0;
    let estimate = 0;
    while (count < section.items.length) {
      const next = (section.items[count] ?? "").length + 2;
      if (estimate + next > remaining) break;
      estimate += next;
      count++;
    }
    let text = section.render(section.items.slice(0, count), section.items.length - count);
    while (count > 0 && text.length - base.length > remaining) {
      count--;
      text = section.render(section.items.slice(0, count), section.items.length - count);
    }
    remaining -= text.length - base.length;
    return text;
  });
}

function joinCapped(parts: (string | undefined)[], maxLength = MAX_REVIEW_BODY_CHARS): string {
  const body = parts.filter((part) => part !== undefined && part !== "").join("\n\n");
  // Only reachable when the header and footer alone exceed the cap: GitHub would reject the whole review.
  return body.length <= maxLength ? body : body.slice(0, maxLength);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? "" : `  ${line}`))
    .join("\n");
}

function shortSha(sha: string): string {
  return /^[0-9a-f]{7,40}$/i.test(sha) ? sha.slice(0, 7) : inlineCode(sha.slice(0, 40));
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
