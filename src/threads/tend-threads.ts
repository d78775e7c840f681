import type { FindingIdentity } from "../records/record-schema.js";
import { severityOfCommentBody } from "../review/format-comment.js";
import type { PullRequestFile, Severity } from "../review/types.js";
import type { Logger } from "../runtime/types.js";
import type { LedgerEntry, Store, ThreadEvent } from "../store/types.js";
import { decideThread, RESOLVED_REPLY_PREFIX, type ThreadDecision } from "./decide-thread.js";
import { headCodeOf } from "./head-code-of.js";
import { type ThreadTally, tallyOf } from "./tally-threads.js";
import type { ThreadsGateway } from "./types.js";

/** Threads the app resolves in one run at most: the rest wait for the next push (GitHub's write limits). */
export const MAX_RESOLVES_PER_RUN = 20;

/** What tending the threads left for the review: findings never to raise again, and the pull request's tally. */
export interface TendedThreads {
  dismissed: FindingIdentity[];
  tally: ThreadTally;
  /**
   * The app's findings still open on the pull request, by severity: its threads nobody resolved, dismissed or
   * acted on (what `fail_on` holds against a push that does not touch them).
   */
  open: Record<Severity, number>;
}

/** The step the review pipeline calls once it has the head's files (src/review/review-pull-request.ts). */
export type TendThreads = (params: {
  files: readonly PullRequestFile[];
  /** False when GitHub's file list may be cut short. */
  complete: boolean;
  /** The findings the app's inline comments carry: with none, the app has no thread to read. */
  posted: readonly FindingIdentity[];
}) => Promise<TendedThreads>;

export interface TendThreadsParams {
  gateway: ThreadsGateway;
  botLogin: string;
  store: Pick<Store, "recordThreadEvent" | "listThreadEvents">;
  /** The pull request's ledger rows, as the job read them (for the findings posted in the tally). */
  runs: readonly LedgerEntry[];
  ref: { installationId: number; repo: string; pr: number };
  headSha: string;
  log: Logger;
  now?: () => number;
}

/**
 * Reads the pull request's review threads (bounded), resolves the app's own threads whose code changed (one-line
 * reply, then `resolveReviewThread`; at most MAX_RESOLVES_PER_RUN), records what people dismissed, and returns every
 * finding dismissed on this pull request so far (this run's and the store's: a dismissal lasts even when the
 * 👎 or the reply goes away). Threads the app did not start are never touched. Ends in one `threads.tended` line.
 */
export function createTendThreads(params: TendThreadsParams): TendThreads {
  return async ({ files, complete, posted }) => {
    const { ref, log } = params;
    const now = params.now ?? Date.now;
    const headCode = headCodeOf({ files, complete });
    const threads = posted.length === 0 ? [] : await params.gateway.listThreads();
    const decisions = threads.map((thread) => ({
      thread,
      decision: decideThread({ thread, botLogin: params.botLogin, headCode }),
    }));
    const record = (event: Omit<ThreadEvent, "installationId" | "repo" | "pr" | "at">) =>
      params.store.recordThreadEvent({ ...event, ...ref, at: now() });

    let resolved = 0;
    let newlyDismissed = 0;
    let left = 0;
    for (const { thread, decision } of decisions) {
      if (decision.action === "dismissed") {
        const isNew = await record({
          key: thread.id,
          kind: "dismissed",
          finding: decision.identity,
          detail: decision.by,
        });
        if (isNew) newlyDismissed++;
      } else if (decision.action === "acted-on") {
        await record({ key: thread.id, kind: "acted-on", finding: decision.identity });
      } else if (decision.action === "resolve") {
        if (resolved >= MAX_RESOLVES_PER_RUN) {
          left++;
          continue;
        }
        await params.gateway.replyAndResolve(thread.id, resolveReply(decision, params.headSha));
        await record({ key: thread.id, kind: "acted-on", finding: decision.identity });
        resolved++;
      }
    }
    const events = await params.store.listThreadEvents({ repo: ref.repo, pr: ref.pr });
    const dismissed = events.flatMap((event) =>
      event.kind === "dismissed" && event.finding !== undefined ? [event.finding] : [],
    );
    const tally = tallyOf({ events, runs: params.runs });
    const open: Record<Severity, number> = { critical: 0, major: 0, minor: 0, nit: 0 };
    for (const { thread, decision } of decisions) {
      if (decision.action !== "keep" || thread.isResolved) continue;
      const severity = severityOfCommentBody(thread.comments[0]?.body ?? "");
      if (severity !== undefined) open[severity] += 1;
    }
    log.info(
      {
        threads: threads.length,
        own: decisions.filter(({ decision }) => decision.action !== "ignore").length,
        resolved,
        ...(left > 0 ? { resolveLater: left } : {}),
        dismissed: newlyDismissed,
        tally,
      },
      "threads.tended",
    );
    return { dismissed, tally, open };
  };
}

/** The one line the app writes in a thread it resolves. */
export function resolveReply(
  decision: Extract<ThreadDecision, { action: "resolve" }>,
  headSha: string,
): string {
  return `${RESOLVED_REPLY_PREFIX} at ${headSha.slice(0, 7)}, ${decision.reason} Reopen this thread if the point still holds.`;
}
