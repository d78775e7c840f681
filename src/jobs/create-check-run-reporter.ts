import { statusOf } from "../github/http-status.js";
import type { CheckRunDraft, CheckRunGateway } from "../github/types.js";
import type { ReviewProgress } from "../review/types.js";
import type { Logger } from "../runtime/types.js";

/** Least time between two progress updates of a check run. */
export const PROGRESS_INTERVAL_MS = 5_000;
/** Most progress updates per review, whatever its size: one REST call each. */
export const MAX_PROGRESS_UPDATES = 10;

export interface CheckRunReporter {
  /** Shows how far the review is: creates the check run (in progress) the first time, then updates it at most every
   * `PROGRESS_INTERVAL_MS` and `MAX_PROGRESS_UPDATES` times. Never waits and never throws. */
  progress(progress: ReviewProgress): void;
  /** Completes the check run (creating it when no progress was shown), after every update in flight. Never throws. */
  complete(run: CheckRunDraft): Promise<void>;
}

/**
 * The check run of one review on `headSha`. A failure to write it (e.g. an installation that has not granted
 * `checks: write` yet) is logged once and never stops the review.
 */
export function createCheckRunReporter(params: {
  checks: CheckRunGateway;
  headSha: string;
  render: (progress: ReviewProgress) => CheckRunDraft;
  log: Logger;
  clock?: () => number;
}): CheckRunReporter {
  const clock = params.clock ?? Date.now;
  let created: Promise<number | undefined> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let lastSentAt = 0;
  let updates = 0;
  let broken = false;
  const fail = (error: unknown) => {
    // The status and the first line only: an HTTP error's full text may quote the request it failed on.
    const message = String((error as Error).message ?? error)
      .split("\n", 1)[0]
      ?.slice(0, 200);
    if (!broken) params.log.warn({ status: statusOf(error), err: { message } }, "check run not written");
    broken = true;
  };
  return {
    progress(progress) {
      if (broken) return;
      const now = clock();
      if (created === undefined) {
        lastSentAt = now;
        created = params.checks.create(params.headSha, params.render(progress)).catch((error: unknown) => {
          fail(error);
          return undefined;
        });
        chain = created.then(() => {});
        return;
      }
      if (now - lastSentAt < PROGRESS_INTERVAL_MS || updates >= MAX_PROGRESS_UPDATES) return;
      lastSentAt = now;
      updates += 1;
      const run = params.render(progress);
      chain = chain.then(async () => {
        const id = await created;
        if (id !== undefined && !broken) await params.checks.update(id, run).catch(fail);
      });
    },
    async complete(run) {
      await chain;
      if (created === undefined) {
        await params.checks.create(params.headSha, run).catch(fail);
        return;
      }
      const id = await created;
      if (id !== undefined) await params.checks.update(id, run).catch(fail);
    },
  };
}
