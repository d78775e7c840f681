import { sumUsage } from "../cost/compute-cost.js";
import type { PriceTable } from "../cost/prices.js";
import { createSpendMeter, type ModelCost, type SpendMeter } from "../cost/spend-meter.js";
import type { ModelClient, Usage } from "../llm/types.js";
import type { Limit, Logger } from "../runtime/types.js";
import { renderThreadTally } from "../threads/tally-threads.js";
import type { TendedThreads, TendThreads } from "../threads/tend-threads.js";
import { formatSeconds, PlanTimeoutError } from "../workers/plan-timeout-error.js";
import { isAtLeast } from "./at-or-above.js";
import { renderChangedFiles } from "./build-prompt.js";
import type { CountTokens } from "./count-tokens.js";
import { findChangesSince, type ReviewedPoint } from "./find-changes-since.js";
import { gatherContext, type ReviewContext } from "./gather-context.js";
import { listPlannedCalls } from "./list-planned-calls.js";
import { placeFindings } from "./place-comments.js";
import { type ChunkPlan, type ChunkPlanRequest, type PlanChunks, planChunksInline } from "./plan-chunks.js";
import { prepareSuggestions } from "./prepare-suggestions.js";
import { type ReviewHistory, renderNothingToReviewBody, renderReviewBody } from "./render-review.js";
import { type ChunkFailure, mergeFailures, reviewChunk } from "./review-chunk.js";
import { inlineCode, sanitizeInline } from "./sanitize-markdown.js";
import { type PathInstruction, selectPathInstructions } from "./select-path-instructions.js";
import { type SyntaxTasks, syntaxTasksInline } from "./syntax-tasks.js";
import type {
  ChunkFile,
  Finding,
  PullRequestGateway,
  PullRequestInfo,
  ReviewProgress,
  Severity,
} from "./types.js";
import { verifyFindings } from "./verify-findings.js";

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
  /** `path_instructions`: guidance for the requests about matching files only. */
  pathInstructions?: PathInstruction[];
  /** The repository's own monthly budget in dollars, when its configuration sets one lower than the app's. */
  monthlyBudgetUsd?: number;
  /** Markdown shown in the review body, e.g. configuration problems. */
  notes?: string[];
  /** Tokens and dollars in the review's footer (`show_cost`); default true. */
  showCost?: boolean;
  /** Lines around a hunk when no enclosing function is known (`context_lines`); default 20. */
  contextLines?: number;
  /** A file this small is shown whole; most context tokens per file (`context_max_file_tokens`); default 2,000. 0: none. */
  contextMaxFileTokens?: number;
  /** The verification pass (`verify`): off when absent; the repository configuration's default turns it on. */
  verify?: boolean;
  /** The least severe finding verified (`verify_min_severity`); default "minor". */
  verifyMinSeverity?: Severity;
  /** The model of the verification pass (Flash); default `model`. */
  verifyModel?: string;
  /** Rejected findings listed in the review body (a debug option of the eval runner); default false. */
  showRejected?: boolean;
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
  /** Tends the app's own review threads once the head's files are read (src/threads/); none when absent. */
  threads?: TendThreads;
  /**
   * Parsing for context and suggestions; default: the `syntax` tasks of `planChunks` when it has them (the worker
   * planner does), else on this thread.
   */
  syntax?: SyntaxTasks;
  /**
   * The last head the app reviewed, as the app's own store remembers it (also after a review that posted nothing);
   * when absent or partial, the records of the app's reviews on GitHub say.
   */
  lastReviewed?: ReviewedPoint & { complete: boolean };
  /** Told how far the review is: once planned, then after each chunk (the caller bounds what it sends on). */
  onProgress?: (progress: ReviewProgress) => void;
}

export const DEFAULT_CONTEXT_LINES = 20;
export const DEFAULT_CONTEXT_MAX_FILE_TOKENS = 2_000;

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

/** Findings by severity. */
export type SeverityCounts = Record<Severity, number>;

