import { sumUsage } from "../cost/compute-cost.js";
import type { PriceTable } from "../cost/prices.js";
import { createSpendMeter, type ModelCost, type SpendMeter } from "../cost/spend-meter.js";
import type { ModelClient, Usage } from "../llm/types.js";
import type { Limit, Logger } from "../runtime/types.js";
import { formatSeconds, PlanTimeoutError } from "../workers/plan-timeout-error.js";
import type { CountTokens } from "./count-tokens.js";
import { findChangesSince } from "./find-changes-since.js";
import { listPlannedCalls } from "./list-planned-calls.js";
import { placeFindings } from "./place-comments.js";
import { type ChunkPlan, type ChunkPlanRequest, type PlanChunks, planChunksInline } from "./plan-chunks.js";
import { type ReviewHistory, renderNothingToReviewBody, renderReviewBody } from "./render-review.js";
import { type ChunkFailure, mergeFailures, reviewChunk } from "./review-chunk.js";
import {
  type Finding,
  type PullRequestGateway,
  type PullRequestInfo,
  SEVERITIES,
  type Severity,
} from "./types.js";

/** Knobs of one review: the environment's defaults with the repository's configuration applied. */
export interface ReviewSettings {
  /** The model that reviews the pull request (Flash, or Pro when the whole PR is escalated). */
  model: string;
  /** The escalation model, for files matching `proPaths`. */
  proModel: string;
  proPaths: string[];
  maxChunkTokens: number;
  maxOutputTokens: number;
  maxComments: number;
  maxFilePatchBytes: number;
  /** Budget of diff tokens for the whole pull request, enforced before any model call. */
  maxPrTokens: number;
  minSeverity: Severity;
  temperature: number;
  prices: PriceTable;
  include?: string[];
  exclude?: string[];
  instructions?: string;
  language?: string;
  /** Earlier reviews of this pull request and their cost (from the ledger), for the body's running total. */
  history?: ReviewHistory;
  /** The repository's own monthly budget in dollars, when its configuration sets one lower than the app's. */
  monthlyBudgetUsd?: number;
  /** Markdown shown in the review body, e.g. configuration problems. */
  notes?: string[];
  /** Tokens and dollars in the review's footer (`show_cost`); default true. */
  showCost?: boolean;
}

/**
 * "auto": a push or an opened PR (reviews only what is new, never the same head twice); "command": `/review` or the
 * escalation label (the whole PR); "retry": files whose review failed on this head, asked again (`onlyPaths`).
 */
export type ReviewTrigger = "auto" | "command" | "retry";

export interface ReviewPullRequestParams {
  pr: PullRequestInfo;
  github: PullRequestGateway;
  model: ModelClient;
  settings: ReviewSettings;
  limit: Limit;
  countTokens: CountTokens;
  log: Logger;
  trigger?: ReviewTrigger;
  now?: () => Date;
  /** Runs the token-heavy budgeting and chunking; default: on this thread with `countTokens`. */
  planChunks?: PlanChunks;
  /** Bounds and counts every model call (src/cost/spend-meter.ts); default: a meter with no ceilings. */
  meter?: SpendMeter;
  /** With the "retry" trigger: the files to review again (the others were reviewed on this head). */
  onlyPaths?: readonly string[];
}

/** The pull request's head moved while its diff was read: the diff may be of either head, so nothing is posted. */
export class HeadMovedError extends Error {
  override name = "HeadMovedError";
  /** Reading again once the pushes settle will work. */
  readonly retryable = true;
  constructor(expected: string, actual: string) {
    super(`The head moved from ${expected.slice(0, 7)} to ${actual.slice(0, 7)} while the diff was read`);
  }
}

/** The body's note on a review that left files out (failed, or over the token budget). */
const NOT_COMPLETE = "Not every file could be reviewed: the next push reviews the whole pull request again.";

/** GitHub's `pulls.listFiles` returns at most this many files (30 pages of 100), however many changed. */
export const MAX_LISTED_FILES = 3_000;

export type { ModelCost };

