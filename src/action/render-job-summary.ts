import { formatUsd } from "../cost/compute-cost.js";
import type { RunResult } from "../jobs/run-review.js";
import { severityLabel } from "../review/format-comment.js";
import { compareFindings } from "../review/place-comments.js";
import { inlineCode, sanitizeInline } from "../review/sanitize-markdown.js";

/** Findings listed in the summary, at most; the review on the pull request has them all. */
const MAX_SUMMARY_FINDINGS = 50;

/**
 * The job summary: what the review did (posted, skipped and why, failed and why), what it cost, and its findings,
 * each with its file and lines. Model text goes through the App's sanitiser, as in the review itself.
 */
export function renderJobSummary(params: {
  result: RunResult;
  ref: { owner: string; repo: string; number: number };
  reviewUrl?: string;
}): string {
  const { result, ref } = params;
  const out = [`### DeepSeek review of ${sanitizeInline(`${ref.owner}/${ref.repo}`)}#${ref.number}`, ""];
  if (result.status === "skipped") {
    out.push(`Not reviewed: ${sanitizeInline(result.reason)}.`);
    return `${out.join("\n")}\n`;
  }
  if (result.status === "failed")
    out.push(`**The review failed:** ${sanitizeInline(result.reason ?? "unknown reason")}`, "");
  const totals = result.spent?.totals;
  const outcome = result.outcome;
  if (params.reviewUrl !== undefined) out.push(`[The review on the pull request](${params.reviewUrl})`, "");
  out.push("| | |", "|---|---|");
  if (outcome !== undefined) {
    out.push(`| files reviewed | ${outcome.filesReviewed} |`, `| files skipped | ${outcome.filesSkipped} |`);
    if (outcome.incrementalSince !== undefined)
      out.push(`| reviewed since | ${inlineCode(outcome.incrementalSince.slice(0, 7))} |`);
  }
  if (totals !== undefined) {
    const usage = totals.usage;
    out.push(
      `| model | ${totals.models.map((one) => inlineCode(one.model)).join(", ") || inlineCode(outcome?.model ?? "")} |`,
      `| requests | ${totals.requests} |`,
      `| tokens | ${usage.promptCacheHitTokens.toLocaleString("en-US")} cached + ${usage.promptCacheMissTokens.toLocaleString("en-US")} uncached in, ${usage.completionTokens.toLocaleString("en-US")} out |`,
      `| cost | ${formatUsd(totals.costUsd)} |`,
    );
  }
  const findings = [...(outcome?.findings ?? [])].sort(compareFindings);
  out.push("", `**${findings.length} finding${findings.length === 1 ? "" : "s"}**`);
  if (findings.length > 0) {
    out.push("", "| severity | where | finding |", "|---|---|---|");
    for (const finding of findings.slice(0, MAX_SUMMARY_FINDINGS)) {
      const first = Math.min(finding.startLine ?? finding.line, finding.line);
      const lines = first === finding.line ? `${finding.line}` : `${first}-${finding.line}`;
      out.push(
        `| ${severityLabel(finding.severity)} | ${inlineCode(`${finding.path}:${lines}`).replace(/\|/g, "\\|")} | ${sanitizeInline(finding.title).replace(/\|/g, "\\|")} |`,
      );
    }
    if (findings.length > MAX_SUMMARY_FINDINGS)
      out.push("", `… and ${findings.length - MAX_SUMMARY_FINDINGS} more in the review.`);
  }
  return `${out.join("\n")}\n`;
}
