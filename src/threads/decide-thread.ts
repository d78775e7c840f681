import { readFindingRecord } from "../records/read-record.js";
import type { FindingIdentity } from "../records/record-schema.js";
import { matchDismissal } from "./match-dismissal.js";
import type { ReviewThread, ThreadComment } from "./types.js";

/**
 * The significant code of a file at the pull request's head, as hashes of its lines (`codeLineHash`):
 * "absent" when the pull request no longer changes the file, "unknown" when it cannot be told (no patch).
 */
export type HeadCode = ReadonlySet<string> | "absent" | "unknown";

/** How a person dismissed a finding of the app. */
export type DismissedBy = "reaction" | "reply" | "resolved";

/** What the app does with one review thread. */
export type ThreadDecision =
  /** Not a thread the app started (or its first comment carries no record of the app): never touched. */
  | { action: "ignore" }
  /** The app's thread, left as it is; `why` is for the logs. */
  | { action: "keep"; identity: FindingIdentity; why: string }
  /** The commented code changed or is gone: reply `reason` and resolve. */
  | { action: "resolve"; identity: FindingIdentity; reason: string }
  /** A person said the finding is not to be fixed: never raised again on this pull request. */
  | { action: "dismissed"; identity: FindingIdentity; by: DismissedBy; phrase?: string }
  /** Resolved by the app itself earlier, because the code changed. */
  | { action: "acted-on"; identity: FindingIdentity };

/** The first words of every reply the app posts when it resolves its own thread. */
export const RESOLVED_REPLY_PREFIX = "Resolved:";

/**
 * Decides one thread, deterministically, from GitHub's state alone. Only threads whose first comment is the app's
 * (`botLogin`) and carries its finding record are ever the app's; of those:
 * - resolved by a person while the code was unchanged (not outdated) → dismissed;
 * - a 👎 on the app's comment, or a person's reply saying "won't fix", "false positive", … → dismissed;
 * - outdated, no person wrote after the app's last comment, and the commented code no longer appears among the
 *   pull request's changes at the head (or the file is no longer changed) → resolve, saying why;
 * - anything else stays as it is. A thread a person is still discussing is never resolved.
 */
export function decideThread(params: {
  thread: ReviewThread;
  botLogin: string;
  headCode: (path: string) => HeadCode;
}): ThreadDecision {
  const { thread } = params;
  const isApp = (comment: ThreadComment) => sameLogin(comment.author, params.botLogin);
  const first = thread.comments[0];
  if (first === undefined || !isApp(first)) return { action: "ignore" };
  const identity = readFindingRecord(first.body);
  if (identity === undefined) return { action: "ignore" };
  const people = (comment: ThreadComment) => !comment.authorIsBot && !isApp(comment) && comment.author !== "";

  if (thread.isResolved) {
    const resolvedByApp = thread.comments.some(
      (comment) => isApp(comment) && comment.body.startsWith(RESOLVED_REPLY_PREFIX),
    );
    if (resolvedByApp) return { action: "acted-on", identity };
    // GraphQL may name the app by its slug alone: either form is the app, not a person.
    const resolver = thread.resolvedBy;
    const byPerson =
      resolver !== undefined &&
      !sameLogin(resolver, params.botLogin) &&
      !sameLogin(`${resolver}[bot]`, params.botLogin);
    if (byPerson && !thread.isOutdated) return { action: "dismissed", identity, by: "resolved" };
    return { action: "keep", identity, why: "resolved" };
  }
  if (first.thumbsDownBy.some((login) => !sameLogin(login, params.botLogin) && !login.endsWith("[bot]")))
    return { action: "dismissed", identity, by: "reaction" };
  for (const comment of thread.comments.slice(1)) {
    if (!people(comment)) continue;
    const phrase = matchDismissal(comment.body);
    if (phrase !== undefined) return { action: "dismissed", identity, by: "reply", phrase };
  }
  if (thread.truncated) return { action: "keep", identity, why: "a long conversation" };
  const lastApp = thread.comments.findLastIndex(isApp);
  if (thread.comments.slice(lastApp + 1).some(people))
    return { action: "keep", identity, why: "a person wrote after the app" };
  if (!thread.isOutdated) return { action: "keep", identity, why: "not outdated" };
  const reason = whyGone(identity, params.headCode(thread.path));
  return reason === undefined
    ? { action: "keep", identity, why: "the commented code is still there" }
    : { action: "resolve", identity, reason };
}

/** Why the commented code is gone at the head, or undefined when it is still there (or cannot be told). */
function whyGone(identity: FindingIdentity, code: HeadCode): string | undefined {
  if (code === "unknown") return undefined;
  if (code === "absent") return "this pull request no longer changes the file.";
  if (identity.side !== "RIGHT" || identity.code.length === 0) return undefined;
  return identity.code.every((hash) => code.has(hash))
    ? undefined
    : "the code this comment pointed at changed or was removed.";
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
