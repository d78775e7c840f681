import { formatUsd } from "../cost/compute-cost.js";
import type { PullRequestFile, SkippedFile } from "../review/types.js";
import { printable } from "./cli-report.js";
import type { PlanEstimate } from "./estimate-plan.js";
import type { Paint } from "./render-text-report.js";

/** What a dry run found: the diff's files, what would be skipped, the requests, and what they would cost. */
export interface DryRunReport {
  source: string;
  files: PullRequestFile[];
  skipped: SkippedFile[];
  /** The files that would be sent. */
  kept: string[];
  estimate: PlanEstimate;
  /** The models the plan uses (Flash, or Pro for escalated paths). */
  planModels: string[];
}

const n = (value: number) => value.toLocaleString("en-US");

/** The dry run for people: every file and its fate, the chunk plan with token counts, the cost on each model. */
export function renderDryRun(report: DryRunReport, paint: Paint): string {
  const skipped = new Map(report.skipped.map((one) => [one.path, one.reason]));
  const out = [
    paint("bold", `Dry run of ${printable(report.source)}: nothing is sent, no key is needed.`),
    "",
  ];
  out.push(paint("bold", `Files (${n(report.files.length)}):`));
  for (const file of report.files) {
    const reason = skipped.get(file.path);
    const change = `+${file.additions} -${file.deletions}`;
    out.push(
      reason === undefined
        ? `  review  ${printable(file.path)}  ${paint("dim", change)}`
        : paint("dim", `  skip    ${printable(file.path)}  ${change}  — ${reason}`),
    );
  }
  const { estimate } = report;
  out.push(
    "",
    paint("bold", `Plan: ${n(estimate.requests.length)} request${estimate.requests.length === 1 ? "" : "s"}`),
  );
  out.push(
    `  every request repeats a stable prefix of ${n(estimate.prefixTokens)} tokens (instructions, title, description, changed files)`,
  );
  estimate.requests.forEach((request, index) => {
    const files = request.files.length === 1 ? "1 file" : `${n(request.files.length)} files`;
    out.push(
      `  ${String(index + 1).padStart(3)}. ${request.model}  ${n(request.promptTokens)} prompt tokens (${n(request.diffTokens)} of diff)  ${files}: ${request.files.slice(0, 5).map(printable).join(", ")}${request.files.length > 5 ? ", …" : ""}`,
    );
  });
  const prompt = estimate.estimates[0]?.promptTokens ?? 0;
  out.push(
    "",
    paint(
      "bold",
      `Estimated cost of ${n(prompt)} prompt tokens (counted with DeepSeek V3's tokenizer, an estimate):`,
    ),
  );
  out.push("  model                 all cache misses   prefix cached   + answers, at most");
  for (const one of estimate.estimates) {
    out.push(
      `  ${one.model.padEnd(20)}  ${formatUsd(one.allMissUsd).padStart(16)}   ${formatUsd(one.prefixCachedUsd).padStart(13)}   ${`+${formatUsd(one.maxOutputUsd)}`.padStart(17)}`,
    );
  }
  out.push(
    paint(
      "dim",
      `  "prefix cached": the first request a cache miss, each later one reading the ${n(estimate.prefixTokens)}-token prefix from DeepSeek's cache. Answers are at most ${n(estimate.maxOutputTokens)} tokens each; a review's are usually far shorter.`,
    ),
  );
  if (report.planModels.length > 1)
    out.push(paint("dim", `  This plan uses ${report.planModels.join(" and ")} (escalate.paths).`));
  return `${out.join("\n")}\n`;
}

/** The dry run as JSON. */
export function renderDryRunJson(report: DryRunReport): string {
  return `${JSON.stringify(
    {
      dryRun: true,
      source: report.source,
      files: report.files.map((file) => ({
        path: file.path,
        status: file.status,
        additions: file.additions,
        deletions: file.deletions,
      })),
      skipped: report.skipped,
      kept: report.kept,
      prefixTokens: report.estimate.prefixTokens,
      requests: report.estimate.requests,
      maxOutputTokens: report.estimate.maxOutputTokens,
      estimates: report.estimate.estimates,
    },
    null,
    2,
  )}\n`;
}
