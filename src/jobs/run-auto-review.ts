import type { PullRequestState } from "../github/types.js";
import { decideAutoReview } from "./decide-auto-review.js";
import type { JobDeps, JobScope } from "./job-deps.js";
import { loadRepoConfig } from "./load-repo-config.js";
import { runReview, spendControlsOf } from "./run-review.js";
import { proReasonFor, settingsForReview } from "./settings-for-review.js";

/** The job of a pull_request event: apply the repository's rules, then review what is new. Never throws. */
export async function runAutoReview(params: {
  pr: PullRequestState;
  deps: JobDeps;
  scope: JobScope;
}): Promise<void> {
  const { pr, deps, scope } = params;
  await runReview({
    pr,
    trigger: "auto",
    github: scope.github,
    model: deps.model,
    limit: deps.limit,
    countTokens: deps.countTokens,
    ...(deps.planChunks === undefined ? {} : { planChunks: deps.planChunks }),
    log: scope.log,
    ...spendControlsOf(deps, scope),
    settings: async () => {
      const { config, problems } = await loadRepoConfig({
        read: scope.readConfig,
        defaults: deps.process.repoDefaults,
        log: scope.log,
      });
      const decision = decideAutoReview({ pr, config });
      if (!decision.review) return { skip: decision.reason };
      return settingsForReview({
        process: deps.process,
        config,
        problems,
        pro: proReasonFor({ config, labels: pr.labels }),
      });
    },
  });
}
