import type { Context, Probot } from "probot";
import { createPullRequestGateway } from "./github/create-pull-request-gateway.js";
import { runReview } from "./jobs/run-review.js";
import type { ReviewQueue } from "./queue/review-queue.js";
import type { CountTokens } from "./review/count-tokens.js";
import type { ReviewSettings } from "./review/review-pull-request.js";
import type { Limit, ModelClient, PullRequestInfo } from "./review/types.js";

export interface AppDeps {
  settings: ReviewSettings;
  model: ModelClient;
  /** Process-wide cap on model calls in flight. */
  limit: Limit;
  queue: ReviewQueue;
  countTokens: CountTokens;
}

/** Events on which a pull request is reviewed automatically. */
export const REVIEW_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.synchronize",
] as const;

/** The Probot app: handlers only decide whether to act and enqueue; the review runs from the queue. */
export function createApp(deps: AppDeps) {
  return (app: Probot) => {
    app.on([...REVIEW_EVENTS], async (context) => {
      enqueuePullRequestReview(context, deps);
    });
  };
}

function enqueuePullRequestReview(context: Context<(typeof REVIEW_EVENTS)[number]>, deps: AppDeps): void {
  const { pull_request: pull, repository } = context.payload;
  const pr: PullRequestInfo = {
    owner: repository.owner.login,
    repo: repository.name,
    number: pull.number,
    title: pull.title,
    body: pull.body ?? "",
    headSha: pull.head.sha,
    baseSha: pull.base.sha,
  };
  const log = context.log.child({ repo: `${pr.owner}/${pr.repo}`, pr: pr.number, headSha: pr.headSha });
  if (pull.state !== "open") {
    log.info({ action: context.payload.action }, "pull request is not open; not reviewed");
    return;
  }
  if (pull.draft) {
    log.info({ action: context.payload.action }, "draft pull request; reviewed when marked ready");
    return;
  }
  const octokit = context.octokit;
  deps.queue.enqueue(
    `${pr.owner}/${pr.repo}#${pr.number}@${pr.headSha}`,
    () =>
      runReview({
        pr,
        github: createPullRequestGateway(octokit, pr),
        model: deps.model,
        settings: deps.settings,
        limit: deps.limit,
        countTokens: deps.countTokens,
        log,
      }),
    log,
  );
}
