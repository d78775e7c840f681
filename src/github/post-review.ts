import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { ProbotOctokit } from "probot";
import { readFindingRecord, readReviewRecord } from "../records/read-record.js";
import { type FindingIdentity, MAX_REFUSED_IN_RECORD, type ReviewRecord } from "../records/record-schema.js";
import { appendRecord, renderRecord } from "../records/render-record.js";
import { neutraliseHtmlComments, truncateText } from "../review/sanitize-markdown.js";
import type { ReviewComment, ReviewRecordDraft } from "../review/types.js";
import { addNotInlineSections, type NotInline } from "./add-not-inline-sections.js";
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
  /** The review's body, without a record: posting appends it. */
  body: string;
  /** Inline comments; the last line of each body is its finding's record (see place-comments.ts). */
  comments: ReviewComment[];
  /** The record's fields the pipeline knows; the head, the post's nonce and the refused comments are added here. */
  record: ReviewRecordDraft;
}

/** The posted review; its `refused` comments' identities are in its record, `notChecked` ones are not. */
export interface PostedReview extends NotInline {
  id: number;
}

export interface PostReviewOptions {
  /** Waits between attempts of a request whose answer was lost. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Identifies this post among the app's reviews, in its record. Default: a random UUID. */
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
  /** Tells this post apart from every other review, even one on the same commit; carried in its record. */
  nonce: string;
  /** Pending reviews (probes) that may still be created, each attempt counted. */
  probesLeft: number;
}

/** Which comments GitHub refuses on their own, which it accepts, and which were not checked. */
interface Verdict extends NotInline {
  accepted: ReviewComment[];
}

/**
 * Posts one review with event COMMENT, exactly once, its record as the last line of its body. When GitHub rejects
 * it (422, which does not say which comment is at fault), asks GitHub with pending reviews, which it validates but
 * nobody sees (each is deleted at once): the whole body, then all the comments, then halves of every refused set
 * down to single comments. A comment is called refused only when GitHub refused it on its own. When none is, the
 * 422 came from elsewhere (a transient error, a leftover pending review, now deleted) and the review is sent again
 * as it was, once. At most 2n + 4 probes for n comments; past that, what was not proven good is listed as not
 * checked. A POST whose answer is lost (5xx, network error) is only sent again when the app's reviews do not show it.
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
    nonce: options.nonce ?? randomUUID(),
    probesLeft: 2 * review.comments.length + 4,
  };
  // The app's renderers neutralise echoed text; this makes sure of it for the whole body.
  const body = neutraliseHtmlComments(review.body);
  const asItWas = () =>
    publish(context, {
      commitId: review.commitId,
      body: withRecord(body, recordOf(context, review, [])),
      comments: review.comments,
    });
  try {
    return { id: await asItWas(), refused: [], notChecked: [] };
  } catch (error) {
    if (!hasStatus(error, 422)) throw error;
    if (review.comments.length === 0) throw rejectedReviewError(review, error);
  }

  await deleteOwnPendingReviews(context);
  if ((await probe(context, review.commitId, [], body)) === "refused") {
    throw rejectedReviewError(review, undefined);
  }
  const verdict = await sortComments(context, review.commitId, review.comments);
  if (verdict.refused.length === 0 && verdict.notChecked.length === 0) {
    return { id: await retryAsItWas(review, asItWas), refused: [], notChecked: [] };
  }
  const identities = verdict.refused.flatMap((comment) => readFindingRecord(comment.body) ?? []);
  const record = recordOf(context, review, identities.slice(0, MAX_REFUSED_IN_RECORD));
  const final = withRecord(
    addNotInlineSections(body, verdict, MAX_GITHUB_BODY_CHARS - recordLength(record)),
    record,
  );
  try {
    const id = await publish(context, { commitId: review.commitId, body: final, comments: verdict.accepted });
    return { id, refused: verdict.refused, notChecked: verdict.notChecked };
  } catch (error) {
    if (!hasStatus(error, 422)) throw error;
    throw new ReviewRejectedError(
      `GitHub rejected the review on commit ${review.commitId} after ${verdict.refused.length + verdict.notChecked.length} ` +
        `inline comment(s) it did not accept or that could not be checked were moved into the body: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/** No comment is refused on its own: the review goes again as it was, once; a second 422 is final. */
