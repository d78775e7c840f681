import type { ConfigProblem } from "../../src/config/repo-config.js";
import type { GitHubAccess, InstallationGitHub } from "../../src/github/create-github-access.js";
import type {
  CheckRunDraft,
  PullRequestState,
  RepositoryGateway,
  UserPermission,
} from "../../src/github/types.js";
import type { PullRequestFile } from "../../src/review/types.js";
import { createRecordingGateway, type RecordingGateway } from "./fakes.js";

export interface FakeGitHub extends GitHubAccess {
  /** The pull request gateway every job gets (one per fake), recording the reviews posted. */
  readonly pullRequest: RecordingGateway;
  readonly replies: { number: number; body: string }[];
  readonly reactions: { commentId: number; content: string }[];
  readonly permissionsAsked: string[];
  readonly installations: number[];
  /** Every check run call, in order: a create (with its head) or an update of the run with that id. */
  readonly checkRuns: (({ op: "create"; headSha: string } | { op: "update"; id: number }) & CheckRunDraft)[];
}

/**
 * GitHub for job tests, in memory: one pull request (`pull`), its files, the repository's configuration (the
 * merged YAML object, or a function that throws), and the commenter's permission. Every call can be made to fail
 * with `fail`.
 */
export function createFakeGitHub(params: {
  pull: PullRequestState;
  files?: PullRequestFile[];
  config?: unknown;
  configProblems?: ConfigProblem[];
  readConfig?: () => Promise<unknown>;
  permission?: UserPermission;
  fail?: Error;
  reviewId?: number;
}): FakeGitHub {
  const replies: FakeGitHub["replies"] = [];
  const reactions: FakeGitHub["reactions"] = [];
  const permissionsAsked: string[] = [];
  const installations: number[] = [];
  const checkRuns: FakeGitHub["checkRuns"] = [];
  const pullRequest = createRecordingGateway({
    files: params.files ?? [],
    headSha: params.pull.headSha,
    baseSha: params.pull.baseSha,
    reviewId: params.reviewId ?? 99,
  });
  const failIfAsked = () => {
    if (params.fail !== undefined) throw params.fail;
  };
  const repository: RepositoryGateway = {
    async getPullRequest() {
      failIfAsked();
      return params.pull;
    },
    async getPermission(username) {
      failIfAsked();
      permissionsAsked.push(username);
      return params.permission ?? { permission: "write", roleName: "write" };
    },
    async reactToComment(commentId, content) {
      failIfAsked();
      reactions.push({ commentId, content });
    },
    async replyOnPullRequest(number, body) {
      failIfAsked();
      replies.push({ number, body });
    },
  };
  const installation: InstallationGitHub = {
    pullRequest: () => pullRequest,
    repository: () => repository,
    async readConfig() {
      failIfAsked();
      const raw = params.readConfig === undefined ? (params.config ?? null) : await params.readConfig();
      return { raw, problems: params.configProblems ?? [] };
    },
    threads: () => ({
      async listThreads() {
        failIfAsked();
        return [];
      },
      async replyAndResolve() {
        failIfAsked();
      },
    }),
    answers: () => {
      throw new Error("the fake GitHub answers no one");
    },
    botLogin: "deepseek-review[bot]",
    checkRuns: () => ({
      async create(headSha, run) {
        checkRuns.push({ op: "create", headSha, ...run });
        return checkRuns.length;
      },
      async update(id, run) {
        checkRuns.push({ op: "update", id, ...run });
      },
    }),
  };
  return {
    pullRequest,
    replies,
    reactions,
    permissionsAsked,
    installations,
    checkRuns,
    async forInstallation(id) {
      installations.push(id);
      return installation;
    },
    async botLogin() {
      return "deepseek-review[bot]";
    },
  };
}
