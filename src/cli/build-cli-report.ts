import type { FileDiff } from "../diff/types.js";
import { compareFindings } from "../review/place-comments.js";
import type { ChunkPlan } from "../review/plan-chunks.js";
import type { ReviewOutcome } from "../review/review-pull-request.js";
import type { CliReport } from "./cli-report.js";
import type { CapturedReview } from "./create-local-gateway.js";
import type { LocalDiff } from "./read-local-diff.js";

/** The report every format renders: the outcome, the plan's skips, the captured review, and the code at the head. */
export async function buildCliReport(params: {
  diff: LocalDiff;
  plan: ChunkPlan;
  outcome: ReviewOutcome;
  captured: CapturedReview | undefined;
}): Promise<CliReport> {
  const { diff, plan, outcome } = params;
  const findings = [...(outcome.findings ?? [])].sort(compareFindings);
  const contents = new Map<string, string[]>();
  for (const path of new Set(findings.map((finding) => finding.path))) {
    const text = await diff.readFile?.(path);
    if (text !== undefined) contents.set(path, text.split("\n"));
  }
  const diffs = new Map(plan.diffs.map((one) => [one.path, one]));
  return {
    source: diff.source,
    headSha: diff.pr.headSha,
    baseSha: diff.pr.baseSha,
    model: outcome.models.map((one) => one.model).join(", ") || outcome.model,
    requests: outcome.requests,
    usage: outcome.usage,
    costUsd: outcome.costUsd,
    filesReviewed: outcome.filesReviewed,
    skipped: [...plan.skipped, ...plan.overBudget],
    failures: outcome.failures,
    findings,
    review: { body: params.captured?.body ?? "", comments: params.captured?.comments ?? [] },
    code: (path, first, last) => codeLines({ file: contents.get(path), diff: diffs.get(path), first, last }),
  };
}

/** Lines `first`..`last` of the new file: from the whole file when known, else from the diff's new-side lines. */
function codeLines(params: {
  file: string[] | undefined;
  diff: FileDiff | undefined;
  first: number;
  last: number;
}) {
  const out: { line: number; text: string }[] = [];
  if (params.file !== undefined) {
    for (let line = params.first; line <= params.last; line++) {
      const text = params.file[line - 1];
      if (text !== undefined) out.push({ line, text: text.replace(/\r$/, "") });
    }
    return out;
  }
  for (const hunk of params.diff?.hunks ?? []) {
    for (const line of hunk.lines) {
      if (line.newLine !== undefined && line.newLine >= params.first && line.newLine <= params.last)
        out.push({ line: line.newLine, text: line.content });
    }
  }
  return out;
}
