import { computeCost, sumUsage } from "../cost/compute-cost.js";
import type { PriceTable } from "../cost/prices.js";
import { narrowToChangedHunks } from "../diff/changed-lines.js";
import { parsePatch } from "../diff/parse-patch.js";
import type { FileDiff } from "../diff/types.js";
import type { ModelClient, Usage } from "../llm/types.js";
import type { Limit, Logger } from "../runtime/types.js";
import type { CountTokens } from "./count-tokens.js";
import { findChangesSince } from "./find-changes-since.js";
import { placeFindings } from "./place-comments.js";
import { type ChunkPlan, type PlanChunks, planChunksInline } from "./plan-chunks.js";
import { renderNothingToReviewBody, renderReviewBody } from "./render-review.js";
import { type ChunkFailure, type ChunkReview, mergeFailures, reviewChunk } from "./review-chunk.js";
import { renderReviewMarker } from "./review-marker.js";
import { selectFiles } from "./select-files.js";
import {
  type PullRequestGateway,
  type PullRequestInfo,
  SEVERITIES,
  type Severity,
  type SkippedFile,
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
  /** Markdown shown in the review body, e.g. configuration problems. */
  notes?: string[];
  /** Tokens and dollars in the review's footer (`show_cost`); default true. */
  showCost?: boolean;
}

/** "auto": a push or an opened PR (reviews only what is new, never the same head twice); "command": `/review`. */
export type ReviewTrigger = "auto" | "command";

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
}

/** GitHub's `pulls.listFiles` returns at most this many files (30 pages of 100), however many changed. */
export const MAX_LISTED_FILES = 3_000;

/** Requests, tokens and dollars of one model in a review. */
export interface ModelCost {
  model: string;
  requests: number;
  usage: Usage;
  costUsd: number;
}

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
}

/**
 * The main path: read the diff, skip what no model should read, narrow to what changed since the last review,
 * keep to the token budget, chunk by tokens, ask each lane's model about every chunk under the process-wide cap,
 * place each new finding on a line GitHub accepts, post one review.
 */
export async function reviewPullRequest(params: ReviewPullRequestParams): Promise<ReviewOutcome> {
  const { pr, settings, log, github } = params;
  const trigger = params.trigger ?? "auto";
  // The app's own reviews first: a redelivered or repeated trigger stops here, before reading up to 30 pages of files.
  const ownReviews = await github.listOwnReviews();
  const reviewedShas = ownReviews.flatMap((review) => (review.reviewedSha ? [review.reviewedSha] : []));
  if (trigger === "auto" && reviewedShas.includes(pr.headSha)) {
    return skippedOutcome(settings, "this commit was already reviewed");
  }
  const [files, posted] = await Promise.all([github.listFiles(), github.listOwnFingerprints()]);

  const selection = selectFiles({
    files,
    maxPatchBytes: settings.maxFilePatchBytes,
    ...(settings.exclude === undefined ? {} : { exclude: settings.exclude }),
    ...(settings.include === undefined ? {} : { include: settings.include }),
  });
  const { diffs, unparsable } = parseDiffs(selection.reviewable, log);
  const withHunks = diffs.filter((diff) => diff.hunks.length > 0);
  const sections: string[] = [];
  const unlisted = describeUnlistedFiles({ listed: files.length, changed: pr.changedFiles });
  if (unlisted !== undefined) sections.push(unlisted);

  let scope = withHunks;
  let incrementalSince: string | undefined;
  const lastSha = reviewedShas.at(-1);
  if (trigger === "auto" && lastSha !== undefined) {
    const changes = await findChangesSince({ github, lastSha, headSha: pr.headSha });
    if ("changed" in changes) {
      scope = narrowToChangedHunks(withHunks, changes.changed);
      incrementalSince = lastSha;
      if (scope.length === 0)
        return skippedOutcome(settings, "nothing reviewable changed since the last review");
      sections.push(`Reviewed what changed since ${lastSha.slice(0, 7)}, the last commit reviewed.`);
    } else {
      log.info({ lastSha, reason: changes.fullReviewBecause }, "full review instead of incremental");
      sections.push(`Full review: ${changes.fullReviewBecause}.`);
    }
  }

  const plan = await (params.planChunks ?? planChunksInline(params.countTokens))({
    diffs: scope,
    maxPrTokens: settings.maxPrTokens,
    maxChunkTokens: settings.maxChunkTokens,
    model: settings.model,
    proModel: settings.proModel,
    proPaths: settings.proPaths,
  });
  const skipped = [...selection.skipped, ...unparsable, ...plan.overBudget];
  const marker = renderReviewMarker({ headSha: pr.headSha });
  sections.push(...(settings.notes ?? []));

  if (plan.kept.length === 0) {
    const review = await github.createReview({
      commitId: pr.headSha,
      body: renderNothingToReviewBody({ skipped, headSha: pr.headSha, sections, marker }),
      comments: [],
    });
    return { ...noModelOutcome(settings), reviewId: review.id, filesSkipped: skipped.length };
  }

  const reviews = await Promise.all(
    plan.lanes.flatMap((lane) =>
      lane.chunks.map(async (chunk) => ({
        model: lane.model,
        review: await askModel(params, lane.model, chunk),
      })),
    ),
  );
  const models = costByModel(reviews, settings.prices, (params.now ?? (() => new Date()))());
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
  // Without the reviewed marker, the next push or redelivery reviews the whole PR, so no file stays unreviewed.
  if (failures.length > 0) {
    sections.push("Not every file could be reviewed: the next push reviews the whole pull request again.");
  }
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
      headSha: pr.headSha,
      sections,
      ...(failures.length === 0 ? { marker } : {}),
    }),
    comments: placed.comments.map((comment) => comment.comment),
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
    // A chunk whose only answered half had nothing to report was still reviewed.
    failed: reviews.every(({ review }) => review.answered === 0),
  };
}

function askModel(
  params: ReviewPullRequestParams,
  modelId: string,
  chunk: Parameters<typeof reviewChunk>[0]["chunk"],
) {
  const { settings } = params;
  return reviewChunk({
    chunk,
    pr: { title: params.pr.title, body: params.pr.body },
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

/** Every billed response priced at its own model's rates, grouped by model in lane order. */
function costByModel(
  reviews: { model: string; review: ChunkReview }[],
  prices: PriceTable,
  at: Date,
): ModelCost[] {
  const byModel = new Map<string, Usage[]>();
  for (const { model, review } of reviews)
    byModel.set(model, [...(byModel.get(model) ?? []), ...review.usage]);
  return [...byModel].map(([model, usages]) => ({
    model,
    requests: usages.length,
    usage: sumUsage(usages),
    costUsd: usages.reduce((sum, usage) => sum + computeCost({ usage, model, at, prices }), 0),
  }));
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

function parseDiffs(
  files: ReturnType<typeof selectFiles>["reviewable"],
  log: Logger,
): { diffs: FileDiff[]; unparsable: SkippedFile[] } {
  const diffs: FileDiff[] = [];
  const unparsable: SkippedFile[] = [];
  for (const file of files) {
    try {
      diffs.push(
        parsePatch({
          path: file.path,
          patch: file.patch ?? "",
          ...(file.previousPath === undefined ? {} : { previousPath: file.previousPath }),
        }),
      );
    } catch (error) {
      log.warn({ path: file.path, err: { message: (error as Error).message } }, "patch not parsed");
      unparsable.push({ path: file.path, reason: "its patch could not be parsed" });
    }
  }
  return { diffs, unparsable };
}
