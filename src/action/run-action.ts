import { EnvError, readEnv } from "../config/env.js";
import { settingsFromEnv, spendLimitsFromEnv } from "../config/settings-from-env.js";
import { createSpendWindows } from "../cost/spend-windows.js";
import { createOctokitClass } from "../github/create-octokit-class.js";
import { createPullRequestGateway } from "../github/create-pull-request-gateway.js";
import { createRepositoryGateway } from "../github/create-repository-gateway.js";
import { readRepoConfig } from "../github/read-repo-config.js";
import { decideAutoReview } from "../jobs/decide-auto-review.js";
import { loadRepoConfig } from "../jobs/load-repo-config.js";
import { type RunResult, runReview } from "../jobs/run-review.js";
import { proReasonFor, settingsForReview } from "../jobs/settings-for-review.js";
import { createModelClient } from "../llm/create-model-client.js";
import { createLimit } from "../queue/create-limit.js";
import { atOrAbove, type FailOn } from "../review/at-or-above.js";
import { createTokenCounter } from "../review/count-tokens.js";
import type { Logger } from "../runtime/types.js";
import { ActionInputError, readActionEvent, readActionInputs, readInput } from "./read-action-context.js";
import { renderJobSummary } from "./render-job-summary.js";
import { errorCommand, escapeCommand } from "./workflow-command.js";
import { writeOutputs, writeSummary } from "./write-env-files.js";

/** The login of the workflow's `GITHUB_TOKEN`: the Action's own reviews (and records) are that user's. */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

export interface ActionIo {
  /** The job log. */
  write(text: string): unknown;
}

/**
 * The Action's entry: the App's review of one pull request, with the workflow's token.
 * 1. read the event: `pull_request` (what is new) or a `/review` comment (the whole PR); a fork's PR is said and left;
 * 2. read the inputs and build the App's settings from them;
 * 3. read the pull request and the repository's configuration (default branch, as the App), decide as the App does;
 * 4. review and post one review (src/jobs/run-review.ts → src/review/review-pull-request.ts), one outcome line;
 * 5. write the job summary and the outputs. Returns the exit code: 1 when the review failed or a finding is at or
 *    above `fail-on`, else 0.
 */
