import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { ProbotOctokit } from "probot";
import { inlineCode } from "../review/sanitize-markdown.js";
import type { ReviewComment } from "../review/types.js";
import { hasStatus, statusOf } from "./http-status.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface PostReviewRef {
  owner: string;
  repo: string;
  number: number;
  /** The app's own login (e.g. "deepseek-review[bot]"): only its reviews are looked at. */
  botLogin: string;
}

export interface ReviewToPost {
  commitId: string;
  body: string;
  comments: ReviewComment[];
}

export interface PostedReview {
  id: number;
  /** Comments GitHub would not place on the diff; they are listed in the body of the review instead. */
  rejected: ReviewComment[];
}

export interface PostReviewOptions {
  /** Waits between attempts of a request whose answer was lost. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Identifies this post among the app's reviews, hidden in its body. Default: a random UUID. */
  nonce?: string;
}

/** GitHub's limit on a review body, in characters. */
export const MAX_GITHUB_BODY_CHARS = 65_536;
/** Attempts of one POST whose answer was lost (5xx, network error) before giving up. */
const MAX_ATTEMPTS = 3;
/** Wait before the second attempt; doubled before each further one. */
const RETRY_BASE_MS = 1_000;
/** Octokit's retry plugin must not repeat a POST that GitHub may have applied: we check, then retry ourselves. */
const NO_AUTO_RETRY = { retries: 0 };
const REJECTED_HEADING =
  "#### Comments GitHub did not accept\n\nGitHub refused to place these comments on the diff, so they are listed here:";

/** GitHub refused the review itself, not just some of its inline comments. Sending it again will not help. */
export class ReviewRejectedError extends Error {
  override name = "ReviewRejectedError";
  readonly retryable = false;
  readonly status = 422;
}

interface Context {
  octokit: Octokit;
  ref: PostReviewRef;
  sleep: (ms: number) => Promise<void>;
  /** The hidden line that tells this post apart from every other review, even one on the same commit. */
  postMarker: string;
}

/**
 * Posts one review with event COMMENT, exactly once. When GitHub rejects it (422, which does not say which
 * comment is at fault), finds the rejected comments by bisection with pending reviews, which GitHub validates but
 * nobody sees (each is deleted at once), then posts the others inline and the rejected ones in the body.
 * A POST whose answer is lost (5xx, network error) is only sent again when the app's reviews do not show it.
 */
