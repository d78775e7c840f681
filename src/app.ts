import type { Context, Probot } from "probot";
import { createGitHubAccess } from "./github/create-github-access.js";
import {
  type PullRequestFields,
  pullRequestStateFromPayload,
  type RepositoryFields,
} from "./github/create-repository-gateway.js";
import {
  guardHandler,
  issueCommentEventSchema,
  pullRequestEventSchema,
  pullRequestLabeledEventSchema,
  reviewCommentEventSchema,
} from "./github/guard-handler.js";
import { createJobHandlers } from "./jobs/create-job-handlers.js";
import type { Job, ReviewTrigger } from "./jobs/job.js";
import type { JobDeps } from "./jobs/job-deps.js";
import { parseReviewCommand } from "./jobs/parse-review-command.js";
import { mentionsApp } from "./threads/mentions-app.js";

export type AppDeps = Omit<JobDeps, "github" | "log"> & Partial<Pick<JobDeps, "github" | "log">>;

/** Events on which a pull request is reviewed automatically (`edited` only when its base branch changed). */
export const REVIEW_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.synchronize",
  "pull_request.edited",
] as const;

/**
 * The Probot app: handlers only validate, drop redeliveries and write the job to the durable queue before the
 * webhook is answered; every job runs from the queue, rebuilt from its data (src/jobs/create-job-handlers.ts).
 */
export function createApp(deps: AppDeps) {
  return async (app: Probot) => {
    const jobDeps = jobDepsFor(deps, app);
    const enqueue = async (context: Context, job: Job) => {
      if (!(await deps.store.firstDelivery(context.id))) {
        context.log.info(
          { delivery: context.id, event: context.name },
          "delivery already processed; ignored",
        );
        return;
      }
      let result: Awaited<ReturnType<typeof deps.store.queue.enqueue>>;
      try {
        result = await deps.store.queue.enqueue(job);
      } catch (error) {
        // Not queued: a redelivery of this delivery must be taken.
        await deps.store.forgetDelivery(context.id).catch(() => undefined);
        throw error;
      }
      context.log.info(
        { delivery: context.id, repo: `${job.owner}/${job.repo}`, pr: job.number, job: job.type, result },
        "job queued",
      );
    };

    /** Queues a review of an open pull request's head; `trigger` says why, given that head. */
    const enqueueReview = async (
      context: Context,
      payload: {
        pull_request: PullRequestFields;
        repository: RepositoryFields;
        installation: { id: number };
      },
      trigger: (headSha: string) => ReviewTrigger,
    ) => {
      const pr = pullRequestStateFromPayload(payload.pull_request, payload.repository);
      if (pr.state !== "open") return;
      await enqueue(context, {
        type: "review",
        installationId: payload.installation.id,
        owner: pr.owner,
        repo: pr.repo,
        number: pr.number,
        deliveryId: context.id,
        trigger: trigger(pr.headSha),
      });
    };

    app.on(
      [...REVIEW_EVENTS],
      guardHandler(pullRequestEventSchema, async (context, payload) => {
        if (payload.action === "edited" && payload.changes?.base === undefined) return;
        await enqueueReview(context, payload, (headSha) => ({
          kind: "auto",
          event: `pull_request.${payload.action}`,
          headSha,
        }));
      }),
    );

    app.on(
      "pull_request.labeled",
      guardHandler(pullRequestLabeledEventSchema, async (context, payload) => {
        await enqueueReview(context, payload, (headSha) => ({
          kind: "label",
          label: payload.label.name,
          headSha,
        }));
      }),
    );

    app.on(
      "issue_comment.created",
      guardHandler(issueCommentEventSchema, async (context, payload) => {
        const { comment, issue, repository, sender, installation } = payload;
        if (!issue.pull_request || comment.user?.type === "Bot" || sender.type === "Bot") return;
        const command = parseReviewCommand(comment.body ?? "");
        if (command === undefined) {
          // Not a command: perhaps a question for the app (`@<slug>`), answered by an answer job.
          const body = comment.body ?? "";
          if (!body.includes("@")) return;
          const slug = (await jobDeps.github.botLogin()).replace(/\[bot\]$/, "");
          if (!mentionsApp(body, slug)) return;
          await enqueue(context, {
            type: "answer",
            installationId: installation.id,
            owner: repository.owner.login,
            repo: repository.name,
            number: issue.number,
            deliveryId: context.id,
            commentId: comment.id,
            user: comment.user?.login ?? sender.login,
            where: { kind: "mention" },
          });
          return;
        }
        await enqueue(context, {
          type: "command",
          installationId: installation.id,
          owner: repository.owner.login,
          repo: repository.name,
          number: issue.number,
          deliveryId: context.id,
          command,
          user: comment.user?.login ?? sender.login,
          commentId: comment.id,
        });
      }),
    );

    // A reply in a review thread: answered when the thread is the app's and the person may run /review (the job
    // checks both). Only `created`: an edited comment never asks again; a bot (the app included) is never answered.
    app.on(
      "pull_request_review_comment.created",
      guardHandler(reviewCommentEventSchema, async (context, payload) => {
        const { comment, pull_request, repository, sender, installation } = payload;
        if (!comment.in_reply_to_id || comment.user?.type === "Bot" || sender.type === "Bot") return;
        await enqueue(context, {
          type: "answer",
          installationId: installation.id,
          owner: repository.owner.login,
          repo: repository.name,
          number: pull_request.number,
          deliveryId: context.id,
          commentId: comment.id,
          user: comment.user?.login ?? sender.login,
          where: { kind: "thread", inReplyTo: comment.in_reply_to_id },
        });
      }),
    );

    // Handlers first (a webhook may arrive while the queue starts), then the queue: it resumes unfinished jobs.
    await deps.store.queue.start(createJobHandlers(jobDeps));
  };
}

function jobDepsFor(deps: AppDeps, app: Probot): JobDeps {
  return {
    ...deps,
    github: deps.github ?? createGitHubAccess({ app, extendsOwners: deps.process.extendsOwners }),
    log: deps.log ?? app.log,
  };
}
