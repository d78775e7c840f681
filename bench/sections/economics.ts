import { createTokenCounter } from "../../src/review/count-tokens.js";
import { planChunksInline } from "../../src/review/plan-chunks.js";
import type { PullRequestFile } from "../../src/review/types.js";
import type { Figure } from "../lib/figures.js";
import { modifiedFile, smallPullRequest } from "../lib/generate-diffs.js";
import { createBillingModel, reviewInProcess } from "../lib/review-in-process.js";

/** Diff tokens per chunk (the default max_chunk_tokens) and the per-PR budget used for the 50-chunk PR. */
const MAX_CHUNK_TOKENS = 12_000;
const MAX_PR_TOKENS = 2_000_000;

/** The chunks and diff tokens the pipeline plans for `files` with the default chunk size. */
async function planOf(files: PullRequestFile[]): Promise<{ chunks: number; diffTokens: number }> {
  const plan = await planChunksInline(createTokenCounter())({
    files,
    pr: { title: "t", body: "" },
    maxPatchBytes: 200_000,
    include: [],
    exclude: [],
    maxPrTokens: MAX_PR_TOKENS,
    maxChunkTokens: MAX_CHUNK_TOKENS,
    model: "deepseek-v4-flash",
    proModel: "deepseek-v4-pro",
    proPaths: [],
  });
  const chunks = plan.lanes.flatMap((lane) => lane.chunks);
  return { chunks: chunks.length, diffTokens: chunks.reduce((sum, chunk) => sum + chunk.tokens, 0) };
}

const filesOf = (count: number) =>
  Array.from({ length: count }, (_, i) => modifiedFile(`src/module-${i}/handler.ts`, 10, 10, i));

/** A generated pull request the pipeline cuts into exactly `chunks` chunks (files of 10 hunks × 20 changed lines). */
async function pullRequestOf(chunks: number): Promise<PullRequestFile[]> {
  if (chunks === 1) return smallPullRequest();
  const perFile = (await planOf(filesOf(4))).diffTokens / 4;
  let count = Math.max(1, Math.floor((chunks * MAX_CHUNK_TOKENS * 0.97) / perFile));
  for (let tries = 0; tries < 20; tries += 1) {
    const planned = (await planOf(filesOf(count))).chunks;
    if (planned === chunks) return filesOf(count);
    count += planned < chunks ? 1 : -1;
  }
  throw new Error(`no generated pull request of ${chunks} chunks`);
}

/**
 * 3. Prompt economics: total prompt tokens ÷ diff tokens, and the share of prompt tokens billed at the cache-hit price,
 * on 1-, 10- and 50-chunk pull requests, in the steady state (the account reviewed another pull request before, so
 * the system prompt is in DeepSeek's cache). The stand-in bills a prefix cache in 64-token units; requests in flight
 * together do not share (the cache is built as a request is served).
 */
export async function runEconomics(): Promise<Figure[]> {
  const model = createBillingModel();
  await reviewInProcess({ files: smallPullRequest(), number: 1, model }); // an earlier review: the system prompt is cached
  const figures: Figure[] = [];
  for (const [index, chunks] of [1, 10, 50].entries()) {
    const files = await pullRequestOf(chunks);
    const { diffTokens } = await planOf(files);
    const before = model.calls.length;
    await reviewInProcess({ files, number: 10 + index, model, settings: { maxPrTokens: MAX_PR_TOKENS } });
    const calls = model.calls.slice(before);
    const hit = calls.reduce((sum, call) => sum + call.hit, 0);
    const prompt = calls.reduce((sum, call) => sum + call.hit + call.miss, 0);
    const note = `${calls.length} requests, ${prompt.toLocaleString("en-US")} prompt tokens for ${diffTokens.toLocaleString("en-US")} diff tokens`;
    console.log(`  ${chunks}-chunk PR: ${note}`);
    figures.push(
      { name: `${chunks}-chunk PR: prompt tokens ÷ diff tokens`, value: prompt / diffTokens, unit: "", note },
      {
        name: `${chunks}-chunk PR: prompt tokens billed at the cache-hit price`,
        value: (100 * hit) / prompt,
        unit: "%",
      },
    );
  }
  return figures;
}
