import type { FileDiff } from "../diff/types.js";
import type { Logger } from "../runtime/types.js";
import type { LineRange } from "../syntax/create-syntax-parser.js";
import { type ContextBlock, type FileContext, hunkSpans } from "./extract-context.js";
import type { SyntaxTasks } from "./syntax-tasks.js";
import type { Chunk, PullRequestGateway } from "./types.js";

/** At most this many files of a pull request are read for context (one GitHub request each). */
export const MAX_CONTEXT_FILES = 60;
/** Files read at once. */
const READ_CONCURRENCY = 4;

/** What the review knows of the code around its hunks. */
export interface ReviewContext {
  /** The context text of a chunk (or a piece of one): its files' blocks near its hunks; "" when none. */
  forChunk(chunk: Pick<Chunk, "files">): string;
  /** Estimated tokens of `forChunk(chunk)`. */
  tokensFor(chunk: Pick<Chunk, "files">): number;
  /** The text of each file read at the head, by path: for the check of suggestions. */
  texts: ReadonlyMap<string, string>;
  /** The context of each file, by path: the verification pass shows it with the findings. */
  files: ReadonlyMap<string, FileContext>;
  /** Files read, and reads that failed (the review went on with the diff alone for those). */
  reads: number;
  failedReads: number;
}

export const NO_CONTEXT: ReviewContext = {
  forChunk: () => "",
  tokensFor: () => 0,
  texts: new Map(),
  files: new Map(),
  reads: 0,
  failedReads: 0,
};

/**
 * Reads the reviewed files at the head (through the gateway, cached per job) and has the parser pick the code
 * around each hunk. Context counts against the pull request's token budget: what the diff left of `maxPrTokens`
 * is shared out chunk by chunk, and no chunk gets more context than `maxChunkTokens` or `contextMaxFileTokens`,
 * whichever is larger. A failed read or parse leaves that file (or the review) with the diff alone, and says why
 * in the log. At most `MAX_CONTEXT_FILES` reads per review, each cached by the gateway for the job.
 */
export async function gatherContext(params: {
  github: PullRequestGateway;
  headSha: string;
  diffs: readonly FileDiff[];
  chunks: readonly Chunk[];
  settings: {
    contextLines: number;
    contextMaxFileTokens: number;
    maxPrTokens: number;
    maxChunkTokens: number;
  };
  syntax: SyntaxTasks;
  log: Logger;
}): Promise<ReviewContext> {
  const { github, settings, log } = params;
  const readFile = github.readFile?.bind(github);
  if (settings.contextMaxFileTokens <= 0 || readFile === undefined) return NO_CONTEXT;
  const inChunks = new Set(params.chunks.flatMap((chunk) => chunk.files.map((file) => file.path)));
  // A deleted file has no lines at the head.
  const wanted = params.diffs
    .filter((diff) => inChunks.has(diff.path) && diff.hunks.some((hunk) => hunk.newLines > 0))
    .slice(0, MAX_CONTEXT_FILES);
  const texts = new Map<string, string>();
  let failedReads = 0;
  for (let at = 0; at < wanted.length; at += READ_CONCURRENCY) {
    await Promise.all(
      wanted.slice(at, at + READ_CONCURRENCY).map(async (diff) => {
        try {
          const text = await readFile(diff.path, params.headSha);
          if (text === undefined) log.info({ path: diff.path }, "context not read: not a readable text file");
          else texts.set(diff.path, text);
        } catch (error) {
          failedReads += 1;
          // The status or the error's name only: a client's message may quote the request and its headers.
          log.warn({ path: diff.path, reason: readFailure(error) }, "context not read");
        }
      }),
    );
  }
  if (texts.size === 0) return { ...NO_CONTEXT, texts, reads: wanted.length, failedReads };
  const result = await params.syntax
    .extractContext({
      files: wanted.flatMap((diff) => {
        const text = texts.get(diff.path);
        return text === undefined ? [] : [{ path: diff.path, text, hunks: hunkSpans(diff) }];
      }),
      contextLines: settings.contextLines,
      maxFileTokens: settings.contextMaxFileTokens,
    })
    .catch((error: unknown) => {
      log.warn({ err: { message: (error as Error).message } }, "context not extracted");
      return { files: [] };
    });
  const files = new Map(result.files.map((file) => [file.path, file]));
  const diffTokens = params.chunks.reduce((sum, chunk) => sum + chunk.tokens, 0);
  let left = Math.max(0, settings.maxPrTokens - diffTokens);
  const perChunk = Math.max(settings.maxChunkTokens, settings.contextMaxFileTokens);
  // The blocks each chunk of the plan gets within the budget; a piece of a split chunk picks among its chunk's.
  const allowed = new Set<ContextBlock>();
  for (const chunk of params.chunks) {
    const picked = pickBlocks({ chunk, files, maxTokens: Math.min(left, perChunk) });
    for (const block of picked.blocks) allowed.add(block);
    left -= picked.tokens;
  }
  // Each chunk's context is asked for when its calls are planned and when it is sent: picked once.
  const picked = new WeakMap<Pick<Chunk, "files">, ReturnType<typeof pickBlocks>>();
  const render = (chunk: Pick<Chunk, "files">) => {
    let one = picked.get(chunk);
    if (one === undefined) {
      one = pickBlocks({ chunk, files, maxTokens: perChunk, allowed });
      picked.set(chunk, one);
    }
    return one;
  };
  return {
    forChunk: (chunk) => render(chunk).text,
    tokensFor: (chunk) => render(chunk).tokens,
    texts,
    files,
    reads: wanted.length,
    failedReads,
  };
}

/** The blocks of a chunk's files near its hunks, file by file, while they fit `maxTokens`. */
function pickBlocks(params: {
  chunk: Pick<Chunk, "files">;
  files: ReadonlyMap<string, FileContext>;
  maxTokens: number;
  allowed?: ReadonlySet<ContextBlock>;
}): { blocks: ContextBlock[]; text: string; tokens: number } {
  const blocks: ContextBlock[] = [];
  const parts: string[] = [];
  let tokens = 0;
  for (const chunkFile of params.chunk.files) {
    const file = params.files.get(chunkFile.path);
    if (file === undefined) continue;
    const ranges = chunkFile.hunks.map(hunkRange);
    const near = file.blocks.filter(
      (block) =>
        (params.allowed === undefined || params.allowed.has(block)) &&
        ranges.some((range) => overlaps(range, block.near)),
    );
    const fitting: ContextBlock[] = [];
    let fileTokens = file.headerTokens;
    for (const block of near) {
      if (tokens + fileTokens + block.tokens > params.maxTokens) break;
      fitting.push(block);
      fileTokens += block.tokens;
    }
    if (fitting.length === 0) continue;
    blocks.push(...fitting);
    tokens += fileTokens;
    parts.push(`${file.header}${fitting.map((block) => block.text).join("")}`);
  }
  return { blocks, text: parts.join("\n"), tokens };
}

/** The new-file lines a hunk (or piece) shows. */
export function hunkRange(hunk: { newStart: number; markers: string }): LineRange {
  let count = 0;
  for (const marker of hunk.markers) if (marker !== "-") count++;
  return { start: hunk.newStart, end: hunk.newStart + Math.max(0, count - 1) };
}

function overlaps(a: LineRange, b: LineRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** Why a read failed, in words safe to log: the HTTP status, or the error's name. */
function readFailure(error: unknown): string {
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status === "number") return `HTTP ${status}`;
  return error instanceof Error ? error.name : "unknown error";
}
