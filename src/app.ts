import type { Context, Probot } from "probot";
import { createDeliveryLog } from "./github/create-delivery-log.js";
import { createPullRequestGateway } from "./github/create-pull-request-gateway.js";
import { createRepositoryGateway, pullRequestStateFromPayload } from "./github/create-repository-gateway.js";
import { guardHandler, issueCommentEventSchema, pullRequestEventSchema } from "./github/guard-handler.js";
import type { PullRequestState } from "./github/types.js";
import type { JobDeps, JobScope } from "./jobs/job-deps.js";
import { parseReviewCommand } from "./jobs/parse-review-command.js";
import { runAutoReview } from "./jobs/run-auto-review.js";
import { runReviewCommand } from "./jobs/run-review-command.js";
import type { ReviewQueue } from "./queue/review-queue.js";

export interface AppDeps extends JobDeps {
  queue: ReviewQueue;
}

/** Events on which a pull request is reviewed automatically. */
export const REVIEW_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.synchronize",
] as const;

export const CONFIG_FILE = "deepseek-review.yml";

/** The Probot app: handlers only decide whether to act and enqueue; every review runs from the queue. */
export function createApp(deps: AppDeps) {
  return (app: Probot) => {
    const botLogin = memoizeBotLogin(app);
    const deliveries = createDeliveryLog();
    const redelivered = (context: Context) => {
      if (deliveries.firstTime(context.id)) return false;
      context.log.info({ delivery: context.id, event: context.name }, "delivery already processed; ignored");
      return true;
    };

    app.on(
      [...REVIEW_EVENTS],
      guardHandler(pullRequestEventSchema, async (context) => {
        if (redelivered(context)) return;
        const { payload } = context;
        const pr = pullRequestStateFromPayload(payload.pull_request, payload.repository);
        const log = context.log.child({ repo: `${pr.owner}/${pr.repo}`, pr: pr.number, headSha: pr.headSha });
        if (pr.state !== "open") return;
        deps.queue.enqueue({
          pr: `${pr.owner}/${pr.repo}#${pr.number}`,
          kind: "auto",
          headSha: pr.headSha,
          log,
          run: async () => runAutoReview({ pr, deps, scope: await jobScope(context, pr, botLogin, log) }),
        });
      }),
    );

    app.on(
      "issue_comment.created",
      guardHandler(issueCommentEventSchema, async (context) => {
        if (redelivered(context)) return;
        const { comment, issue, repository, sender } = context.payload;
        if (!issue.pull_request || comment.user?.type === "Bot" || sender.type === "Bot") return;
        const command = parseReviewCommand(comment.body ?? "");
        if (command === undefined) return;
        const ref = { owner: repository.owner.login, repo: repository.name, number: issue.number };
        const log = context.log.child({
          repo: `${ref.owner}/${ref.repo}`,
          pr: ref.number,
          command: command.kind,
        });
        const repositoryGateway = createRepositoryGateway(context.octokit, ref);
        // Acknowledge at once, without holding up the webhook's answer; the command waits its turn in the queue.
        void repositoryGateway
          .reactToComment(comment.id, "eyes")
          .catch((error: unknown) =>
            log.warn({ err: { message: (error as Error).message } }, "reaction not added"),
          );
        const queued = deps.queue.enqueue({
          // Help only replies: it has a lane of its own, so a /review waiting for the PR never swallows it.
          pr: `${ref.owner}/${ref.repo}#${ref.number}${command.kind === "help" ? " (help)" : ""}`,
          kind: "command",
          log,
          run: async () =>
            runReviewCommand({
              command,
              number: ref.number,
              user: comment.user?.login ?? sender.login,
              repository: repositoryGateway,
              deps,
              scope: await jobScope(context, ref, botLogin, log),
            }),
        });
        log.info({ user: sender.login, queued }, "review command received");
      }),
    );
  };
}

async function jobScope(
  context: Context<"pull_request" | "issue_comment">,
  ref: Pick<PullRequestState, "owner" | "repo" | "number">,
  botLogin: () => Promise<string>,
  log: JobScope["log"],
): Promise<JobScope> {
  const installationId = "installation" in context.payload ? context.payload.installation?.id : undefined;
  return {
    github: createPullRequestGateway(context.octokit, { ...ref, botLogin: await botLogin() }),
    readConfig: () => context.config(CONFIG_FILE),
    log,
    ...(installationId === undefined ? {} : { installationId }),
  };
}

/** The app's own login (`<slug>[bot]`), asked of GitHub once; a failed attempt is retried by the next job. */
function memoizeBotLogin(app: Probot): () => Promise<string> {
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
