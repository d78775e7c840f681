import type { Hunk } from "../../src/diff/types.js";
import { type CountTokens, estimateTokens } from "../../src/review/count-tokens.js";
import {
  formatDiff,
  maskFileTextWithOwnRules,
  renderFile,
  renderHunkHeaderLine,
} from "../../src/review/format-diff.js";
import type { Chunk, ChunkFile } from "../../src/review/types.js";

type SourceFile = { path: string; previousPath?: string; hunks: Hunk[] };

/** A file as the planner hands it over: masked with the app's own rules, rendered, each printed line counted. */
export function renderChunkFile(file: SourceFile, countTokens: CountTokens = estimateTokens): ChunkFile {
  const rendered = renderFile(file, maskFileTextWithOwnRules(file));
  return {
    path: rendered.path,
    header: rendered.header,
    headerTokens: countTokens(rendered.header),
    hunks: rendered.hunks.map((hunk) => ({
      ...hunk,
      headerTokens: countTokens(renderHunkHeaderLine(hunk)),
      lineTokens: hunk.lines.map(countTokens),
    })),
  };
}

/** A chunk of whole files, as the planner would make it. */
export function renderChunk(files: SourceFile[], countTokens: CountTokens = estimateTokens): Chunk {
  const rendered = files.map((file) => renderChunkFile(file, countTokens));
  return { files: rendered, tokens: countTokens(formatDiff(rendered)) };
}

/** The tokens the per-PR budget charges for a file: each printed line of its block counted alone, then summed. */
export function budgetTokensOf(file: SourceFile, countTokens: CountTokens = estimateTokens): number {
  const chunkFile = renderChunkFile(file, countTokens);
  return chunkFile.hunks.reduce(
    (sum, hunk) => hunk.lineTokens.reduce((inner, count) => inner + count, sum + hunk.headerTokens),
    chunkFile.headerTokens,
  );
}