/** What one review did and cost: the fields of the `review.completed` log line. */
export interface ReviewOutcome {
  /**
   * "skipped": nothing was done (`skippedReason` says why). "quiet": reviewed, but nothing new to say, so no review
   * was posted (`skippedReason` says why); the check run and the app's store keep the record.
   */
  status: "posted" | "skipped" | "quiet";
  skippedReason?: string;
  /** What this run reviewed, for the app's store: set whenever it reviewed, posted or quiet. */
  reviewed?: ReviewedPoint & { complete: boolean };
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
  /** Findings not posted because a person dismissed them (or a rewording of them) on this pull request. */
  findingsDismissed?: number;
  filesReviewed: number;
  filesSkipped: number;
  failures: ChunkFailure[];
  /** True when there were chunks to review and not one of them could be reviewed. */
  failed: boolean;
  /**
   * The findings this run reported at or above `min_severity`, by severity: posted, not inline, and those already
   * posted that it found again (`fail_on` judges these).
   */
  findingsBySeverity: SeverityCounts;
  /** Notes of the run (incremental, configuration problems…), in the body when posted, in the check run always. */
  notes: string[];
  /**
   * A quiet run's findings that could not go inline: not said in a review (nothing records them, so a later push
   * would list them again), shown in the check run instead.
   */
  notInline?: { path: string; line: number; severity: Severity; title: string }[];
  /** The findings the review shows, inline then in the body (for the CLI's and the Action's own reports). */
  findings?: Finding[];
  /** What the verification pass did and cost, when it ran. */
  verification?: VerificationOutcome;
}

/** The verification pass of one review, for the log and the eval runner. */
export interface VerificationOutcome {
  /** Findings at or above `verify_min_severity` that were checked. */
  checked: number;
  /** Findings dropped because the check rejected them. */
  rejected: number;
  /** Findings kept because their check gave no usable verdict. */
  unverified: number;
  calls: number;
  costUsd: number;
  /** `costUsd` over what the review pass cost (0 when that was 0). */
  costShare: number;
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
  const stored = params.lastReviewed;
  // Any review of this head and base — complete or not, posted or quiet — ends automatic triggers: a partial one's
  // failed files are asked again by a retry job with a backoff, never by the next reopen or redelivery (no loop
  // can re-spend on it).
  const seen =
    ownReviews.some((review) => review.record?.head === pr.headSha && review.record.base === pr.baseSha) ||
    (stored?.head === pr.headSha && stored.base === pr.baseSha);
  if (trigger === "auto" && seen) {
    return skippedOutcome(settings, "this commit was already reviewed");
  }
  // After the first review, a push or a retry with nothing new to say posts no review: the check run says it.
  const mayBeQuiet = trigger !== "command" && ownReviews.length > 0;
  const reviewed = (complete: boolean) => ({ head: pr.headSha, base: pr.baseSha, complete });
  const [files, posted] = await Promise.all([github.listFiles(), github.listPostedFindings()]);
  // `listFiles` reads the pull request's current head, which may have moved since the job read it: comments
  // computed on one head's lines must never be posted on another.
  const head = await github.readHead();
  if (head.headSha !== pr.headSha) throw new HeadMovedError(pr.headSha, head.headSha);
  const sections: string[] = [];
  const unlisted = describeUnlistedFiles({ listed: files.length, changed: pr.changedFiles });
  if (unlisted !== undefined) sections.push(unlisted);
  const tended = await tendThreads(params, { files, complete: unlisted === undefined, posted });
  const tally = tended === undefined ? undefined : renderThreadTally(tended.tally);
  if (tally !== undefined) sections.push(tally);

