import type { Log, ReportingDescriptor, Result } from "sarif";
import { CATEGORIES, type Category, type Finding, type Severity } from "../review/types.js";
import type { CliReport } from "./cli-report.js";

/** SARIF's level for each severity: what code scanning shows as error, warning or note. */
const LEVELS: Record<Severity, Result.level> = {
  critical: "error",
  major: "error",
  minor: "warning",
  nit: "note",
};

const RULE_NAMES: Record<Category, string> = {
  injection: "Injection",
  security: "Security",
  "null-safety": "NullSafety",
  "error-handling": "ErrorHandling",
  concurrency: "Concurrency",
  "resource-leak": "ResourceLeak",
  logic: "Logic",
  performance: "Performance",
  "api-misuse": "ApiMisuse",
  other: "Other",
};

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

/**
 * The report as a SARIF 2.1.0 log that GitHub code scanning accepts: one rule per finding category
 * (`deepseek-review/<category>`), each finding a result at its file and line range, its severity as the level.
 */
export function renderSarif(report: CliReport, tool: { version: string }): Log {
  const rules: ReportingDescriptor[] = CATEGORIES.map((category) => ({
    id: ruleId(category),
    name: RULE_NAMES[category],
    shortDescription: { text: `DeepSeek review: ${category.replace("-", " ")}` },
  }));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "deepseek-review",
            version: tool.version,
            rules,
          },
        },
        ...(report.headSha === "0".repeat(40)
          ? {}
          : { versionControlProvenance: [{ repositoryUri: "file:///", revisionId: report.headSha }] }),
        results: report.findings.map((finding) => toResult(finding)),
      },
    ],
  };
}

function toResult(finding: Finding): Result {
  const category = finding.category ?? "other";
  const startLine = Math.min(finding.startLine ?? finding.line, finding.line);
  const text = [
    finding.title,
    finding.body,
    finding.suggestion === undefined ? "" : `Suggested change:\n${finding.suggestion}`,
  ]
    .filter((part) => part.trim() !== "")
    .join("\n\n");
  return {
    ruleId: ruleId(category),
    ruleIndex: CATEGORIES.indexOf(category),
    level: LEVELS[finding.severity],
    message: { text },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeUri(finding.path), uriBaseId: "%SRCROOT%" },
          region: { startLine, endLine: Math.max(finding.line, startLine) },
        },
      },
    ],
    properties: { severity: finding.severity, category },
  };
}

function ruleId(category: Category): string {
  return `deepseek-review/${category}`;
}

/** A repository path as a relative URI reference: each segment percent-encoded, slashes kept. */
function encodeUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
