/** A pull request as the app's handlers and jobs see it, converted from REST or webhook objects. */
export interface PullRequestState {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  headSha: string;
  baseSha: string;
  /** The base branch's name (`base.ref`), when known. */
  baseRef?: string;
  draft: boolean;
  state: "open" | "closed";
  author: string;
  labels: string[];
  /** How many files the pull request changes (`changed_files`), when GitHub says. */
  changedFiles?: number;
  /** The pull request's page (`html_url`), for links to its reviews. */
  htmlUrl?: string;
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

/** What a check run shows: its state and its output (markdown rendered by src/render/render-check-run.ts). */
export interface CheckRunDraft {
  status: "in_progress" | "completed";
  /** With `completed` only. */
  conclusion?: "neutral" | "failure";
  title: string;
  summary: string;
  text?: string;
}

/** The app's check run on a commit: named after the app, created and updated by it alone. */
export interface CheckRunGateway {
  /** Creates the check run on `headSha`; returns its id. */
  create(headSha: string, run: CheckRunDraft): Promise<number>;
  update(id: number, run: CheckRunDraft): Promise<void>;
}
