import { CallRefusedError } from "../cost/limit-reached.js";
import { completeJson } from "../llm/complete-json.js";
import { ModelError, ModelRequestError, TruncatedAnswerError } from "../llm/errors.js";
import type { ModelClient, Usage } from "../llm/types.js";
import type { Limit, Logger } from "../runtime/types.js";
import { buildMessages } from "./build-prompt.js";
import { splitChunk } from "./chunk-diff.js";
import { parseFindings } from "./parse-findings.js";
import type { Chunk, Finding } from "./types.js";

export interface ChunkFailure {
  paths: string[];
  reason: string;
  /** The model service failed in a way that may pass (5xx, timeouts, rate limits, broken answers): worth asking again later. */
  retryable: boolean;
}

export interface ChunkReview {
  findings: Finding[];
  /** Usage of every billed response, failed attempts included. */
  usage: Usage[];
  failures: ChunkFailure[];
  /** How many pieces of the chunk got a usable answer: 1 when it was not split, 0 when none did. */
  answered: number;
}

export interface ReviewChunkParams {
  chunk: Chunk;
  pr: { title: string; body: string };
  model: ModelClient;
  modelId: string;
  maxOutputTokens: number;
  temperature: number;
  limit: Limit;
  log: Logger;
  instructions?: string;
  /** The repository's `path_instructions` for the files of a request (of a piece, once a chunk is split). */
  pathInstructions?: (paths: readonly string[]) => string | undefined;
  language?: string;
  /** The review's `<changed_files>` list, the same for all its requests. */
  changedFiles?: string;
  /** The code around a chunk (or a piece of it), see gather-context.ts. */
  contextFor?: (chunk: Chunk) => string;
  /** How many times a cut-off chunk may still be halved. */
  splitsLeft?: number;
}

const DEFAULT_SPLITS = 2;

/**
 * The most model calls one chunk and all its pieces may make, whatever comes back: one call for each piece of two
 * halvings (1 + 2 + 4) when every answer is cut off; re-asks after blank or broken answers come out of the same
 * count. The review's own ceilings (calls and dollars) come on top, in the spend meter.
 */
export const MAX_CALLS_PER_CHUNK = 7;

/**
 * Asks the model about one chunk. A cut-off answer is not asked again: the chunk is split in two at once and each
 * half asked (down to `splitsLeft` halvings), within `MAX_CALLS_PER_CHUNK` calls in all. Any other failure is
 * returned as a failure of the chunk's files, never thrown, so the rest of the review still gets posted.
 */
export async function reviewChunk(params: ReviewChunkParams): Promise<ChunkReview> {
  return reviewPiece({ ...params, model: limitCalls(params.model, MAX_CALLS_PER_CHUNK) });
}

async function reviewPiece(params: ReviewChunkParams): Promise<ChunkReview> {
  const { chunk, log } = params;
  const splitsLeft = params.splitsLeft ?? DEFAULT_SPLITS;
  const paths = chunk.files.map((file) => file.path);
  const forPaths = params.pathInstructions?.(paths);
  try {
    const answer = await params.limit(() =>
      completeJson({
        client: params.model,
        request: {
          model: params.modelId,
          messages: buildMessages({
            pr: params.pr,
            chunk,
            ...(params.instructions === undefined ? {} : { instructions: params.instructions }),
            ...(forPaths === undefined ? {} : { pathInstructions: forPaths }),
            ...(params.language === undefined ? {} : { language: params.language }),
            ...(params.changedFiles === undefined ? {} : { changedFiles: params.changedFiles }),
            ...(params.contextFor === undefined ? {} : { context: params.contextFor(chunk) }),
          }),
          maxTokens: params.maxOutputTokens,
          temperature: params.temperature,
        },
        parse: parseFindings,
        log,
      }),
    );
    for (const dropped of answer.value.dropped) {
      log.warn({ paths, index: dropped.index, reason: dropped.reason }, "finding dropped");
    }
    return { findings: answer.value.findings, usage: answer.usage, failures: [], answered: 1 };
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    if (error instanceof TruncatedAnswerError && splitsLeft > 0 && canSplit(chunk)) {
      log.warn({ paths, tokens: chunk.tokens }, "answer cut off; splitting the chunk");
      // Slices the lines and counts the plan rendered: nothing is masked or tokenized on this thread.
      const halves = splitChunk(chunk);
      const reviews = await Promise.all(
        halves.map((half) => reviewPiece({ ...params, chunk: half, splitsLeft: splitsLeft - 1 })),
      );
      return {
        findings: reviews.flatMap((review) => review.findings),
        usage: [...error.usage, ...reviews.flatMap((review) => review.usage)],
        failures: mergeFailures(reviews.flatMap((review) => review.failures)),
        answered: reviews.reduce((sum, review) => sum + review.answered, 0),
      };
    }
    log.warn({ paths, err: { name: error.name, message: error.message } }, "chunk not reviewed");
    return {
      findings: [],
      usage: error.usage,
      failures: [
        {
          paths,
          reason: describeFailure(error),
          retryable: error instanceof ModelRequestError && error.retryable,
        },
      ],
      answered: 0,
    };
  }
}

/**
 * One failure per reason, with the paths of every failure that gave it (each path once, in order): the pieces of a
 * split chunk often fail alike, and the review body should name a file once per reason.
 */
export function mergeFailures(failures: readonly ChunkFailure[]): ChunkFailure[] {
  const byReason = new Map<string, { paths: Set<string>; retryable: boolean }>();
  for (const failure of failures) {
    const merged = byReason.get(failure.reason) ?? { paths: new Set<string>(), retryable: failure.retryable };
    for (const path of failure.paths) merged.paths.add(path);
    byReason.set(failure.reason, merged);
  }
  return [...byReason].map(([reason, merged]) => ({
    paths: [...merged.paths],
    reason,
    retryable: merged.retryable,
  }));
}

/** A client that refuses every call after the first `max`. */
function limitCalls(client: ModelClient, max: number): ModelClient {
  let calls = 0;
  return {
    complete(request) {
      calls += 1;
      if (calls > max) {
        return Promise.reject(new CallRefusedError({ scope: "chunk", unit: "calls", ceiling: max }));
      }
      return client.complete(request);
    },
  };
}

function canSplit(chunk: Chunk): boolean {
  const lines = chunk.files.reduce(
    (sum, file) => sum + file.hunks.reduce((inner, hunk) => inner + hunk.lines.length, 0),
    0,
  );
  return lines > 1;
}

function describeFailure(error: ModelError): string {
  if ("userMessage" in error && typeof error.userMessage === "string") return error.userMessage;
  if (error instanceof TruncatedAnswerError)
    return "the model's answer was cut off even for the smallest piece";
  return "the model did not return a usable answer";
}