export async function runAction(env: NodeJS.ProcessEnv, io: ActionIo): Promise<number> {
  const log = createActionLog(io);
  const event = readActionEvent(env);
  if (event.kind === "skip") {
    io.write(`deepseek-review: nothing to do: ${event.reason}.\n`);
    return 0;
  }
  if (event.kind === "fork") {
    io.write(
      `::notice title=deepseek-review::Pull request #${event.number} comes from the fork ${event.fork}. GitHub runs pull_request workflows of forks with a read-only GITHUB_TOKEN and without secrets, so this workflow can neither call DeepSeek nor post a review: nothing was done. A maintainer can comment /review (an issue_comment workflow runs with the repository's token and secrets), or install the deepseek-review GitHub App.\n`,
    );
    return 0;
  }
  const inputs = readActionInputs(env);
  const apiKey = readInput(env, "deepseek-api-key");
  if (apiKey === "") {
    throw new ActionInputError(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown to the reader as it is.
      "the deepseek-api-key input is empty: pass it from a secret (deepseek-api-key: ${{ secrets.DEEPSEEK_API_KEY }}). Workflows run for Dependabot and for forks get no secrets.",
    );
  }
  const token = readInput(env, "github-token") || (env.GITHUB_TOKEN ?? "");
  if (token === "") throw new ActionInputError("no GitHub token: the github-token input is empty");
  const appEnv = readAppEnv(env, apiKey, inputs.maxPrTokens);
  const processSettings = settingsFromEnv(appEnv);
  const Octokit = createOctokitClass();
  const octokit = new Octokit({ auth: { token }, baseUrl: env.GITHUB_API_URL || "https://api.github.com" });
  const ref = { owner: event.owner, repo: event.repo, number: event.number };
  const result = await runReview({
    ref,
    trigger: event.trigger,
    model: createModelClient({
      apiKey: appEnv.DEEPSEEK_API_KEY,
      baseURL: appEnv.DEEPSEEK_BASE_URL,
      timeoutMs: appEnv.DEEPSEEK_TIMEOUT_MS,
      maxRetries: appEnv.DEEPSEEK_MAX_RETRIES,
      maxRetryAfterMs: appEnv.DEEPSEEK_MAX_RETRY_AFTER_MS,
    }),
    limit: createLimit(appEnv.REVIEW_MAX_CONCURRENT_REQUESTS),
    countTokens: createTokenCounter(),
    log,
    spend: { limits: spendLimitsFromEnv(appEnv).review, windows: createSpendWindows([]) },
    prepare: async () => {
      const pr = await createRepositoryGateway(octokit, ref).getPullRequest(event.number);
      const loaded = await loadRepoConfig({
        read: () =>
          readRepoConfig(octokit, {
            owner: ref.owner,
            repo: ref.repo,
            ...(inputs.configPath === undefined ? {} : { path: inputs.configPath }),
          }),
        defaults: processSettings.repoDefaults,
        log,
      });
      const config = inputs.model === undefined ? loaded.config : { ...loaded.config, model: inputs.model };
      if (event.trigger === "auto") {
        const decision = decideAutoReview({ pr, config });
        if (!decision.review) return { skip: decision.reason, pr };
      } else if (!config.enabled) {
        return { skip: "the reviewer is turned off in the repository configuration (enabled: false)", pr };
      }
      return {
        pr,
        github: createPullRequestGateway(octokit, { ...ref, botLogin: ACTIONS_BOT_LOGIN }),
        settings: settingsForReview({
          process: processSettings,
          config,
          problems: loaded.problems,
          pro: proReasonFor({ config, labels: pr.labels, ...(event.pro ? { command: "pro" as const } : {}) }),
        }),
      };
    },
  });
  const findings = result.outcome?.findings ?? [];
  const costUsd = result.spent?.totals.costUsd ?? 0;
  const reviewUrl =
    result.outcome?.reviewId === undefined
      ? undefined
      : `${env.GITHUB_SERVER_URL || "https://github.com"}/${ref.owner}/${ref.repo}/pull/${ref.number}#pullrequestreview-${result.outcome.reviewId}`;
  await writeSummary(
    env,
    renderJobSummary({ result, ref, ...(reviewUrl === undefined ? {} : { reviewUrl }) }),
  );
  await writeOutputs(env, {
    findings: String(findings.length),
    "cost-usd": costUsd.toFixed(6),
    "review-id": result.outcome?.reviewId === undefined ? "" : String(result.outcome.reviewId),
  });
  return exitCode(result, inputs.failOn, io);
}

function exitCode(result: RunResult, failOn: FailOn, io: ActionIo): number {
  if (result.status === "failed") {
    io.write(errorCommand(`The review failed: ${result.reason ?? "unknown reason"}`));
    return 1;
  }
  const over = atOrAbove(result.outcome?.findings ?? [], failOn);
  if (over.length === 0) return 0;
  io.write(
    errorCommand(`${over.length} finding${over.length === 1 ? "" : "s"} at or above ${failOn} (fail-on)`),
  );
  return 1;
}

/** The App's environment schema, fed by the Action's inputs: one place validates models, prices and limits. */
function readAppEnv(env: NodeJS.ProcessEnv, apiKey: string, maxPrTokens: string | undefined) {
  try {
    return readEnv({
      ...env,
      DEEPSEEK_API_KEY: apiKey,
      ...(maxPrTokens === undefined ? {} : { REVIEW_MAX_PR_TOKENS: maxPrTokens }),
    });
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    const problems = error.problems.map((problem) =>
      problem.replace(/^REVIEW_MAX_PR_TOKENS/, "the max-pr-tokens input"),
    );
    throw new ActionInputError(problems.join("; "));
  }
}

/**
 * The job log: one line per event, its fixed message then its fields as JSON (one line whatever they hold, so no
 * field can start a workflow command); warnings and errors as annotations.
 */
function createActionLog(io: ActionIo): Logger {
  const line = (prefix: string, obj: object, msg: string) =>
    io.write(`${prefix}${escapeCommand(`${msg} ${JSON.stringify(obj)}`)}\n`);
  return {
    debug() {},
    info: (obj, msg) => line("", obj, msg),
    warn: (obj, msg) => line("::warning title=deepseek-review::", obj, msg),
    error: (obj, msg) => line("::error title=deepseek-review::", obj, msg),
  };
}
