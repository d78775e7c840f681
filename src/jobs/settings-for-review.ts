import { type ConfigProblem, type RepoConfig, renderConfigProblems } from "../config/repo-config.js";
import type { ProcessSettings } from "../config/settings-from-env.js";
import type { ReviewSettings } from "../review/review-pull-request.js";

/** Why the whole pull request goes to the Pro model, if it does. */
export type ProReason = "command" | "label" | "config";

/** The pull request's label that escalates it to Pro, per the configuration. */
export function proReasonFor(params: {
  config: RepoConfig;
  labels: readonly string[];
  command?: "pro";
}): ProReason | undefined {
  if (params.command === "pro") return "command";
  const label = params.config.escalate.label;
  if (label !== "" && params.labels.some((one) => one.toLowerCase() === label.toLowerCase())) return "label";
  if (params.config.model === "pro") return "config";
  return undefined;
}

/** The settings of one review: the process's models and limits with the repository's configuration applied. */
export function settingsForReview(params: {
  process: ProcessSettings;
  config: RepoConfig;
  problems: ConfigProblem[];
  pro: ProReason | undefined;
}): ReviewSettings {
  const { process, config } = params;
  const notes: string[] = [];
  const problems = renderConfigProblems(params.problems);
  if (problems !== "") notes.push(problems);
  if (params.pro !== undefined)
    notes.push(`Reviewed by \`${process.proModel}\` (${PRO_REASONS[params.pro]}).`);
  return {
    model: params.pro === undefined ? process.flashModel : process.proModel,
    proModel: process.proModel,
    proPaths: [...config.escalate.paths],
    maxChunkTokens: config.max_chunk_tokens,
    maxOutputTokens: process.maxOutputTokens,
    maxComments: config.max_comments,
    maxFilePatchBytes: process.maxFilePatchBytes,
    maxPrTokens: config.max_pr_tokens,
    minSeverity: config.min_severity,
    temperature: process.temperature,
    prices: process.prices,
    include: [...config.paths.include],
    exclude: [...config.paths.exclude],
    language: config.language,
    ...(config.instructions.trim() === "" ? {} : { instructions: config.instructions }),
    notes,
    showCost: config.show_cost,
  };
}

const PRO_REASONS: Record<ProReason, string> = {
  command: "asked for with `/review pro`",
  label: "the pull request has the escalation label",
  config: "`model: pro` in the repository configuration",
};
