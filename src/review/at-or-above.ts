import { SEVERITIES, type Severity } from "./types.js";

/** What fails a run on findings (the CLI's `--fail-on`, the Action's `fail-on`): a severity, or `none`. */
export const FAIL_ON = [...SEVERITIES, "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** Whether `severity` is at least as severe as `least` (`critical` is the most severe). */
export function isAtLeast(severity: Severity, least: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(least);
}

/** The findings at least as severe as `failOn`; none for `none`. */
export function atOrAbove<T extends { severity: Severity }>(findings: readonly T[], failOn: FailOn): T[] {
  if (failOn === "none") return [];
  return findings.filter((finding) => isAtLeast(finding.severity, failOn));
}
