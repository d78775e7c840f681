import { withFields } from "../runtime/types.js";
import type { JobHandlers, QueuedJob } from "../store/types.js";
import type { JobDeps } from "./job-deps.js";
import { runAnswerJob } from "./run-answer-job.js";
import { runCommandJob } from "./run-command-job.js";
import { runReviewJob } from "./run-review-job.js";

/** A review whose every attempt failed for a reason worth retrying: the queue gives it up and the PR is told. */
export class ReviewGivenUpError extends Error {
  override name = "ReviewGivenUpError";
}

/** How the queue runs each kind of job, and what it does with one that failed for good. */
export function createJobHandlers(deps: JobDeps): JobHandlers {
  return {
    async run(queued) {
      const { job } = queued;
      if (job.type === "command") {
        await runCommandJob({ queued, job, deps });
        return;
      }
      if (job.type === "answer") {
        await runAnswerJob({ queued, job, deps });
        return;
      }
      const result = await runReviewJob({ queued, job, deps });
      // The last attempt failed outside the model (GitHub down, say): give the job up, so the PR is told once.
      if (
        result.status === "failed" &&
        result.outcome === undefined &&
        queued.attempt >= queued.maxAttempts &&
        queued.attempt > 1
      ) {
        throw new ReviewGivenUpError(result.reason);
      }
    },
    async giveUp(queued, reason) {
      await tellThePullRequest(deps, queued, reason);
    },
  };
}

async function tellThePullRequest(deps: JobDeps, queued: QueuedJob, reason: string): Promise<void> {
  const { job } = queued as { job: QueuedJob["job"] | undefined };
  if (job === undefined) {
    // A stored job this version cannot read: nothing says which pull request it was for.
    deps.log.error({ job: queued.id, attempts: queued.attempt, reason }, "job given up");
    return;
  }
  const log = withFields(deps.log, { repo: `${job.owner}/${job.repo}`, pr: job.number, job: queued.id });
  log.error({ attempts: queued.attempt, reason }, "job given up");
  if (job.type !== "review") return;
  try {
    const github = await deps.github.forInstallation(job.installationId);
    await github
      .repository({ owner: job.owner, repo: job.repo })
      .replyOnPullRequest(
        job.number,
        `I could not review this pull request after ${queued.attempt} attempts (${plainReason(reason)}). Comment \`/review\` to try again.`,
      );
  } catch (error) {
    log.warn(
      { err: { message: (error as Error).message } },
      "could not tell the pull request that its review was given up",
    );
  }
}

/** The reason's first sentence without markup: it is shown on the pull request. */
function plainReason(reason: string): string {
  return reason
    .replace(/^ReviewGivenUpError: /, "")
    .replace(/[`<>@[\]]/g, "")
    .slice(0, 200);
}
