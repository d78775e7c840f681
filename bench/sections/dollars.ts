import { createTokenCounter } from "../../src/review/count-tokens.js";
import { planChunksInline } from "../../src/review/plan-chunks.js";
import type { PullRequestFile } from "../../src/review/types.js";
import { reviewSettings } from "../../test/helpers/fakes.js";
import type { Figure } from "../lib/figures.js";
import { labelOf, loadRealDiff, REAL_DIFFS } from "../lib/real-diffs.js";
import { COMPLETION_TOKENS, createBillingModel, reviewInProcess } from "../lib/review-in-process.js";

/** The paths the default settings send to the model (within the per-PR budget and the largest patch). */
async function keptPaths(files: PullRequestFile[]): Promise<Set<string>> {
  const settings = reviewSettings();
  const plan = await planChunksInline(createTokenCounter())({
    files,
    pr: { title: "t", body: "" },
    maxPatchBytes: settings.maxFilePatchBytes,
    include: [],
    exclude: [],
    maxPrTokens: settings.maxPrTokens,
    maxChunkTokens: settings.maxChunkTokens,
    model: settings.model,
    proModel: settings.proModel,
    proPaths: [],
  });
  return new Set(plan.kept);
}

/**
 * 5. Dollars per 1,000 changed lines with the default price table, Flash and Pro, on the real diffs, with the
 * default settings (per-PR budget, largest patch): changed lines counted over the files that were sent. Usage from
 * the prefix-billing stand-in (each answer billed COMPLETION_TOKENS), dollars from the price table as the app
 * computes them. Steady state: the system prompt is already cached by an earlier review.
 */
export async function runDollars(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const diff of REAL_DIFFS) {
    const files = loadRealDiff(diff);
    const kept = await keptPaths(files);
    const lines = files
      .filter((file) => kept.has(file.path))
      .reduce((sum, file) => sum + file.additions + file.deletions, 0);
    const total = files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
    for (const model of ["deepseek-v4-flash", "deepseek-v4-pro"]) {
      const billing = createBillingModel();
      await reviewInProcess({ files: files.slice(0, 1), number: 1, model: billing, settings: { model } });
      const outcome = await reviewInProcess({ files, number: 2, model: billing, settings: { model } });
      const note = `$${outcome.costUsd.toFixed(4)} for ${outcome.requests} requests over ${outcome.filesReviewed} files: ${lines.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} changed lines sent under the default budget; ${COMPLETION_TOKENS} output tokens per answer`;
      console.log(`  ${labelOf(diff)}, ${model}: ${note}`);
      figures.push({
        name: `${labelOf(diff)}, ${model === "deepseek-v4-pro" ? "Pro" : "Flash"}: dollars per 1,000 changed lines`,
        value: (outcome.costUsd / lines) * 1000,
        unit: "USD",
        note,
      });
    }
  }
  return figures;
}