/** What one review did and cost: the fields of the `review.completed` log line. */
export interface ReviewOutcome {
  /** "skipped": nothing was posted (`skippedReason` says why). */
  status: "posted" | "skipped";
  skippedReason?: string;
  reviewId?: number;
  /** The last reviewed head, when only what changed since it was reviewed. */
  incrementalSince?: string;
  model: string;
  models: ModelCost[];
  requests: number;
  usage: Usage;
  costUsd: number;
  findingsPosted: number;
  findingsNotInline: number;
  findingsAlreadyPosted: number;
  filesReviewed: number;
  filesSkipped: number;
  failures: ChunkFailure[];
  /** True when there were chunks to review and not one of them could be reviewed. */
  failed: boolean;
  /** The findings the review shows, inline then in the body (for the CLI's and the Action's own reports). */
  findings?: Finding[];
}

/**
 * The main path: read the diff, skip what no model should read, narrow to what changed since the last review,
 * keep to the token budget, chunk by tokens, ask each lane's model about every chunk under the process-wide cap,
 * place each new finding on a line GitHub accepts, post one review.
 */
export async function reviewPullRequest(params: ReviewPullRequestParams): Promise<ReviewOutcome> {
  const { pr, settings, log, github } = params;
  const trigger = params.trigger ?? "auto";
  const meter =
    params.meter ??
    createSpendMeter({ prices: settings.prices, ...(params.now === undefined ? {} : { now: params.now }) });
  // The app's own reviews first: a redelivered or repeated trigger stops here, before reading up to 30 pages of files.
  const ownReviews = await github.listOwnReviews();
  // Only a complete review counts as reviewed: after a partial one, the next push reviews the whole PR again.
  const reviewedShas = ownReviews.flatMap((review) => (review.record?.complete ? [review.record.head] : []));
  // Any review of this head and base — complete or not — ends automatic triggers: a partial one's failed files are
  // asked again by a retry job with a backoff, never by the next reopen or redelivery (no loop can re-spend on it).
  const seen = ownReviews.some(
    (review) => review.record?.head === pr.headSha && review.record.base === pr.baseSha,
  );
  if (trigger === "auto" && seen) {
    return skippedOutcome(settings, "this commit was already reviewed");
  }
  const [files, posted] = await Promise.all([github.listFiles(), github.listPostedFindings()]);
  // `listFiles` reads the pull request's current head, which may have moved since the job read it: comments
  // computed on one head's lines must never be posted on another.
  const head = await github.readHead();
  if (head.headSha !== pr.headSha) throw new HeadMovedError(pr.headSha, head.headSha);
  const sections: string[] = [];
  const unlisted = describeUnlistedFiles({ listed: files.length, changed: pr.changedFiles });
  if (unlisted !== undefined) sections.push(unlisted);

  const lastSha = trigger === "auto" ? reviewedShas.at(-1) : undefined;
  const changes =
    lastSha === undefined ? undefined : await findChangesSince({ github, lastSha, headSha: pr.headSha });
  // Selecting, parsing, masking and measuring the files run in the planner, off the main thread in production.
  const planned = await (params.planChunks ?? planChunksInline(params.countTokens))({
    files,
    pr: { title: pr.title, body: pr.body },
    maxPatchBytes: settings.maxFilePatchBytes,
    include: settings.include ?? [],
    exclude: settings.exclude ?? [],
    ...(changes !== undefined && "changed" in changes ? { changed: changes.changed } : {}),
    ...(trigger === "retry" && params.onlyPaths !== undefined ? { only: [...params.onlyPaths] } : {}),
    maxPrTokens: settings.maxPrTokens,
    maxChunkTokens: settings.maxChunkTokens,
    model: settings.model,
    proModel: settings.proModel,
    proPaths: settings.proPaths,
  } satisfies ChunkPlanRequest).catch((error: unknown) => {
    if (error instanceof PlanTimeoutError) return error;
    throw error;
  });
  if (planned instanceof PlanTimeoutError)
    return postPlanTimeout({ params, paths: files.map((file) => file.path), sections, error: planned });
  const plan = planned;
  for (const error of plan.parseErrors)
    log.warn({ path: error.path, err: { message: error.message } }, "patch not parsed");
  const withHunks = plan.diffs;
  let incrementalSince: string | undefined;
  if (lastSha !== undefined && changes !== undefined) {
    if ("changed" in changes) {
      incrementalSince = lastSha;
      if (plan.inScope.length === 0)
        return skippedOutcome(settings, "nothing reviewable changed since the last review");
      sections.push(`Reviewed what changed since ${lastSha.slice(0, 7)}, the last commit reviewed.`);
    } else {
      log.info({ lastSha, reason: changes.fullReviewBecause }, "full review instead of incremental");
      sections.push(`Full review: ${changes.fullReviewBecause}.`);
    }
  }
  const skipped = [...plan.skipped, ...plan.overBudget];
  sections.push(...(settings.notes ?? []));

  if (plan.kept.length === 0) {
    if (plan.overBudget.length > 0) sections.push(NOT_COMPLETE);
    const review = await github.createReview({
      commitId: pr.headSha,
      body: renderNothingToReviewBody({ skipped, headSha: pr.headSha, sections }),
      comments: [],
      record: { base: pr.baseSha, complete: plan.overBudget.length === 0 },
    });
    return { ...noModelOutcome(settings), reviewId: review.id, filesSkipped: skipped.length };
  }

  // Refused up front, every call of the review is refused and each chunk fails with the limit as its reason.
  await meter.admitPlan(listPlannedCalls({ plan, pr: plan.pr, settings }));
  const model = meter.wrap(params.model);
  const reviews = await Promise.all(
    plan.lanes.flatMap((lane) =>
      lane.chunks.map(async (chunk) => ({
        model: lane.model,
        review: await askModel({ ...params, model }, lane.model, chunk, plan.pr),
      })),
    ),
  );
  const { models } = meter.totals();
  if (plan.lanes.length > 1) sections.push(describeLanes(plan.lanes));

  const failures = reviews.flatMap(({ review }) => review.failures);
  const notReviewed = new Set(failures.flatMap((failure) => failure.paths));
  const all = reviews.flatMap(({ review }) => review.findings);
  const minRank = SEVERITIES.indexOf(settings.minSeverity);
  const findings = all.filter((finding) => SEVERITIES.indexOf(finding.severity) <= minRank);
  if (findings.length < all.length) {
    sections.push(
      `${all.length - findings.length} less severe than \`${settings.minSeverity}\` not shown (min_severity).`,
    );
  }
  const placed = placeFindings({
    findings,
    diffs: new Map(withHunks.map((diff) => [diff.path, diff])),
    maxComments: settings.maxComments,
    posted,
  });
  if (placed.alreadyPosted.length > 0) {
    sections.push(`${placed.alreadyPosted.length} already posted on this pull request, not repeated.`);
  }
  const reviewedFiles = plan.kept.filter((path) => !notReviewed.has(path));
  // A partial record: the next push or redelivery reviews the whole PR, so no file stays unreviewed for good.
  const complete = failures.length === 0 && plan.overBudget.length === 0;
  if (!complete) sections.push(NOT_COMPLETE);
  const usage = sumUsage(models.map((one) => one.usage));
  const requests = models.reduce((sum, one) => sum + one.requests, 0);
  const costUsd = models.reduce((sum, one) => sum + one.costUsd, 0);
  const review = await github.createReview({
    commitId: pr.headSha,
    body: renderReviewBody({
      model: models.map((one) => one.model).join(", ") || settings.model,
      reviewedFiles,
      skipped,
      notInline: placed.notInline,
      posted: placed.comments.map((comment) => comment.finding),
      // A file cut across chunks that fail alike is named once.
      failures: mergeFailures(failures),
      usage,
      requests,
      costUsd,
      showCost: settings.showCost ?? true,
      ...(settings.history === undefined ? {} : { history: settings.history }),
      headSha: pr.headSha,
      sections,
    }),
    comments: placed.comments.map((comment) => comment.comment),
    record: { base: pr.baseSha, complete },
  });
  // Comments GitHub refused went into the body instead (see src/github/post-review.ts).
  const rejected = review.rejected ?? 0;
  return {
    status: "posted",
    reviewId: review.id,
    ...(incrementalSince === undefined ? {} : { incrementalSince }),
    model: settings.model,
    models,
    requests,
    usage,
    costUsd,
    findingsPosted: placed.comments.length - rejected,
    findingsNotInline: placed.notInline.length + rejected,
    findingsAlreadyPosted: placed.alreadyPosted.length,
    filesReviewed: reviewedFiles.length,
    filesSkipped: skipped.length,
    failures,
    findings: [...placed.comments, ...placed.notInline].map((one) => one.finding),
    // A chunk whose only answered half had nothing to report was still reviewed.
    failed: reviews.every(({ review }) => review.answered === 0),
  };
}

