import { stripRecord } from "../records/read-record.js";
import { inlineCode } from "../review/sanitize-markdown.js";
import type { CliReport } from "./cli-report.js";

/**
 * The review exactly as the App would post it: its body (summary, findings not inline, skipped files, cost), then
 * each inline comment under its file and line. Model text was sanitised by the App's own renderers.
 */
export function renderMarkdownReport(report: CliReport): string {
  const parts = [report.review.body.trimEnd()];
  for (const comment of report.review.comments) {
    const first = comment.startLine ?? comment.line;
    const lines = first === comment.line ? `line ${comment.line}` : `lines ${first}–${comment.line}`;
    parts.push(`#### ${inlineCode(comment.path)}, ${lines}\n\n${stripRecord(comment.body).trimEnd()}`);
  }
  return `${parts.join("\n\n")}\n`;
}
