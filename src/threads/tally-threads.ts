import type { LedgerEntry, ThreadEvent } from "../store/types.js";

/** What became of a pull request's (or a repository's) findings: the numbers teams audit a review bot by. */
export interface ThreadTally {
  /** Inline findings the app posted (from the ledger). */
  posted: number;
  /** Findings whose thread the app resolved because the code changed. */
  actedOn: number;
  /** Findings a person dismissed (👎, "won't fix", resolved unchanged): rejected. */
  dismissed: number;
  /** Replies and mentions the app answered. */
  answered: number;
}

/** Counts the ledger's posted findings and the thread events, each event once. */
export function tallyOf(params: {
  events: readonly Pick<ThreadEvent, "kind">[];
  runs: readonly Pick<LedgerEntry, "findingsPosted">[];
}): ThreadTally {
  const count = (kind: ThreadEvent["kind"]) => params.events.filter((event) => event.kind === kind).length;
  return {
    posted: params.runs.reduce((sum, run) => sum + run.findingsPosted, 0),
    actedOn: count("acted-on"),
    dismissed: count("dismissed"),
    answered: count("answered"),
  };
}

/** One short line for a review body, or undefined when there is nothing to tell yet. */
export function renderThreadTally(tally: ThreadTally): string | undefined {
  if (tally.posted + tally.actedOn + tally.dismissed + tally.answered === 0) return undefined;
  const parts = [
    `${tally.posted} finding${tally.posted === 1 ? "" : "s"} posted`,
    `${tally.actedOn} acted on`,
    `${tally.dismissed} dismissed`,
    `${tally.answered} repl${tally.answered === 1 ? "y" : "ies"} answered`,
  ];
  return `Before this review: ${parts.join(" · ")}.`;
}
