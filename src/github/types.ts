/** A pull request as the app's handlers and jobs see it, converted from REST or webhook objects. */
export interface PullRequestState {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  headSha: string;
  baseSha: string;
  draft: boolean;
  state: "open" | "closed";
  author: string;
  labels: string[];
  /** How many files the pull request changes (`changed_files`), when GitHub says. */
  changedFiles?: number;
}

/** A user's access to a repository: GitHub's `permission` and the finer `role_name` (maintain, triage, custom). */
export interface UserPermission {
  permission: "admin" | "write" | "read" | "none";
  roleName: string;
}

/** What the `/review` command needs from GitHub for one repository. */
export interface RepositoryGateway {
  getPullRequest(number: number): Promise<PullRequestState>;
  getPermission(username: string): Promise<UserPermission>;
  /** Adds a reaction (e.g. "eyes") to an issue or pull request comment. */
  reactToComment(commentId: number, content: "eyes" | "+1" | "confused"): Promise<void>;
  /** Posts a plain comment on the pull request's conversation. */
  replyOnPullRequest(number: number, body: string): Promise<void>;
}
