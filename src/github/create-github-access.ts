import type { Probot, ProbotOctokit } from "probot";
import type { PullRequestGateway } from "../review/types.js";
import { createCheckRunGateway } from "./create-check-run-gateway.js";
import { createPullRequestGateway } from "./create-pull-request-gateway.js";
import { createRepositoryGateway } from "./create-repository-gateway.js";
import { type ReadRepoConfigParams, readRepoConfig } from "./read-repo-config.js";
import type { CheckRunGateway, RepositoryGateway } from "./types.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub as one installation sees it: the gateways a job needs, rebuilt from the installation id. */
export interface InstallationGitHub {
  pullRequest(ref: { owner: string; repo: string; number: number }): PullRequestGateway;
  repository(ref: { owner: string; repo: string }): RepositoryGateway;
  readConfig(ref: { owner: string; repo: string }): ReturnType<typeof readRepoConfig>;
  /** The app's check runs, named after the app. */
  checkRuns(ref: { owner: string; repo: string }): CheckRunGateway;
}

export interface GitHubAccess {
  forInstallation(installationId: number): Promise<InstallationGitHub>;
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
