import { REPO_PERMISSIONS, type RepoPermission } from "../config/repo-config.js";
import { isRetryable } from "../github/http-status.js";
import type { RepositoryGateway, UserPermission } from "../github/types.js";
import { type Logger, withFields } from "../runtime/types.js";
import type { QueuedJob } from "../store/types.js";
import type { CommandJob, ReviewJob } from "./job.js";
import type { JobDeps, LoadedConfig } from "./job-deps.js";
import { loadRepoConfig } from "./load-repo-config.js";
import { renderHelp } from "./render-help.js";

/** A user below the permission needed gets at most one refusal per pull request in this time. */
export const REFUSAL_WINDOW_MS = 3_600_000;

/**
 * A `/review …` comment, in the command lane, before it may take a review's place:
 * 1. rebuild the installation's GitHub access and read the configuration;
 * 2. check the commenter's permission — anyone below it gets no reaction, and at most one short refusal per pull
 *    request an hour, so outsiders cannot spend the installation's write budget;
 * 3. answer `help`, `pause`, `resume` and unknown arguments;
 * 4. queue the review (👀 when queued; a reply when an equal one already waits; a reply on a closed pull request
 *    unless forced).
 * Every path ends in one `review.command` log line.
 */
export async function runCommandJob(params: {
  queued: QueuedJob;
  job: CommandJob;
  deps: JobDeps;
}): Promise<void> {
  const { job, deps, queued } = params;
  const log = withFields(deps.log, {
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
    user: job.user,
    command: job.command.kind,
  });
  try {
    await answer({ job, deps, log });
  } catch (error) {
    const err = { name: (error as Error).name, message: String((error as Error).message).split("\n", 1)[0] };
    const retry = queued.attempt < queued.maxAttempts && isRetryable(error);
    log.error({ outcome: retry ? "retrying" : "failed", err }, "review.command");
    if (retry) throw error;
  }
}

async function answer(params: { job: CommandJob; deps: JobDeps; log: Logger }): Promise<void> {
  const { job, deps, log } = params;
  const github = await deps.github.forInstallation(job.installationId);
  const ref = { owner: job.owner, repo: job.repo };
  const repository = github.repository(ref);
  const loaded = await loadRepoConfig({
    read: () => github.readConfig(ref),
    defaults: deps.process.repoDefaults,
    log,
  });
  const permission = effectivePermission(await repository.getPermission(job.user));
  const needed = loaded.config.review_command.min_permission;
  const reply = (body: string) => repository.replyOnPullRequest(job.number, body);

  if (rank(permission) < rank(needed)) {
    const refuse = await deps.store.claimRefusal({
      repo: `${job.owner}/${job.repo}`,
      pr: job.number,
      user: job.user,
      windowMs: REFUSAL_WINDOW_MS,
    });
    if (refuse) {
      await reply(
        `Sorry, \`/review\` commands need ${needed} permission on this repository or more; ${plainLogin(job.user)} has ${permission ?? "none"}.`,
      );
    }
    log.info({ outcome: "refused", permission: permission ?? "none", replied: refuse }, "review.command");
    return;
  }
  const outcome = await carryOut({ job, deps, repository, loaded, permission, reply, log });
  log.info({ outcome }, "review.command");
}

async function carryOut(params: {
  job: CommandJob;
  deps: JobDeps;
  repository: RepositoryGateway;
  loaded: LoadedConfig;
  permission: RepoPermission | undefined;
  reply: (body: string) => Promise<void>;
  log: Logger;
}): Promise<string> {
  const { job, deps, repository, loaded, reply } = params;
  const { command } = job;
  const prRef = { repo: `${job.owner}/${job.repo}`, pr: job.number };
  switch (command.kind) {
    case "help":
      await reply(
        renderHelp({ loaded, process: deps.process, showFreeText: rank(params.permission) >= rank("write") }),
      );
      return "help";
    case "unknown":
      await reply(
        `\`/review ${command.argument.replace(/`/g, "")}\` is not a command I know. Comment \`/review help\` to see the commands.`,
      );
      return "unknown";
    case "pause":
      await deps.store.setPaused(prRef, true);
      await reply(
        "Automatic reviews of this pull request are paused. `/review` still works; `/review resume` resumes them.",
      );
      return "paused";
    case "resume":
      await deps.store.setPaused(prRef, false);
      await reply("Automatic reviews of this pull request are on again, from the next push.");
      return "resumed";
    case "review":
      break;
  }
  if (!loaded.config.enabled) {
    await reply(
      "Reviews are turned off for this repository (`enabled: false` in `.github/deepseek-review.yml`).",
    );
    return "disabled";
  }
  const pr = await repository.getPullRequest(job.number);
  if (pr.state !== "open" && !command.force) {
    await reply(
      `This pull request is closed, so it was not reviewed. Comment \`/review${command.model === "pro" ? " pro" : ""} force\` to review it anyway.`,
    );
    return "closed";
  }
  const review: ReviewJob = {
    type: "review",
    installationId: job.installationId,
    owner: job.owner,
    repo: job.repo,
    number: job.number,
    deliveryId: job.deliveryId,
    trigger: { kind: "command", model: command.model, user: job.user, commentId: job.commentId },
  };
  const queued = await deps.store.queue.enqueue(review);
  if (queued === "duplicate") {
    await reply(
      `A ${command.model === "pro" ? "`/review pro`" : "`/review`"} you asked for is already waiting; it reviews the newest head when its turn comes.`,
    );
    return "already queued";
  }
  await repository.reactToComment(job.commentId, "eyes");
  return "queued";
}

/** GitHub reports maintain as write and triage as read in `permission`; `role_name` has the finer level (also for answers). */
export function effectivePermission(permission: UserPermission): RepoPermission | undefined {
  const role = permission.roleName.toLowerCase();
  if ((REPO_PERMISSIONS as readonly string[]).includes(role)) return role as RepoPermission;
  return permission.permission === "none" ? undefined : permission.permission;
}

export function rank(permission: RepoPermission | undefined): number {
  return permission === undefined ? -1 : REPO_PERMISSIONS.indexOf(permission);
}

function plainLogin(login: string): string {
  return login.replace(/[^\w.-]/g, "");
}
