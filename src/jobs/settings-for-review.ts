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

/**
 * The settings of one review: the process's models and limits with the repository's configuration applied. A
 * repository may lower the operator's ceilings, never raise them: a value above one is replaced by the ceiling and
 * shown as a configuration problem; Pro is used only where the operator allows it.
 */
export function settingsForReview(params: {
  process: ProcessSettings;
  config: RepoConfig;
  problems: ConfigProblem[];
  pro: ProReason | undefined;
}): ReviewSettings {
  const { process, config } = params;
  const { ceilings } = process;
  const problems = [...params.problems];
  const capped = (key: string, value: number, ceiling: number, env: string): number => {
    if (value <= ceiling) return value;
    problems.push({
      key,
      message: `${value.toLocaleString("en-US")} is above this app's ceiling (${env} = ${ceiling.toLocaleString("en-US")})`,
      used: ceiling,
    });
    return ceiling;
  };
  const maxChunkTokens = capped(
    "max_chunk_tokens",
    config.max_chunk_tokens,
    ceilings.maxChunkTokens,
    "REVIEW_MAX_CHUNK_TOKENS",
  );
  const maxPrTokens = capped(
    "max_pr_tokens",
    config.max_pr_tokens,
    ceilings.maxPrTokens,
    "REVIEW_MAX_PR_TOKENS",
  );
  const maxComments = capped(
    "max_comments",
    config.max_comments,
    ceilings.maxComments,
    "REVIEW_MAX_COMMENTS",
  );
  const monthlyBudget = config.monthly_budget_usd;
  if (monthlyBudget > 0 && ceilings.monthlyBudgetUsd > 0 && monthlyBudget > ceilings.monthlyBudgetUsd) {
    problems.push({
      key: "monthly_budget_usd",
      message: `${monthlyBudget} is above this app's budget (BUDGET_REPO_USD_PER_MONTH = ${ceilings.monthlyBudgetUsd})`,
      used: ceilings.monthlyBudgetUsd,
    });
  }
  const wantsPro = params.pro !== undefined || config.escalate.paths.length > 0;
  const pro = ceilings.allowPro ? params.pro : undefined;
  const notes: string[] = [];
  const rendered = renderConfigProblems(problems);
  if (rendered !== "") notes.push(rendered);
  if (pro !== undefined) notes.push(`Reviewed by \`${process.proModel}\` (${PRO_REASONS[pro]}).`);
  if (wantsPro && !ceilings.allowPro) {
    notes.push(
      `The Pro model is turned off on this app (REVIEW_ALLOW_PRO=false): \`${process.flashModel}\` reviewed everything.`,
    );
  }
  return {
    model: pro === undefined ? process.flashModel : process.proModel,
    proModel: process.proModel,
    proPaths: ceilings.allowPro ? [...config.escalate.paths] : [],
    maxChunkTokens,
    maxOutputTokens: process.maxOutputTokens,
    maxComments,
    maxFilePatchBytes: process.maxFilePatchBytes,
    maxPrTokens,
    minSeverity: config.min_severity,
    contextLines: config.context_lines,
    contextMaxFileTokens: config.context_max_file_tokens,
    verify: config.verify === "on",
    verifyModel: process.flashModel,
    verifyMinSeverity: config.verify_min_severity,
    temperature: process.temperature,
    prices: process.prices,
    include: [...config.paths.include],
    exclude: [...config.paths.exclude],
    language: config.language,
    ...(config.instructions.trim() === "" ? {} : { instructions: config.instructions }),
    ...(config.path_instructions.length === 0
      ? {}
      : {
          pathInstructions: config.path_instructions.map((entry) => ({
            paths: [...entry.paths],
            instructions: entry.instructions,
          })),
        }),
    ...(monthlyBudget > 0 ? { monthlyBudgetUsd: monthlyBudget } : {}),
    notes,
    showCost: config.show_cost,
  };
}

const PRO_REASONS: Record<ProReason, string> = {
  command: "asked for with `/review pro`",
  label: "the pull request has the escalation label",
  config: "`model: pro` in the repository configuration",
};