function askModel(
  params: ReviewPullRequestParams,
  modelId: string,
  chunk: Parameters<typeof reviewChunk>[0]["chunk"],
  pr: ChunkPlan["pr"],
) {
  const { settings } = params;
  return reviewChunk({
    chunk,
    pr,
    model: params.model,
    modelId,
    maxOutputTokens: settings.maxOutputTokens,
    temperature: settings.temperature,
    limit: params.limit,
    log: params.log,
    ...(settings.instructions === undefined ? {} : { instructions: settings.instructions }),
    ...(settings.language === undefined ? {} : { language: settings.language }),
  });
}

function describeLanes(lanes: ChunkPlan["lanes"]): string {
  return lanes
    .map(
      (lane) => `\`${lane.model}\` reviewed ${lane.files.length} file${lane.files.length === 1 ? "" : "s"}`,
    )
    .join("; ")
    .concat(".");
}

/**
 * The body's note on files GitHub did not list, when the list stopped at its cap short of `changed_files`. A count
 * from an older head (a push since) over a shorter list says nothing about the cap, so it gets no note.
 */
function describeUnlistedFiles(params: { listed: number; changed: number | undefined }): string | undefined {
  const { listed, changed } = params;
  if (changed === undefined || changed <= listed || listed < MAX_LISTED_FILES) return undefined;
  const missing = changed - listed;
  const files =
    missing === 1 ? "1 changed file was" : `${missing.toLocaleString("en-US")} changed files were`;
  return `GitHub lists at most ${MAX_LISTED_FILES.toLocaleString("en-US")} files of a pull request: ${files} not reviewed.`;
}

