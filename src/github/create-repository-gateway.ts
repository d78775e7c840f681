import type { ProbotOctokit } from "probot";
import { hasStatus } from "./http-status.js";
import type { PullRequestState, RepositoryGateway, UserPermission } from "./types.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The fields of a pull request that REST (`pulls.get`) and webhook payloads share and that we read. */
export interface PullRequestFields {
  number: number;
  title: string;
  body?: string | null | undefined;
  draft?: boolean | undefined;
  state: "open" | "closed";
  user: { login: string } | null;
  labels: ReadonlyArray<{ name: string }>;
  head: { sha: string };
  base: { sha: string; ref?: string | undefined };
  changed_files?: number | undefined;
  html_url?: string | undefined;
}

/** The fields of a webhook `repository` object that we read. */
export interface RepositoryFields {
  name: string;
  owner: { login: string };
}

/** GitHub's name for the author of a pull request whose account was deleted. */
const GHOST = "ghost";

/** The `/review` command's access to GitHub for one repository. */
export function createRepositoryGateway(
  octokit: Octokit,
  ref: { owner: string; repo: string },
): RepositoryGateway {
  const repository: RepositoryFields = { name: ref.repo, owner: { login: ref.owner } };
  return {
    async getPullRequest(number) {
      const { data } = await octokit.rest.pulls.get({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: number,
      });
      return pullRequestStateFromPayload(data, repository);
    },
    async getPermission(username) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner: ref.owner,
          repo: ref.repo,
          username,
        });
        return { permission: toPermission(data.permission), roleName: data.role_name };
      } catch (error) {
        if (hasStatus(error, 404)) {
          return { permission: "none", roleName: "none" };
        }
        throw error;
      }
    },
    async reactToComment(commentId, content) {
      await octokit.rest.reactions.createForIssueComment({
        owner: ref.owner,
        repo: ref.repo,
        comment_id: commentId,
        content,
      });
    },
    async replyOnPullRequest(number, body) {
      await octokit.rest.issues.createComment({
        owner: ref.owner,
        repo: ref.repo,
        issue_number: number,
        body,
      });
    },
  };
}

/** A webhook `pull_request` (or a `pulls.get` answer) and its repository as our `PullRequestState`. */
export function pullRequestStateFromPayload(
  pull: PullRequestFields,
  repository: RepositoryFields,
): PullRequestState {
  return {
    owner: repository.owner.login,
    repo: repository.name,
    number: pull.number,
    title: pull.title,
    body: pull.body ?? "",
    headSha: pull.head.sha,
    baseSha: pull.base.sha,
    ...(typeof pull.base.ref === "string" ? { baseRef: pull.base.ref } : {}),
    draft: pull.draft ?? false,
    state: pull.state,
    author: pull.user?.login ?? GHOST,
    labels: pull.labels.map((label) => label.name),
    ...(typeof pull.changed_files === "number" ? { changedFiles: pull.changed_files } : {}),
    ...(typeof pull.html_url === "string" ? { htmlUrl: pull.html_url } : {}),
  };
}

/**
 * GitHub's `permission` as one of the four levels. It already reports maintain as write and triage as read;
 * should a finer role ever come through, it is mapped the same way, and anything unknown grants nothing.
 */
function toPermission(permission: string): UserPermission["permission"] {
  switch (permission) {
    case "admin":
    case "write":
    case "read":
    case "none":
      return permission;
    case "maintain":
      return "write";
    case "triage":
      return "read";
    default:
      return "none";
  }
}