async function retryAsItWas(review: ReviewToPost, asItWas: () => Promise<number>): Promise<number> {
  try {
    return await asItWas();
  } catch (error) {
    if (!hasStatus(error, 422)) throw error;
    throw new ReviewRejectedError(
      `GitHub rejected the review on commit ${review.commitId} twice, although it accepts its body and each of its ` +
        `${review.comments.length} inline comment(s) in a pending review: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

function recordOf(context: Context, review: ReviewToPost, refused: FindingIdentity[]): ReviewRecord {
  return { kind: "review", head: review.commitId, ...review.record, post: context.nonce, refused };
}

/** `body` cut to leave room for the record (only reachable when the pipeline's body is over its own cap), then it. */
function withRecord(body: string, record: ReviewRecord): string {
  return appendRecord(truncateText(body.trimEnd(), MAX_GITHUB_BODY_CHARS - recordLength(record)), record);
}

/** The characters the record takes at the end of a body, with the blank line before it. */
function recordLength(record: ReviewRecord): number {
  return renderRecord(record).length + 2;
}

/**
 * Sorts `comments`, which GitHub refused together with the review's body: all of them in one pending review first
 * (accepted: the 422 was not theirs), then halves of every refused set, down to the comments refused on their own.
 */
async function sortComments(context: Context, commitId: string, comments: ReviewComment[]): Promise<Verdict> {
  const verdict: Verdict = { accepted: [], refused: [], notChecked: [] };
  const answer = await probe(context, commitId, comments);
  if (answer === "accepted") verdict.accepted.push(...comments);
  else if (answer === "unchecked") verdict.notChecked.push(...comments);
  else await narrow(context, commitId, comments, verdict);
  return verdict;
}

/** `group` was refused as a whole by a probe: asks about each half in turn, and goes on into those refused. */
async function narrow(
  context: Context,
  commitId: string,
  group: ReviewComment[],
  verdict: Verdict,
): Promise<void> {
  if (group.length === 1) {
    verdict.refused.push(...group);
    return;
  }
  const middle = Math.ceil(group.length / 2);
  for (const half of [group.slice(0, middle), group.slice(middle)]) {
    const answer = await probe(context, commitId, half);
    if (answer === "accepted") verdict.accepted.push(...half);
    else if (answer === "unchecked") verdict.notChecked.push(...half);
    else await narrow(context, commitId, half, verdict);
  }
}

/** What one POST creates: the body, its record last, and the inline comments. */
interface Publication {
  commitId: string;
  body: string;
  comments: ReviewComment[];
}

/** Creates the visible review; after a lost answer, looks for it before sending it again. Returns its id. */
async function publish(context: Context, publication: Publication): Promise<number> {
  const { octokit, ref } = context;
  for (let attempt = 1; ; attempt++) {
    try {
      const { data } = await octokit.rest.pulls.createReview({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        commit_id: publication.commitId,
        event: "COMMENT",
        body: publication.body,
        comments: publication.comments.map(toRestComment),
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

/** The id of the published review whose record carries this post's nonce, if GitHub created it. */
async function findPosted(context: Context): Promise<number | undefined> {
  const reviews = await listOwnReviews(context);
  return reviews.find(
    (review) =>
      review.state !== "PENDING" &&
      review.commit_id !== null &&
      readReviewRecord(review.body, review.commit_id)?.post === context.nonce,
  )?.id;
}

/**
 * Whether GitHub accepts these comments (and body) on `commitId`, asked with a pending review that is deleted
 * right away. Only one pending review per user and pull request can exist, so none may be left behind. Every
 * attempt counts against the cap on probes; past it, the answer is "unchecked".
 */
async function probe(
  context: Context,
  commitId: string,
  comments: ReviewComment[],
  body?: string,
): Promise<"accepted" | "refused" | "unchecked"> {
  const { octokit, ref } = context;
  for (let attempt = 1; ; attempt++) {
    if (context.probesLeft <= 0) return "unchecked";
    context.probesLeft--;
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
      return "accepted";
    } catch (error) {
      if (hasStatus(error, 422)) return "refused";
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