/**
 * A pull request too expensive to plan within the time limit: a review saying so, listing every file as not
 * reviewed, with no reviewed marker (the next push or `/review` tries again), and a failed outcome with the reason.
 */
async function postPlanTimeout(context: {
  params: ReviewPullRequestParams;
  paths: string[];
  sections: string[];
  error: PlanTimeoutError;
}): Promise<ReviewOutcome> {
  const { params, paths, error } = context;
  const reason = `too expensive to plan: planning took longer than ${formatSeconds(error.timeoutMs)}`;
  const note = `**Too expensive to plan:** reading this pull request's files took longer than ${formatSeconds(error.timeoutMs)} (the app's \`REVIEW_PLAN_TIMEOUT_MS\`), so nothing was sent to the model. Smaller pull requests, or \`paths.exclude\` for generated files, help.`;
  const review = await params.github.createReview({
    commitId: params.pr.headSha,
    body: renderNothingToReviewBody({
      skipped: paths.map((path) => ({ path, reason: "not reviewed: too expensive to plan" })),
      headSha: params.pr.headSha,
      sections: [...context.sections, note, ...(params.settings.notes ?? [])],
    }),
    comments: [],
    record: { base: params.pr.baseSha, complete: false },
  });
  params.log.warn({ files: paths.length, timeoutMs: error.timeoutMs }, "plan timed out");
  return {
    ...noModelOutcome(params.settings),
    reviewId: review.id,
    filesSkipped: paths.length,
    failures: [{ paths, reason, retryable: false }],
    failed: true,
  };
}

function skippedOutcome(settings: ReviewSettings, reason: string): ReviewOutcome {
  return { ...noModelOutcome(settings), status: "skipped", skippedReason: reason };
}

/** The outcome of a review that called no model. */
function noModelOutcome(settings: ReviewSettings): ReviewOutcome {
  return {
    status: "posted",
    model: settings.model,
    models: [],
    requests: 0,
    usage: sumUsage([]),
    costUsd: 0,
    findingsPosted: 0,
    findingsNotInline: 0,
    findingsAlreadyPosted: 0,
    filesReviewed: 0,
    filesSkipped: 0,
    failures: [],
    failed: false,
  };
}
