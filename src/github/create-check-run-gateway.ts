import type { ProbotOctokit } from "probot";
import type { CheckRunDraft, CheckRunGateway } from "./types.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub's limit on a check run's `output.summary` and `output.text`, in characters. */
export const MAX_CHECK_RUN_OUTPUT_CHARS = 65_535;

/**
 * The app's check runs on a repository (`checks: write`), named `name` (the app's slug). Only GitHub Apps can
 * write check runs, and a check run is only ever changed by the app that created it.
 * https://docs.github.com/rest/checks/runs#create-a-check-run
 */
export function createCheckRunGateway(
  octokit: Octokit,
  ref: { owner: string; repo: string; name: string },
): CheckRunGateway {
  return {
    async create(headSha, run) {
      const { data } = await octokit.rest.checks.create({
        owner: ref.owner,
        repo: ref.repo,
        name: ref.name,
        head_sha: headSha,
        ...fields(run),
        ...(run.status === "in_progress" ? { started_at: new Date().toISOString() } : {}),
      });
      return data.id;
    },
    async update(id, run) {
      await octokit.rest.checks.update({
        owner: ref.owner,
        repo: ref.repo,
        check_run_id: id,
        ...fields(run),
      });
    },
  };
}

function fields(run: CheckRunDraft) {
  return {
    status: run.status,
    ...(run.status === "completed"
      ? { conclusion: run.conclusion ?? "neutral", completed_at: new Date().toISOString() }
      : {}),
    output: {
      title: run.title.slice(0, 1_000),
      summary: run.summary.slice(0, MAX_CHECK_RUN_OUTPUT_CHARS),
      ...(run.text === undefined ? {} : { text: run.text.slice(0, MAX_CHECK_RUN_OUTPUT_CHARS) }),
    },
  };
}