export async function postReview(
  octokit: Octokit,
  ref: PostReviewRef,
  review: ReviewToPost,
  options: PostReviewOptions = {},
): Promise<PostedReview> {
  const context: Context = {
    octokit,
    ref,
    sleep: options.sleep ?? ((ms) => delay(ms)),
    postMarker: `<!-- deepseek-review:post=${options.nonce ?? randomUUID()} -->`,
  };
  try {
    return { id: await publish(context, review), rejected: [] };
  } catch (error) {
    if (!hasStatus(error, 422)) throw error;
    if (review.comments.length === 0) throw rejectedReviewError(review, error);
  }

  await deleteOwnPendingReviews(context);
  if (!(await probe(context, review.commitId, [], review.body))) {
    throw rejectedReviewError(review, undefined);
  }
  const rejected = await rejectedAmong(review.comments, (comments) =>
    probe(context, review.commitId, comments),
  );
  const accepted = review.comments.filter((comment) => !rejected.includes(comment));
  const body = addRejectedSection(
    review.body,
    rejected,
    MAX_GITHUB_BODY_CHARS - context.postMarker.length - 2,
  );
  try {
    return { id: await publish(context, { commitId: review.commitId, body, comments: accepted }), rejected };
  } catch (error) {
    if (!hasStatus(error, 422)) throw error;
    throw new ReviewRejectedError(
      `GitHub rejected the review on commit ${review.commitId} after ${rejected.length} inline comment(s) it ` +
        `did not accept were moved into the body: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/** Creates the visible review; after a lost answer, looks for it before sending it again. Returns its id. */
async function publish(context: Context, review: ReviewToPost): Promise<number> {
  const { octokit, ref } = context;
  for (let attempt = 1; ; attempt++) {
    try {
      const { data } = await octokit.rest.pulls.createReview({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        commit_id: review.commitId,
        event: "COMMENT",
        body: `${review.body}\n\n${context.postMarker}`,
        comments: review.comments.map(toRestComment),
        request: NO_AUTO_RETRY,
      });
      return data.id;
    } catch (error) {
      if (!isAnswerLost(error)) throw error;
      const posted = await findPosted(context);
      if (posted !== undefined) return posted;
      if (attempt >= MAX_ATTEMPTS) throw error;
      await context.sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
    }
  }
}

/** The id of the published review that carries this post's marker, if GitHub created it. */
async function findPosted(context: Context): Promise<number | undefined> {
  const reviews = await listOwnReviews(context);
  return reviews.find((review) => review.state !== "PENDING" && review.body?.includes(context.postMarker))
    ?.id;
}

/**
 * Whether GitHub accepts these comments (and body) on `commitId`, asked with a pending review that is deleted
 * right away. Only one pending review per user and pull request can exist, so none may be left behind.
 */
async function probe(
  context: Context,
  commitId: string,
  comments: ReviewComment[],
  body?: string,
): Promise<boolean> {
  const { octokit, ref } = context;
  for (let attempt = 1; ; attempt++) {
    let pendingId: number | undefined;
    try {
      const { data } = await octokit.rest.pulls.createReview({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        commit_id: commitId,
        ...(body === undefined ? {} : { body }),
        comments: comments.map(toRestComment),
        request: NO_AUTO_RETRY,
      });
      pendingId = data.id;
      return true;
    } catch (error) {
      if (hasStatus(error, 422)) return false;
      if (!isAnswerLost(error)) throw error;
      // GitHub may have created the pending review even so: every later probe would fail while it exists.
      await cleanUpAfter(error, () => deleteOwnPendingReviews(context));
      if (attempt >= MAX_ATTEMPTS) throw error;
      await context.sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
    } finally {
      if (pendingId !== undefined) await deletePendingReview(context, pendingId);
    }
  }
}

/**
 * The items of `items` that `accepts` refuses on their own, given that it refuses `items` as a whole and that a
 * set is refused exactly when it holds a refused item. Halves are asked one after the other.
 */
async function rejectedAmong<T>(items: T[], accepts: (items: T[]) => Promise<boolean>): Promise<T[]> {
  if (items.length <= 1) return items;
  const middle = Math.ceil(items.length / 2);
  const left = items.slice(0, middle);
  const right = items.slice(middle);
  if (await accepts(left)) return rejectedAmong(right, accepts);
  const rejectedLeft = await rejectedAmong(left, accepts);
  return (await accepts(right)) ? rejectedLeft : [...rejectedLeft, ...(await rejectedAmong(right, accepts))];
}

/** Deletes any pending review of the app on the pull request, e.g. one left by a crash or a lost answer. */
async function deleteOwnPendingReviews(context: Context): Promise<void> {
  const reviews = await listOwnReviews(context);
  for (const review of reviews.filter((one) => one.state === "PENDING")) {
    await deletePendingReview(context, review.id);
  }
}

async function deletePendingReview(context: Context, reviewId: number): Promise<void> {
  const { octokit, ref } = context;
  try {
    await octokit.rest.pulls.deletePendingReview({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.number,
      review_id: reviewId,
    });
  } catch (error) {
    // Already gone is what we wanted.
    if (!hasStatus(error, 404)) throw error;
  }
}

async function listOwnReviews(context: Context) {
  const { octokit, ref } = context;
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
    per_page: 100,
  });
  const login = ref.botLogin.toLowerCase();
  return reviews.filter((review) => review.user?.login.toLowerCase() === login);
}

/** Runs `cleanUp` after `error`; if the clean-up fails too, both errors are thrown together. */
async function cleanUpAfter(error: unknown, cleanUp: () => Promise<void>): Promise<void> {
  try {
    await cleanUp();
  } catch (cleanUpError) {
    throw new AggregateError(
      [error, cleanUpError],
      "a request to GitHub failed and its pending review could not be cleaned up",
    );
  }
}

/**
 * `body` with a section listing the rejected comments before its footer (the last `---` rule), within
 * `maxLength` characters: comments that do not fit are counted, not shown; the section is left out if even
 * that does not fit.
 */
function addRejectedSection(body: string, rejected: ReviewComment[], maxLength: number): string {
  if (rejected.length === 0) return body;
  const items = rejected.map(rejectedItem);
  const budget = maxLength - body.length - 2;
  let shown = items.length;
  let section = renderRejectedSection(items, shown);
  while (shown > 0 && section.length > budget) {
    shown--;
    section = renderRejectedSection(items, shown);
  }
  if (section.length > budget) return body;
  const footer = body.lastIndexOf("\n\n---\n");
  return footer === -1
    ? `${body}\n\n${section}`
    : `${body.slice(0, footer)}\n\n${section}${body.slice(footer)}`;
}

function renderRejectedSection(items: string[], shown: number): string {
  const omitted = items.length - shown;
  const more =
    omitted === 0 ? [] : [`- …and ${omitted} more, left out to keep this review under GitHub's size limit.`];
  return [REJECTED_HEADING, ...items.slice(0, shown), ...more].join("\n\n");
}

function rejectedItem(comment: ReviewComment): string {
  const lines = comment.startLine === undefined ? `${comment.line}` : `${comment.startLine}-${comment.line}`;
  const side = comment.side === "LEFT" ? " (removed lines)" : "";
  const body = comment.body
    .split("\n")
    .map((line) => (line === "" ? "" : `  ${line}`))
    .join("\n");
  return `- ${inlineCode(`${comment.path}:${lines}`)}${side}${body === "" ? "" : `\n\n${body}`}`;
}

function rejectedReviewError(review: ReviewToPost, cause: unknown): ReviewRejectedError {
  const reason = cause === undefined ? "" : ` (${messageOf(cause)})`;
  return new ReviewRejectedError(
    `GitHub rejected the review on commit ${review.commitId} even without inline comments${reason}: the ` +
      "commit may no longer be part of the pull request (the head moved on), or the body was refused.",
    cause === undefined ? undefined : { cause },
  );
}

function toRestComment(comment: ReviewComment) {
  return {
    path: comment.path,
    body: comment.body,
    line: comment.line,
    side: comment.side,
    ...(comment.startLine === undefined
      ? {}
      : { start_line: comment.startLine, start_side: comment.startSide ?? comment.side }),
  };
}

/** A server error or a failed connection (Octokit reports both as ≥ 500): GitHub may have applied the request. */
function isAnswerLost(error: unknown): boolean {
  return (statusOf(error) ?? 0) >= 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
