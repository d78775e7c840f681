import { linesNewSince, narrowToChangedHunks } from "../diff/changed-lines.js";
import { parsePatch } from "../diff/parse-patch.js";
import type { FileDiff } from "../diff/types.js";
import { applyTokenBudget } from "./apply-token-budget.js";
import { assignLanes } from "./assign-lanes.js";
import { chunkDiff } from "./chunk-diff.js";
import type { CountTokens } from "./count-tokens.js";
import { type MaskLines, secretMasker } from "./create-masker.js";
import { type PrText, preparePrText } from "./prepare-pr-text.js";
import { selectFiles } from "./select-files.js";
import type { Chunk, PullRequestFile, SkippedFile } from "./types.js";

/** Everything planning needs: the PR's files and text as GitHub gave them, and the review's limits. */
export interface ChunkPlanRequest {
  files: PullRequestFile[];
  pr: PrText;
  maxPatchBytes: number;
  include: string[];
  exclude: string[];
  /**
   * The pull request's files at the last review (its base…head diff then): only the hunks holding a line the pull
   * request adds or removes now and did not then are planned (an incremental review).
   */
  before?: PullRequestFile[];
  /** Only these files are planned (files whose review failed, asked again). */
  only?: string[];
  maxPrTokens: number;
  maxChunkTokens: number;
  model: string;
  proModel: string;
  proPaths: string[];
}

/** What to send, and what not and why. */
export interface ChunkPlan {
  /** Files never sent, with the reason: skipped by the rules or the configuration, or patch not parsed. */
  skipped: SkippedFile[];
  /** Why each patch that could not be parsed failed (paths and positions only, no content), for the log. */
  parseErrors: { path: string; message: string }[];
  /** The parsed diff of every reviewable file with hunks: where comments may go. */
  diffs: FileDiff[];
  /** Paths with something to review after narrowing to the changes since the last review (else all of `diffs`). */
  inScope: string[];
  /** Paths that fit the budget. */
  kept: string[];
  overBudget: SkippedFile[];
  lanes: { model: string; files: string[]; chunks: Chunk[] }[];
  /** The title and description every request sends: masked and cut to their token budgets. */
  pr: PrText;
}

/** The step that reads PR content before any model call, as a function that may run off the main thread. */
export type PlanChunks = (request: ChunkPlanRequest) => Promise<ChunkPlan>;

/**
 * Everything that reads the PR's content before the model is called: selects the files (rules and configured
 * globs), parses their patches, narrows an incremental review to what changed, keeps to the token budget (most
 * important files first, each file masked, rendered and counted once), splits the files between the PR's model and
 * the Pro model, packs each lane into chunks, and masks and cuts the title and description.
 */
export async function planChunks(
  request: ChunkPlanRequest,
  deps: { countTokens: CountTokens; mask: MaskLines },
): Promise<ChunkPlan> {
  const selection = selectFiles({
    files: request.files,
    maxPatchBytes: request.maxPatchBytes,
    exclude: request.exclude,
    include: request.include,
  });
  const { diffs, unparsable, parseErrors } = parseDiffs(selection.reviewable);
  const withHunks = diffs.filter((diff) => diff.hunks.length > 0);
  const only = request.only === undefined ? undefined : new Set(request.only);
  const wanted = only === undefined ? withHunks : withHunks.filter((diff) => only.has(diff.path));
  const scope =
    request.before === undefined
      ? wanted
      : narrowToChangedHunks(wanted, linesNewSince(withHunks, parseBefore(request.before)));
  const budget = await applyTokenBudget({
    diffs: scope,
    maxTokens: request.maxPrTokens,
    countTokens: deps.countTokens,
    mask: deps.mask,
  });
  const lanes = assignLanes({
    files: budget.kept,
    model: request.model,
    proModel: request.proModel,
    proPaths: request.proPaths,
  });
  return {
    skipped: [...selection.skipped, ...unparsable],
    parseErrors,
    diffs: withHunks,
    inScope: scope.map((diff) => diff.path),
    kept: budget.kept.map((file) => file.path),
    overBudget: budget.overBudget,
    lanes: lanes.map((lane) => ({
      model: lane.model,
      files: lane.files.map((file) => file.path),
      chunks: chunkDiff({ files: lane.files, maxTokens: request.maxChunkTokens }),
    })),
    pr: await preparePrText(request.pr, deps),
  };
}

function parseDiffs(files: readonly PullRequestFile[]): {
  diffs: FileDiff[];
  unparsable: SkippedFile[];
  parseErrors: ChunkPlan["parseErrors"];
} {
  const diffs: FileDiff[] = [];
  const unparsable: SkippedFile[] = [];
  const parseErrors: ChunkPlan["parseErrors"] = [];
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
      parseErrors.push({ path: file.path, message: (error as Error).message });
      unparsable.push({ path: file.path, reason: "its patch could not be parsed" });
    }
  }
  return { diffs, unparsable, parseErrors };
}

/** The last review's diffs; a file whose patch is missing or cannot be parsed counts as having no known lines. */
function parseBefore(files: readonly PullRequestFile[]) {
  return files.map((file) => {
    if (file.patch === undefined || file.patch === "") return { path: file.path, patch: undefined };
    try {
      return parsePatch({ path: file.path, patch: file.patch });
    } catch {
      return { path: file.path, patch: undefined };
    }
  });
}

/** Plans on the calling thread: for tests, the CLI, and small workloads. */
export function planChunksInline(countTokens: CountTokens): PlanChunks {
  return async (request) => planChunks(request, { countTokens, mask: secretMasker() });
}
