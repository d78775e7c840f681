import type { CliReport } from "./cli-report.js";

/** The report as JSON for scripts: what was reviewed, every finding, the failures and the cost. */
export function renderJsonReport(report: CliReport, tool: { version: string }): string {
  return `${JSON.stringify(
    {
      tool: "deepseek-review",
      version: tool.version,
      source: report.source,
      baseSha: report.baseSha,
      headSha: report.headSha,
      model: report.model,
      requests: report.requests,
      usage: report.usage,
      costUsd: report.costUsd,
      filesReviewed: report.filesReviewed,
      skipped: report.skipped,
      failures: report.failures.map((failure) => ({ paths: failure.paths, reason: failure.reason })),
      findings: report.findings.map((finding) => ({
        path: finding.path,
        startLine: Math.min(finding.startLine ?? finding.line, finding.line),
        line: finding.line,
        severity: finding.severity,
        category: finding.category ?? "other",
        title: finding.title,
        body: finding.body,
        ...(finding.suggestion === undefined ? {} : { suggestion: finding.suggestion }),
      })),
    },
    null,
    2,
  )}\n`;
}