  // Only a complete review counts as reviewed: after a partial one, the review starts from the last complete one.
  // The store is written after every review, posted or quiet, so it is the newest when it has one.
  const lastComplete = ownReviews
    .flatMap((review) => (review.record?.complete ? [review.record] : []))
    .at(-1);
  const last = trigger !== "auto" ? undefined : stored?.complete ? stored : lastComplete;
  const lastSha = last?.head;
  const changes = last === undefined ? undefined : await findChangesSince({ github, last });
  // Selecting, parsing, masking and measuring the files run in the planner, off the main thread in production.
  const planned = await (params.planChunks ?? planChunksInline(params.countTokens))({
    files,
    pr: { title: pr.title, body: pr.body },
    maxPatchBytes: settings.maxFilePatchBytes,
    include: settings.include ?? [],
    exclude: settings.exclude ?? [],
    ...(changes !== undefined && "before" in changes ? { before: changes.before } : {}),
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
    if ("before" in changes) {
      incrementalSince = lastSha;
      if (plan.inScope.length === 0) {
        // The pull request adds or removes nothing it did not at the last review (e.g. only the base merged in).
        return {
          ...noModelOutcome(settings),
          status: "quiet",
          skippedReason: `nothing new in the pull request's own changes since ${lastSha.slice(0, 7)}, the last commit reviewed`,
          incrementalSince,
          reviewed: reviewed(true),
          filesSkipped: plan.skipped.length,
          notes: [...sections, ...(settings.notes ?? [])],
        };
      }
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
    const complete = plan.overBudget.length === 0;
    if (mayBeQuiet && complete) {
      return {
        ...noModelOutcome(settings),
        status: "quiet",
        skippedReason: "nothing to review: every changed file is skipped",
        ...(incrementalSince === undefined ? {} : { incrementalSince }),
        reviewed: reviewed(true),
        filesSkipped: skipped.length,
        notes: sections,
      };
    }
    const review = await github.createReview({
      commitId: pr.headSha,
      body: renderNothingToReviewBody({ skipped, headSha: pr.headSha, sections }),
      comments: [],
      record: { base: pr.baseSha, complete },
    });
    return {
      ...noModelOutcome(settings),
      reviewId: review.id,
      reviewed: reviewed(complete),
      filesSkipped: skipped.length,
      notes: sections,
    };
  }

  const chunks = plan.lanes.flatMap((lane) => lane.chunks);
  const syntax = params.syntax ?? syntaxOf(params.planChunks) ?? syntaxTasksInline(params.countTokens);
  // The code around each hunk, read at the head: for the review's requests and the verification pass.
  const context = await gatherContext({
    github,
    headSha: pr.headSha,
    diffs: withHunks,
    chunks,
    settings: {
      contextLines: settings.contextLines ?? DEFAULT_CONTEXT_LINES,
      contextMaxFileTokens: settings.contextMaxFileTokens ?? DEFAULT_CONTEXT_MAX_FILE_TOKENS,
      maxPrTokens: settings.maxPrTokens,
      maxChunkTokens: settings.maxChunkTokens,
    },
    syntax,
    log,
  });
  const changedFiles = renderChangedFiles(chunks);
  // Refused up front, every call of the review is refused and each chunk fails with the limit as its reason.
  await meter.admitPlan(
    listPlannedCalls({ plan, pr: plan.pr, settings, changedFiles, contextTokens: context.tokensFor }),
  );
  const model = meter.wrap(params.model);
  const progress = trackProgress(plan.lanes, params.onProgress);
  const pathInstructions =
    (settings.pathInstructions ?? []).length === 0
      ? undefined
      : selectPathInstructions(settings.pathInstructions ?? []);
  const reviews = await Promise.all(
    plan.lanes.flatMap((lane) =>
      lane.chunks.map(async (chunk) => {
        const review = await askModel({
          params: { ...params, model },
          modelId: lane.model,
          chunk,
          pr: plan.pr,
          changedFiles,
          context,
          pathInstructions,
        });
        progress.chunkDone(chunk);
        return { model: lane.model, review };
      }),
    ),
  );
  if (plan.lanes.length > 1) sections.push(describeLanes(plan.lanes));

  const failures = reviews.flatMap(({ review }) => review.failures);
  const notReviewed = new Set(failures.flatMap((failure) => failure.paths));
  const all = reviews.flatMap(({ review }) => review.findings);
  const shown = all.filter((finding) => isAtLeast(finding.severity, settings.minSeverity));
  if (shown.length < all.length) {
    sections.push(
      `${all.length - shown.length} less severe than \`${settings.minSeverity}\` not shown (min_severity).`,
    );
  }
  const diffsByPath = new Map(withHunks.map((diff) => [diff.path, diff]));
  // What this pull request already has, or a person dismissed, is not posted again: it is counted here, once, and
  // goes no further (no verification call, no suggestion check).
  const settled = placeFindings({
    findings: shown,
    diffs: diffsByPath,
    maxComments: settings.maxComments,
    posted,
    ...(tended === undefined ? {} : { dismissed: tended.dismissed }),
  });
  const settledFindings = new Set([...settled.alreadyPosted, ...settled.dismissed]);
  const checked = await verifyPass({
    params,
    findings: shown.filter((one) => !settledFindings.has(one)),
    chunks,
    context,
    model,
    meter,
    sections,
  });
  // A suggestion that would break a file that parses is never a one-click change.
  const findings = await prepareSuggestions({
    findings: checked.findings,
    diffs: diffsByPath,
    texts: context.texts,
    syntax,
    log,
  });
  const { models } = meter.totals();
  const placed = placeFindings({ findings, diffs: diffsByPath, maxComments: settings.maxComments });
  if (settled.dismissed.length > 0) {
    sections.push(`${settled.dismissed.length} dismissed earlier on this pull request, not raised again.`);
  }
  if (settled.alreadyPosted.length > 0) {
    sections.push(`${settled.alreadyPosted.length} already posted on this pull request, not repeated.`);
  }
  const reviewedFiles = plan.kept.filter((path) => !notReviewed.has(path));
  // A partial record: the next push or redelivery reviews the whole PR, so no file stays unreviewed for good.
  const complete = failures.length === 0 && plan.overBudget.length === 0;
  if (!complete) sections.push(NOT_COMPLETE);
  const usage = sumUsage(models.map((one) => one.usage));
  const requests = models.reduce((sum, one) => sum + one.requests, 0);
  const costUsd = models.reduce((sum, one) => sum + one.costUsd, 0);
  const said = {
    model: settings.model,
    models,
    requests,
    usage,
    costUsd,
    findingsAlreadyPosted: settled.alreadyPosted.length,
    filesReviewed: reviewedFiles.length,
    filesSkipped: skipped.length,
    failures,
    failed: reviews.every(({ review }) => review.answered === 0),
    // What this run reported: placed, in the body, or already posted — not what a person dismissed.
    findingsBySeverity: countSeverities([
      ...[...placed.comments, ...placed.notInline].map((one) => one.finding),
      ...settled.alreadyPosted,
    ]),
    findings: [...placed.comments, ...placed.notInline].map((one) => one.finding),
    notes: sections,
    reviewed: reviewed(complete),
    ...(incrementalSince === undefined ? {} : { incrementalSince }),
    ...(settled.dismissed.length > 0 ? { findingsDismissed: settled.dismissed.length } : {}),
    ...(checked.outcome === undefined ? {} : { verification: checked.outcome }),
  };
  // Findings that cannot go inline carry no record, so the model's repeats of them could not be told from new ones:
  // alone, they do not make a push worth a review, and go to the check run.
  if (mayBeQuiet && placed.comments.length === 0 && failures.length === 0) {
    return {
      ...said,
      status: "quiet",
      skippedReason: placed.notInline.length === 0 ? "no new finding" : "no new finding that can go inline",
      findingsPosted: 0,
      findingsNotInline: placed.notInline.length,
      notInline: placed.notInline.map(({ finding }) => ({
        path: finding.path,
        line: finding.line,
        severity: finding.severity,
        title: finding.title,
      })),
    };
  }
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
    ...said,
    status: "posted",
    reviewId: review.id,
    findingsPosted: placed.comments.length - rejected,
    findingsNotInline: placed.notInline.length + rejected,
  };
}

function countSeverities(findings: readonly Finding[]): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, major: 0, minor: 0, nit: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/**
 * Counts chunks and files done as chunks finish (a file is done when every chunk holding part of it is) and tells
 * `onProgress`: once at the start, then after each chunk. The listener decides how often to pass it on.
 */
function trackProgress(
  lanes: ChunkPlan["lanes"],
  onProgress: ((progress: ReviewProgress) => void) | undefined,
) {
  const chunksLeftOf = new Map<string, number>();
  let chunks = 0;
  for (const lane of lanes)
    for (const chunk of lane.chunks) {
      chunks += 1;
      for (const file of new Set(chunk.files.map((one) => one.path)))
        chunksLeftOf.set(file, (chunksLeftOf.get(file) ?? 0) + 1);
    }
  const state: ReviewProgress = { files: chunksLeftOf.size, filesDone: 0, chunks, chunksDone: 0 };
  onProgress?.({ ...state });
  return {
    chunkDone(chunk: { files: { path: string }[] }) {
      state.chunksDone += 1;
      for (const file of new Set(chunk.files.map((one) => one.path))) {
        const left = (chunksLeftOf.get(file) ?? 1) - 1;
        chunksLeftOf.set(file, left);
        if (left === 0) state.filesDone += 1;
      }
      onProgress?.({ ...state });
    },
  };
}

/**
 * The app's own threads, tended before the review places its findings; a failure there (GitHub's GraphQL API
 * down, say) is logged and the review goes on without it, never failing for it.
 */
async function tendThreads(
  params: ReviewPullRequestParams,
  input: Parameters<TendThreads>[0],
): Promise<TendedThreads | undefined> {
  if (params.threads === undefined) return undefined;
  try {
    return await params.threads(input);
  } catch (error) {
    params.log.warn({ err: { message: (error as Error).message } }, "threads not tended");
    return undefined;
  }
}

/**
 * The verification pass (`verify`): findings at or above `verifyMinSeverity` are checked by Flash with the code
 * around them, and rejected ones are dropped — counted in the body, listed only with the `showRejected` debug
 * option. Its calls go through the review's meter, so its cost is part of the review's and under its ceilings.
 */
async function verifyPass(options: {
  params: ReviewPullRequestParams;
  findings: Finding[];
  chunks: readonly { files: ChunkFile[] }[];
  context: ReviewContext;
  model: ReviewPullRequestParams["model"];
  meter: SpendMeter;
  sections: string[];
}): Promise<{ findings: Finding[]; outcome?: VerificationOutcome }> {
  const { params, findings, meter, sections } = options;
  const { settings } = params;
  if (settings.verify !== true || findings.length === 0) return { findings };
  const chunkFiles = new Map<string, ChunkFile[]>();
  for (const chunk of options.chunks) {
    for (const file of chunk.files) chunkFiles.set(file.path, [...(chunkFiles.get(file.path) ?? []), file]);
  }
  const reviewCost = meter.totals().costUsd;
  const result = await verifyFindings({
    findings,
    minSeverity: settings.verifyMinSeverity ?? "minor",
    model: options.model,
    modelId: settings.verifyModel ?? settings.model,
    chunkFiles,
    contexts: options.context.files,
    limit: params.limit,
    log: params.log,
  });
  // The review's calls had all answered: what the meter adds now is the verification's.
  const costUsd = meter.totals().costUsd - reviewCost;
  if (result.rejected.length > 0) {
    const count = result.rejected.length;
    sections.push(
      `${count} finding${count === 1 ? " was" : "s were"} rejected by the verification pass and not posted.`,
    );
    if (settings.showRejected === true) {
      sections.push(
        result.rejected
          .map(
            (one) =>
              `- Rejected: ${inlineCode(one.finding.path)} line ${one.finding.line}: ${sanitizeInline(one.finding.title)} (${sanitizeInline(one.reason)})`,
          )
          .join("\n"),
      );
    }
  }
  const outcome: VerificationOutcome = {
    checked: result.checked,
    rejected: result.rejected.length,
    unverified: result.unverified,
    calls: result.calls,
    costUsd,
    costShare: reviewCost > 0 ? costUsd / reviewCost : 0,
  };
  params.log.info({ ...outcome }, "verification done");
  return { findings: result.kept, outcome };
}

function askModel(options: {
  params: ReviewPullRequestParams;
  modelId: string;
  chunk: Parameters<typeof reviewChunk>[0]["chunk"];
  pr: ChunkPlan["pr"];
  changedFiles: string;
  context: ReviewContext;
  pathInstructions: ((paths: readonly string[]) => string | undefined) | undefined;
}) {
  const { params, modelId, chunk, pr, changedFiles, context, pathInstructions } = options;
  const { settings } = params;
  return reviewChunk({
    changedFiles,
    contextFor: context.forChunk,
    chunk,
    pr,
    model: params.model,
    modelId,
    maxOutputTokens: settings.maxOutputTokens,
    temperature: settings.temperature,
    limit: params.limit,
    log: params.log,
    ...(settings.instructions === undefined ? {} : { instructions: settings.instructions }),
    ...(pathInstructions === undefined ? {} : { pathInstructions }),
    ...(settings.language === undefined ? {} : { language: settings.language }),
  });
}

/** The parsing tasks of a planner that has them (the worker planner), else undefined. */
function syntaxOf(planner: PlanChunks | undefined): SyntaxTasks | undefined {
  return planner !== undefined && "syntax" in planner ? (planner.syntax as SyntaxTasks) : undefined;
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
    notes: [reason],
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
    findingsBySeverity: { critical: 0, major: 0, minor: 0, nit: 0 },
    notes: [],
  };
}
