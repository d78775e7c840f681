import { formatUsd } from "../cost/compute-cost.js";
import type { CheckRunDraft } from "../github/types.js";
import { isAtLeast } from "../review/at-or-above.js";
import type { ReviewOutcome, SeverityCounts } from "../review/review-pull-request.js";
import { inlineCode, sanitizeInline } from "../review/sanitize-markdown.js";
import { type ReviewProgress, SEVERITIES, type Severity } from "../review/types.js";

/** `fail_on`: the least severe finding that fails the check run; "off" never fails it. */
export type FailOn = Severity | "off";

/** What the check run shows, as data: the one place its text is rendered is `renderCheckRun`. */
export type CheckRunReport =
  | { kind: "progress"; progress: ReviewProgress; model: string }
  | {
      kind: "finished";
      outcome: ReviewOutcome;
      /** The posted review's page, when one was posted. */
      reviewUrl?: string;
      failOn: FailOn;
      /** `show_cost`: false keeps tokens and dollars off the pull request. */
      showCost: boolean;
      /** The app's earlier findings still open on the pull request (unresolved threads), by severity. */
      openFindings?: SeverityCounts;
    }
  | { kind: "failed"; reason: string; retrying: boolean; showCost: boolean; outcome?: ReviewOutcome };

/** Notes carried into the check run's text at most, each cut to a line. */
const MAX_NOTES = 20;

/** The conclusion: `failure` when a finding at or above `failOn` was reported, else `neutral`. */
export function checkConclusion(counts: SeverityCounts, failOn: FailOn): "neutral" | "failure" {
  if (failOn === "off") return "neutral";
  return SEVERITIES.some((severity) => isAtLeast(severity, failOn) && counts[severity] > 0)
    ? "failure"
    : "neutral";
}

/** The check run's state and output for a report. Everything that came from the PR or the model is escaped. */
export function renderCheckRun(report: CheckRunReport): CheckRunDraft {
  if (report.kind === "progress") {
    const { progress } = report;
    return {
      status: "in_progress",
      title: `Reviewing: ${progress.chunksDone} of ${plural(progress.chunks, "chunk")} done`,
      summary: `${progress.filesDone} of ${plural(progress.files, "file")} and ${progress.chunksDone} of ${plural(progress.chunks, "chunk")} reviewed by ${inlineCode(report.model)}.`,
    };
  }
  if (report.kind === "failed") {
    const lines = [
      `The review could not be completed: ${sanitizeInline(report.reason, 300)}.`,
      report.retrying ? "It will be tried again." : "Comment `/review` to try again.",
      ...(report.outcome === undefined ? [] : spendLines(report.outcome, report.showCost)),
    ];
    return {
      status: "completed",
      conclusion: "neutral",
      title: "Review failed",
      summary: lines.join("\n\n"),
    };
  }
  const { outcome } = report;
  const reported = checkConclusion(outcome.findingsBySeverity, report.failOn);
  const stillOpen =
    report.openFindings === undefined ? "neutral" : checkConclusion(report.openFindings, report.failOn);
  const conclusion = reported === "failure" || stillOpen === "failure" ? "failure" : "neutral";
  const lines = [
    describeResult(outcome, report.reviewUrl),
    `**Files:** ${outcome.filesReviewed} reviewed, ${outcome.filesSkipped} skipped.`,
    `**Findings:** ${describeSeverities(outcome.findingsBySeverity)} — ${outcome.findingsPosted} posted inline, ${outcome.findingsNotInline} in the review body, ${outcome.findingsAlreadyPosted} already posted before.`,
    ...describeFailures(outcome),
    ...spendLines(outcome, report.showCost),
    ...(report.failOn === "off"
      ? []
      : [
          reported === "failure"
            ? `**Failed:** a finding at or above \`${report.failOn}\` was reported (\`fail_on\`).`
            : stillOpen === "failure"
              ? `**Failed:** an earlier finding at or above \`${report.failOn}\` is still open on this pull request: resolve or dismiss its thread (\`fail_on\`).`
              : `No finding at or above \`${report.failOn}\` (\`fail_on\`).`,
        ]),
  ];
  const notes = [...outcome.notes.slice(0, MAX_NOTES), ...describeNotInline(outcome)];
  return {
    status: "completed",
    conclusion,
    title: titleOf(outcome),
    summary: lines.join("\n\n"),
    ...(notes.length === 0 ? {} : { text: notes.join("\n\n") }),
  };
}

/** Findings of a quiet run that could not go inline, listed in the check run (titles escaped, at most 20). */
function describeNotInline(outcome: ReviewOutcome): string[] {
  const listed = (outcome.notInline ?? []).slice(0, MAX_NOTES);
  if (listed.length === 0) return [];
  const items = listed.map(
    (one) =>
      `- **${one.severity}** ${sanitizeInline(one.title, 200)} at ${inlineCode(`${one.path}:${one.line}`)}`,
  );
  return [["#### Findings not on the diff (not posted)", "", ...items].join("\n")];
}

function titleOf(outcome: ReviewOutcome): string {
  const found = outcome.findingsPosted + outcome.findingsNotInline;
  if (outcome.status === "quiet") {
    return outcome.requests === 0 ? "Nothing new to review" : "No new findings";
  }
  if (outcome.failed) return "Review failed";
  return found === 0 ? "No findings" : `${plural(found, "new finding")}`;
}

function describeResult(outcome: ReviewOutcome, reviewUrl: string | undefined): string {
  if (outcome.status === "quiet") {
    return `No review posted: ${sanitizeInline(outcome.skippedReason ?? "nothing new to say", 300)}.`;
  }
  return reviewUrl === undefined
    ? "A review was posted."
    : `[The review](${encodeURI(reviewUrl)}) was posted.`;
}

function describeSeverities(counts: SeverityCounts): string {
  const total = SEVERITIES.reduce((sum, severity) => sum + counts[severity], 0);
  if (total === 0) return "none";
  return SEVERITIES.filter((severity) => counts[severity] > 0)
    .map((severity) => `${counts[severity]} ${severity}`)
    .join(", ");
}

function describeFailures(outcome: ReviewOutcome): string[] {
  if (outcome.failures.length === 0) return [];
  const files = new Set(outcome.failures.flatMap((failure) => failure.paths)).size;
  const reasons = [...new Set(outcome.failures.map((failure) => sanitizeInline(failure.reason, 200)))];
  return [`**Not reviewed:** ${plural(files, "file")} (${reasons.slice(0, 3).join("; ")}).`];
}

function spendLines(outcome: ReviewOutcome, showCost: boolean): string[] {
  const models = outcome.models.map((one) => inlineCode(one.model)).join(", ") || inlineCode(outcome.model);
  if (!showCost) return [`**Model:** ${models}.`];
  const { usage } = outcome;
  return [
    `**Model:** ${models} · ${plural(outcome.requests, "request")} · tokens: ${usage.promptCacheHitTokens.toLocaleString("en-US")} cache hit, ${usage.promptCacheMissTokens.toLocaleString("en-US")} cache miss, ${usage.completionTokens.toLocaleString("en-US")} output · ${formatUsd(outcome.costUsd)}`,
  ];
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}
