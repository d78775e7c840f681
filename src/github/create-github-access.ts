import type { Probot, ProbotOctokit } from "probot";
import type { PullRequestGateway } from "../review/types.js";
import type { ThreadsGateway } from "../threads/types.js";
import { type AnswerGateway, createAnswerGateway } from "./create-answer-gateway.js";
import { createCheckRunGateway } from "./create-check-run-gateway.js";
import { createPullRequestGateway } from "./create-pull-request-gateway.js";
import { createRepositoryGateway } from "./create-repository-gateway.js";
import { createThreadsGateway } from "./create-threads-gateway.js";
import { type ReadRepoConfigParams, readRepoConfig } from "./read-repo-config.js";
import type { CheckRunGateway, RepositoryGateway } from "./types.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub as one installation sees it: the gateways a job needs, rebuilt from the installation id. */
export interface InstallationGitHub {
  pullRequest(ref: { owner: string; repo: string; number: number }): PullRequestGateway;
  repository(ref: { owner: string; repo: string }): RepositoryGateway;
  readConfig(ref: { owner: string; repo: string }): ReturnType<typeof readRepoConfig>;
  /** The pull request's review threads (GraphQL). */
  threads(ref: { owner: string; repo: string; number: number }): ThreadsGateway;
  /** What answering a reply or a mention needs. */
  answers(ref: { owner: string; repo: string }): AnswerGateway;
  /** The app's own login, `<slug>[bot]`. */
  botLogin: string;
  /** The app's check runs, named after the app. */
  checkRuns(ref: { owner: string; repo: string }): CheckRunGateway;
}

export interface GitHubAccess {
  forInstallation(installationId: number): Promise<InstallationGitHub>;
  /** The app's own login, `<slug>[bot]`, asked of GitHub once per process (for telling mentions of the app). */
  botLogin(): Promise<string>;
}

/**
 * Builds an installation's gateways from its id alone (a job is plain data): an Octokit authenticated as the
 * installation, and the app's own login, asked of GitHub once per process.
 */
export function createGitHubAccess(params: {
  app: Pick<Probot, "auth">;
  /** Owners `_extends` may name besides the repository's own (`CONFIG_EXTENDS_OWNERS`). */
  extendsOwners?: readonly string[];
}): GitHubAccess {
  const botLogin = memoizeBotLogin(params.app);
  return {
    async forInstallation(installationId) {
      const [octokit, login] = await Promise.all([
        params.app.auth(installationId) as Promise<Octokit>,
        botLogin(),
      ]);
      return installationGitHub(octokit, login, params.extendsOwners ?? []);
    },
    botLogin,
  };
}

export function installationGitHub(
  octokit: Octokit,
  botLogin: string,
  extendsOwners: readonly string[],
): InstallationGitHub {
  return {
    pullRequest: (ref) => createPullRequestGateway(octokit, { ...ref, botLogin }),
    repository: (ref) => createRepositoryGateway(octokit, ref),
    readConfig: (ref) => readRepoConfig(octokit, { ...ref, extendsOwners } satisfies ReadRepoConfigParams),
    threads: (ref) => createThreadsGateway(octokit, ref),
    answers: (ref) => createAnswerGateway(octokit, ref),
    botLogin,
    checkRuns: (ref) => createCheckRunGateway(octokit, { ...ref, name: botLogin.replace(/\[bot\]$/, "") }),
  };
}

/** The app's own login (`<slug>[bot]`), asked of GitHub once; a failed attempt is retried by the next job. */
function memoizeBotLogin(app: Pick<Probot, "auth">): () => Promise<string> {
  let login: Promise<string> | undefined;
  return () => {
    login ??= app
      .auth()
      .then((octokit) => octokit.rest.apps.getAuthenticated())
      .then(({ data }) => `${data?.slug ?? ""}[bot]`)
      .catch((error: unknown) => {
        login = undefined;
        throw error;
      });
    return login;
  };
}
