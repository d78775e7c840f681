import { formatUsd } from "../cost/compute-cost.js";
import { type Finding, SEVERITIES, type Severity } from "../review/types.js";
import { type CliReport, printable } from "./cli-report.js";

/** Colours text for one stream: `util.styleText` when the stream is a terminal and NO_COLOR is unset, else as is. */
export type Paint = (
  format: "bold" | "dim" | "red" | "yellow" | "cyan" | "magenta" | "green",
  text: string,
) => string;

export const plain: Paint = (_format, text) => text;

/** Code lines shown under a finding, at most. */
const MAX_CODE_LINES = 12;

const SEVERITY_COLOURS: Record<Severity, Parameters<Paint>[0]> = {
  critical: "red",
  major: "magenta",
  minor: "yellow",
  nit: "cyan",
};

/** Findings grouped by file, each with the code it points at; then what was skipped or failed, and the cost. */
export function renderTextReport(report: CliReport, paint: Paint): string {
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const list = byFile.get(finding.path) ?? [];
    list.push(finding);
    byFile.set(finding.path, list);
  }
  for (const [path, findings] of byFile) {
    out.push(paint("bold", printable(path)));
    for (const finding of findings) out.push(...renderFinding(report, finding, paint), "");
  }
  if (report.findings.length === 0) out.push("No findings.", "");
  for (const failure of report.failures) {
    out.push(
      paint("red", `Not reviewed (${printable(failure.reason)}): ${failure.paths.map(printable).join(", ")}`),
    );
  }
  for (const skipped of report.skipped)
    out.push(paint("dim", `Skipped ${printable(skipped.path)}: ${skipped.reason}`));
  out.push(summaryLine(report));
  return `${out.join("\n")}\n`;
}

function renderFinding(report: CliReport, finding: Finding, paint: Paint): string[] {
  const first = Math.min(finding.startLine ?? finding.line, finding.line);
  const lines = first === finding.line ? `${finding.line}` : `${first}-${finding.line}`;
  const label = paint(SEVERITY_COLOURS[finding.severity], finding.severity.toUpperCase());
  const category = finding.category === undefined ? "" : ` [${finding.category}]`;
  const out = [
    `  ${paint("dim", `${printable(finding.path)}:${lines}`)}  ${label}${category}  ${paint("bold", printable(finding.title))}`,
  ];
  const last = Math.min(finding.line, first + MAX_CODE_LINES - 1);
  const code = report.code(finding.path, first, last);
  const width = String(last).length;
  for (const line of code)
    out.push(paint("dim", `    ${String(line.line).padStart(width)} | `) + printable(line.text));
  if (finding.line > last) out.push(paint("dim", `    … ${finding.line - last} more lines`));
  for (const line of finding.body.split("\n")) out.push(`    ${printable(line)}`.trimEnd());
  if (finding.suggestion !== undefined) {
    out.push(paint("green", "    Suggested change:"));
    for (const line of finding.suggestion.replace(/\r?\n$/, "").split("\n"))
      out.push(paint("green", `    + ${printable(line)}`));
  }
  return out;
}

function summaryLine(report: CliReport): string {
  const counts = SEVERITIES.map(
    (severity) => [severity, report.findings.filter((one) => one.severity === severity).length] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  const tokens =
    report.usage.promptCacheHitTokens + report.usage.promptCacheMissTokens + report.usage.completionTokens;
  return [
    `${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}${counts.length > 0 ? ` (${counts.join(", ")})` : ""}`,
    `${report.filesReviewed} file${report.filesReviewed === 1 ? "" : "s"} reviewed, ${report.skipped.length} skipped`,
    `${report.model}, ${report.requests} request${report.requests === 1 ? "" : "s"}, ${tokens.toLocaleString("en-US")} tokens, ${formatUsd(report.costUsd)}`,
  ].join(" · ");
}
