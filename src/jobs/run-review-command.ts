import { REPO_PERMISSIONS, type RepoPermission } from "../config/repo-config.js";
import type { RepositoryGateway, UserPermission } from "../github/types.js";
import type { JobDeps, JobScope, LoadedConfig } from "./job-deps.js";
import { loadRepoConfig } from "./load-repo-config.js";
import type { ReviewCommand } from "./parse-review-command.js";
import { renderHelp } from "./render-help.js";
import { runReview, spendControlsOf } from "./run-review.js";
import { proReasonFor, settingsForReview } from "./settings-for-review.js";

/**
 * The job of a `/review` comment: answer `help`, check the commenter's permission, then review the current head
 * in full (already-posted findings still are not repeated). Anyone not allowed gets a short reply and no model
 * is called. Never throws.
 */
export async function runReviewCommand(params: {
  command: ReviewCommand;
  number: number;
  user: string;
  repository: RepositoryGateway;
  deps: JobDeps;
  scope: JobScope;
}): Promise<void> {
  const { command, repository, scope, deps } = params;
  const reply = (body: string) => repository.replyOnPullRequest(params.number, body);
  try {
    const loaded = await loadRepoConfig({
      read: scope.readConfig,
      defaults: deps.process.repoDefaults,
      log: scope.log,
    });
    if (command.kind === "help") {
      await reply(renderHelp({ loaded, process: deps.process }));
      scope.log.info({ pr: params.number, user: params.user }, "review.command.help");
      return;
    }
    const refusal = await refuse({ ...params, loaded });
    if (refusal !== undefined) {
      await reply(refusal);
      scope.log.info({ pr: params.number, user: params.user, reason: refusal }, "review.command.refused");
      return;
    }
    const pr = await repository.getPullRequest(params.number);
    await runReview({
      pr,
      trigger: "command",
      github: scope.github,
      model: deps.model,
      limit: deps.limit,
      countTokens: deps.countTokens,
      ...(deps.planChunks === undefined ? {} : { planChunks: deps.planChunks }),
      log: scope.log,
      ...spendControlsOf(deps, scope),
      settings: async () =>
        settingsForReview({
          process: deps.process,
          config: loaded.config,
          problems: loaded.problems,
          pro: proReasonFor({
            config: loaded.config,
            labels: pr.labels,
            ...(command.kind === "pro" ? { command: "pro" as const } : {}),
          }),
        }),
    });
  } catch (error) {
    scope.log.error(
      {
        pr: params.number,
        user: params.user,
        err: { name: (error as Error).name, message: (error as Error).message },
      },
      "review.command.failed",
    );
  }
}

/** Why the command is not carried out, as the reply to post; undefined when it is. */
async function refuse(params: {
  command: ReviewCommand;
  user: string;
  repository: RepositoryGateway;
  loaded: LoadedConfig;
}): Promise<string | undefined> {
  const { command, loaded } = params;
  if (command.kind === "unknown") {
    return `\`/review ${command.argument.replace(/`/g, "")}\` is not a command I know. Comment \`/review help\` to see the commands.`;
  }
  if (!loaded.config.enabled)
    return "Reviews are turned off for this repository (`enabled: false` in `.github/deepseek-review.yml`).";
  const needed = loaded.config.review_command.min_permission;
  const has = effectivePermission(await params.repository.getPermission(params.user));
  if (rank(has) < rank(needed)) {
    return `Sorry, \`/review\` needs ${needed} permission on this repository or more; ${params.user.replace(/[^\w.-]/g, "")} has ${has ?? "none"}.`;
  }
  return undefined;
}

/** GitHub reports maintain as write and triage as read in `permission`; `role_name` has the finer level. */
function effectivePermission(permission: UserPermission): RepoPermission | undefined {
  const role = permission.roleName.toLowerCase();
  if ((REPO_PERMISSIONS as readonly string[]).includes(role)) return role as RepoPermission;
  return permission.permission === "none" ? undefined : permission.permission;
}

function rank(permission: RepoPermission | undefined): number {
  return permission === undefined ? -1 : REPO_PERMISSIONS.indexOf(permission);
}
