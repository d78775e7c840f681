import { computeCost, sumUsage } from "../cost/compute-cost.js";
import type { PriceTable } from "../cost/prices.js";
import { parsePatch } from "../diff/parse-patch.js";
import type { FileDiff } from "../diff/types.js";
import { chunkDiff } from "./chunk-diff.js";
import type { CountTokens } from "./count-tokens.js";
import { placeFindings } from "./place-comments.js";
import { renderNothingToReviewBody, renderReviewBody } from "./render-review.js";
import { type ChunkFailure, mergeFailures, reviewChunk } from "./review-chunk.js";
import { selectFiles } from "./select-files.js";
import type {
  Limit,
  Logger,
  ModelClient,
  PullRequestGateway,
  PullRequestInfo,
  SkippedFile,
  Usage,
} from "./types.js";

/** Knobs of one review; defaults come from the environment (src/config/env.ts). */
export interface ReviewSettings {
  model: string;
  maxChunkTokens: number;
  maxOutputTokens: number;
  maxComments: number;
  maxFilePatchBytes: number;
  temperature: number;
  prices: PriceTable;
  exclude?: string[];
  instructions?: string;
  language?: string;
}

export interface ReviewPullRequestParams {
  pr: PullRequestInfo;
  github: PullRequestGateway;
  model: ModelClient;
  settings: ReviewSettings;
  limit: Limit;
  countTokens: CountTokens;
  log: Logger;
  now?: () => Date;
}

/** What one review did and cost: the fields of the `review.completed` log line. */
export interface ReviewOutcome {
  reviewId: number;
  model: string;
  requests: number;
  usage: Usage;
  costUsd: number;
  findingsPosted: number;
  findingsNotInline: number;
  filesReviewed: number;
  filesSkipped: number;
  failures: ChunkFailure[];
  /** True when there were chunks to review and not one of them could be reviewed. */
  failed: boolean;
}

/**
 * The main path: read the diff, skip what no model should read, chunk by tokens, ask the model about
 * every chunk under the process-wide cap, place each finding on a line GitHub accepts, post one review.
 */
export async function reviewPullRequest(params: ReviewPullRequestParams): Promise<ReviewOutcome> {
  const { pr, settings, log } = params;
  const now = params.now ?? (() => new Date());

  const files = await params.github.listFiles();
  const selection = selectFiles({
    files,
    maxPatchBytes: settings.maxFilePatchBytes,
    ...(settings.exclude === undefined ? {} : { exclude: settings.exclude }),
  });
  const { diffs, unparsable } = parseDiffs(selection.reviewable, log);
  const skipped = [...selection.skipped, ...unparsable];
  const withHunks = diffs.filter((diff) => diff.hunks.length > 0);

  if (withHunks.length === 0) {
    const review = await params.github.createReview({
      commitId: pr.headSha,
      body: renderNothingToReviewBody({ skipped, headSha: pr.headSha }),
      comments: [],
    });
    return {
      reviewId: review.id,
      model: settings.model,
      requests: 0,
      usage: sumUsage([]),
      costUsd: 0,
      findingsPosted: 0,
      findingsNotInline: 0,
      filesReviewed: 0,
      filesSkipped: skipped.length,
      failures: [],
      failed: false,
    };
  }

  const chunks = chunkDiff({
    files: withHunks,
    maxTokens: settings.maxChunkTokens,
    countTokens: params.countTokens,
  });
  log.debug({ chunks: chunks.length, files: withHunks.length }, "diff chunked");
  const reviews = await Promise.all(
    chunks.map((chunk) =>
      reviewChunk({
        chunk,
        pr: { title: pr.title, body: pr.body },
        model: params.model,
        modelId: settings.model,
        maxOutputTokens: settings.maxOutputTokens,
        temperature: settings.temperature,
        limit: params.limit,
        countTokens: params.countTokens,
        log,
        ...(settings.instructions === undefined ? {} : { instructions: settings.instructions }),
        ...(settings.language === undefined ? {} : { language: settings.language }),
      }),
    ),
  );

  const responses = reviews.flatMap((review) => review.usage);
  const usage = sumUsage(responses);
  const at = now();
  const costUsd = responses.reduce(
    (sum, one) => sum + computeCost({ usage: one, model: settings.model, at, prices: settings.prices }),
    0,
  );
  const failures = reviews.flatMap((review) => review.failures);
  const notReviewed = new Set(failures.flatMap((failure) => failure.paths));
  const placed = placeFindings({
    findings: reviews.flatMap((review) => review.findings),
    diffs: new Map(withHunks.map((diff) => [diff.path, diff])),
    maxComments: settings.maxComments,
  });
  const reviewedFiles = withHunks.map((diff) => diff.path).filter((path) => !notReviewed.has(path));
  const body = renderReviewBody({
    model: settings.model,
    reviewedFiles,
    skipped,
    notInline: placed.notInline,
    posted: placed.comments.map((comment) => comment.finding),
    // A file cut across chunks that fail alike is named once.
    failures: mergeFailures(failures),
    usage,
    requests: responses.length,
    costUsd,
    headSha: pr.headSha,
  });
  const review = await params.github.createReview({
    commitId: pr.headSha,
    body,
    comments: placed.comments.map((comment) => comment.comment),
  });
  return {
    reviewId: review.id,
    model: settings.model,
    requests: responses.length,
    usage,
    costUsd,
    findingsPosted: placed.comments.length,
    findingsNotInline: placed.notInline.length,
    filesReviewed: reviewedFiles.length,
    filesSkipped: skipped.length,
    failures,
    // A chunk whose only answered half had nothing to report was still reviewed.
    failed: reviews.every((review) => review.answered === 0),
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
