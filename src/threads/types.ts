/** One comment of a review thread, converted from GitHub's GraphQL answer at the edge (src/github/). */
export interface ThreadComment {
  /** The REST id (`databaseId`): replies and answers are addressed by it. */
  id: number;
  /** The author's login; "" when GitHub shows none (a deleted account). */
  author: string;
  /** True when the author is a bot or an app (GraphQL `__typename` Bot), the app itself included. */
  authorIsBot: boolean;
  body: string;
  /** ISO 8601, as GitHub writes it. */
  createdAt: string;
  /** Logins that reacted 👎 to this comment (at most the first page GitHub returns). */
  thumbsDownBy: string[];
}

/** One review thread of a pull request, as far as the app reads it. */
export interface ReviewThread {
  /** GraphQL node id: replies and `resolveReviewThread` take it. */
  id: string;
  isResolved: boolean;
  /** GitHub's own verdict: the diff the thread was placed on changed since. */
  isOutdated: boolean;
  /** Who resolved it, when GitHub names a user (an app resolving shows none). */
  resolvedBy?: string;
  path: string;
  /** The thread's line at the current head; null when GitHub could not carry it over. */
  line: number | null;
  /** The thread's comments, oldest first (at most MAX_THREAD_COMMENTS). */
  comments: ThreadComment[];
  /** True when the thread has more comments than were read: it is left alone (humans are talking). */
  truncated: boolean;
}

/** Review threads and the two things the app does to its own: reply, and resolve. Implemented in src/github/. */
export interface ThreadsGateway {
  /** The pull request's review threads, at most MAX_THREADS_READ of them, oldest first. */
  listThreads(): Promise<ReviewThread[]>;
  /** Posts `body` as a reply in the thread and resolves it, in one request. */
  replyAndResolve(threadId: string, body: string): Promise<void>;
}

/** Review threads the app reads per pull request and run: past it, later threads wait for a later run. */
export const MAX_THREADS_READ = 200;
/** Comments read per thread: a longer thread is a conversation the app stays out of. */
export const MAX_THREAD_COMMENTS = 30;
