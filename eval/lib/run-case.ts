import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../../src/config/repo-config.js";
import type { ProcessSettings } from "../../src/config/settings-from-env.js";
import { createSpendMeter } from "../../src/cost/spend-meter.js";
import { settingsForReview } from "../../src/jobs/settings-for-review.js";
import type { ModelClient } from "../../src/llm/types.js";
import type { CountTokens } from "../../src/review/count-tokens.js";
import type { PlanChunks } from "../../src/review/plan-chunks.js";
import { reviewPullRequest } from "../../src/review/review-pull-request.js";
import type { SyntaxTasks } from "../../src/review/syntax-tasks.js";
import type { PullRequestFile, PullRequestGateway, ReviewComment } from "../../src/review/types.js";
import type { Limit, Logger } from "../../src/runtime/types.js";
import type { EvalCase } from "./load-cases.js";
import { makePatch } from "./make-patch.js";
import type { CaseResult } from "./score-cases.js";

/** One column of the eval: which model, and whether context and verification are on. */
export interface EvalSetting {
  model: "flash" | "pro";
  verify: boolean;
  context: boolean;
}

export function settingName(setting: EvalSetting): string {
  return `${setting.model}, context ${setting.context ? "on" : "off"}, verify ${setting.verify ? "on" : "off"}`;
}

const HEAD_SHA = "e".repeat(40);
const BASE_SHA = "b".repeat(40);

/** A pull request of one file, as GitHub would show it: its patch, its content at the head, nothing posted yet. */
function caseGateway(one: EvalCase): PullRequestGateway & { comments: ReviewComment[] } {
  const patch = makePatch(one.before, one.after);
  const lines = patch.split("\n");
  const additions = lines.filter((line) => line.startsWith("+")).length;
  const deletions = lines.filter((line) => line.startsWith("-")).length;
  const file: PullRequestFile = {
    path: one.path,
    status: one.before === "" ? "added" : "modified",
    additions,
    deletions,
    changes: additions + deletions,
    patch,
  };
  const comments: ReviewComment[] = [];
  return {
    comments,
    listFiles: async () => [file],
    readHead: async () => ({ headSha: HEAD_SHA, baseSha: BASE_SHA }),
    createReview: async (review) => {
      comments.push(...review.comments);
      return { id: 1 };
    },
    listOwnReviews: async () => [],
    listPostedFindings: async () => [],
    readFile: async (path) => (path === one.path ? one.after : undefined),
    compare: async () => undefined,
  };
}

/** Reviews one case with the real pipeline (the app's defaults, `setting` applied) and the given model client. */
export async function runCase(params: {
  one: EvalCase;
  setting: EvalSetting;
  process: ProcessSettings;
  model: ModelClient;
  limit: Limit;
  countTokens: CountTokens;
  planChunks: PlanChunks;
  syntax: SyntaxTasks;
  log: Logger;
}): Promise<CaseResult> {
  const { one, setting } = params;
  const config: RepoConfig = {
    ...DEFAULT_REPO_CONFIG,
    verify: setting.verify ? "on" : "off",
    context_max_file_tokens: setting.context ? DEFAULT_REPO_CONFIG.context_max_file_tokens : 0,
  };
  const settings = settingsForReview({
    process: params.process,
    config,
    problems: [],
    pro: setting.model === "pro" ? "command" : undefined,
  });
  const github = caseGateway(one);
  try {
    const outcome = await reviewPullRequest({
      pr: {
        owner: "eval",
        repo: "cases",
        number: 1,
        title: one.title,
        body: "",
        headSha: HEAD_SHA,
        baseSha: BASE_SHA,
      },
      github,
      model: params.model,
      settings,
      limit: params.limit,
      countTokens: params.countTokens,
      log: params.log,
      trigger: "command",
      planChunks: params.planChunks,
      syntax: params.syntax,
      meter: createSpendMeter({ prices: settings.prices }),
    });
    return {
      id: one.id,
      comments: github.comments.map((comment) => ({
        path: comment.path,
        line: comment.line,
        ...(comment.startLine === undefined ? {} : { startLine: comment.startLine }),
      })),
      costUsd: outcome.costUsd,
      ...(outcome.failed ? { error: outcome.failures[0]?.reason ?? "the review failed" } : {}),
      ...(outcome.verification === undefined
        ? {}
        : {
            verification: {
              checked: outcome.verification.checked,
              rejected: outcome.verification.rejected,
              costUsd: outcome.verification.costUsd,
            },
          }),
    };
  } catch (error) {
    return { id: one.id, comments: [], costUsd: 0, error: (error as Error).message };
  }
}
