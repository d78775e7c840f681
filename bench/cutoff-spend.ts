/**
 * npm run bench:cutoff — what one review costs when the model cuts off every answer (`finish_reason: length`),
 * for a 400k-token pull request on Flash and on Pro, and for a repository whose `max_pr_tokens` is 2,000,000 on
 * Pro; plus, for comparison, the same 400k-token pull request with ordinary answers. Each review runs through the
 * production orchestrator (src/jobs/run-review.ts → src/review/review-pull-request.ts) with the environment's
 * default ceilings and a fresh in-process spend window, a stand-in model, and the real price table. No network.
 *
 * The stand-in reports every prompt token as DeepSeek would bill it: the system prompt as a cache hit (it is the
 * same in every request), the rest as a cache miss; a cut-off answer as `max_tokens` of output, an ordinary one as
 * 300. Calls and dollars are counted by the stand-in itself, not read from the app. Tokens are the pipeline's
 * estimate (3.5 characters per token), so that a 2M-token plan takes seconds rather than minutes. The ceilings
 * are read from the environment like the app's (e.g. `REVIEW_MAX_COST_USD=0 npm run bench:cutoff` shows the
 * per-chunk bound alone).
 */
import { readEnv } from "../src/config/env.js";
import * as settingsFromEnv from "../src/config/settings-from-env.js";
import { computeCost, formatUsd } from "../src/cost/compute-cost.js";
import { DEFAULT_PRICES } from "../src/cost/prices.js";
import { runReview } from "../src/jobs/run-review.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "../src/llm/types.js";
import { createLimit } from "../src/queue/create-limit.js";
import { estimateTokens } from "../src/review/count-tokens.js";
import type { PullRequestFile, PullRequestInfo } from "../src/review/types.js";
import { createRecordingGateway, createRecordingLogger, reviewSettings } from "../test/helpers/fakes.js";

const FLASH = "deepseek-v4-flash";
const PRO = "deepseek-v4-pro";
const LINES_PER_FILE = 400;
const ORDINARY_OUTPUT_TOKENS = 300;

const pr: PullRequestInfo = {
  owner: "octo",
  repo: "bench",
  number: 1,
  title: "Add the reporting module",
  body: "Adds generated report builders and their wiring.",
  headSha: "0123456789abcdef0123456789abcdef01234567",
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

/** New files of varied code lines, about `tokens` estimated tokens of diff in all. */
function pullRequestOf(tokens: number): PullRequestFile[] {
  const files: PullRequestFile[] = [];
  let total = 0;
  for (let file = 0; total < tokens; file++) {
    const lines = Array.from({ length: LINES_PER_FILE }, (_, i) => lineOf(file, i));
    const patch = [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join("\n");
    total += estimateTokens(patch);
    files.push({
      path: `src/reports/report-${file}.ts`,
      status: "added",
      additions: lines.length,
      deletions: 0,
      changes: lines.length,
      patch,
    });
  }
  return files;
}

function lineOf(file: number, i: number): string {
  switch (i % 4) {
    case 0:
      return `export function buildRow${i}(input: Row${file}): Cell[] {`;
    case 1:
      return `  const total${i} = input.items.reduce((sum, item) => sum + item.value * ${(i * 7) % 13}, ${file});`;
    case 2:
      return `  if (total${i - 1} > LIMIT_${file % 9}) throw new RangeError(\`row ${i} over \${LIMIT_${file % 9}}\`);`;
    default:
      return `  return [cell("${file}-${i}"), cell(total${i - 2}.toFixed(2))]; }`;
  }
}

/** A stand-in that answers every request the same way and keeps its own count of calls and dollars. */
function standInModel(kind: "cut off" | "ordinary") {
  let calls = 0;
  let costUsd = 0;
  let systemTokens: number | undefined;
  const model: ModelClient = {
    async complete(request: ModelRequest): Promise<ModelResponse> {
      await new Promise((resolve) => setImmediate(resolve));
      calls += 1;
      const [system, ...rest] = request.messages;
      systemTokens ??= estimateTokens(system?.content ?? "");
      const usage: Usage = {
        promptCacheHitTokens: systemTokens,
        promptCacheMissTokens: rest.reduce((sum, message) => sum + estimateTokens(message.content), 0),
        completionTokens: kind === "cut off" ? request.maxTokens : ORDINARY_OUTPUT_TOKENS,
      };
      costUsd += computeCost({ usage, model: request.model, at: new Date(), prices: DEFAULT_PRICES });
      return kind === "cut off"
        ? {
            content: '{"findings":[{"path":"src/reports/report-0.ts","line":1,"severity":"ma',
            finishReason: "length",
            usage,
          }
        : { content: '{"findings":[]}', finishReason: "stop", usage };
    },
  };
  return { model, counts: () => ({ calls, costUsd }) };
}

/** The production ceilings, where this version of the app has them. */
async function productionSpend() {
  const env = readEnv({ ...process.env, DEEPSEEK_API_KEY: "sk-bench" });
  const limitsFromEnv = (settingsFromEnv as Record<string, unknown>).spendLimitsFromEnv;
  if (typeof limitsFromEnv !== "function") return {};
  const { createSpendWindows } = await import("../src/cost/spend-windows.js");
  const limits = limitsFromEnv(env);
  return { spend: { limits: limits.review, windows: createSpendWindows(limits.windows), installationId: 1 } };
}

async function measure(params: {
  label: string;
  model: string;
  tokens: number;
  maxPrTokens: number;
  kind: "cut off" | "ordinary";
}) {
  const files = pullRequestOf(params.tokens);
  const standIn = standInModel(params.kind);
  const log = createRecordingLogger();
  const started = performance.now();
  await runReview({
    ref: pr,
    trigger: "auto",
    prepare: async () => ({
      pr,
      github: createRecordingGateway({ files, headSha: pr.headSha }),
      settings: reviewSettings({ model: params.model, maxPrTokens: params.maxPrTokens }),
    }),
    model: standIn.model,
    limit: createLimit(8),
    countTokens: estimateTokens,
    log,
    ...(await productionSpend()),
  });
  const { calls, costUsd } = standIn.counts();
  const outcome = log.entries.find((entry) => entry.msg.startsWith("review."));
  const logged = outcome?.obj as
    | { costUsd?: number; requests?: number; reason?: string; limitReached?: { setting?: string } }
    | undefined;
  console.log(
    [
      params.label.padEnd(44),
      `${String(calls).padStart(5)} calls`,
      formatUsd(costUsd).padStart(10),
      `  app logged ${outcome?.msg ?? "nothing"}: ${logged?.requests ?? "?"} requests, ${formatUsd(logged?.costUsd ?? Number.NaN)}`,
      `  (${Math.round(performance.now() - started)} ms)`,
      logged?.limitReached === undefined
        ? ""
        : `\n${"".padEnd(46)}stopped by ${logged.limitReached.setting ?? "a limit"}`,
      logged?.reason === undefined ? "" : `\n${"".padEnd(46)}first reason: ${logged.reason}`,
    ].join(""),
  );
}

console.log(
  `${pullRequestOf(400_000).length} new files of ${LINES_PER_FILE} lines per 400k tokens of diff\n`,
);
await measure({
  label: "400k tokens, Flash, ordinary answers",
  model: FLASH,
  tokens: 400_000,
  maxPrTokens: 400_000,
  kind: "ordinary",
});
await measure({
  label: "400k tokens, Flash, every answer cut off",
  model: FLASH,
  tokens: 400_000,
  maxPrTokens: 400_000,
  kind: "cut off",
});
await measure({
  label: "400k tokens, Pro, every answer cut off",
  model: PRO,
  tokens: 400_000,
  maxPrTokens: 400_000,
  kind: "cut off",
});
await measure({
  label: "2M tokens (max_pr_tokens), Pro, every cut off",
  model: PRO,
  tokens: 2_000_000,
  maxPrTokens: 2_000_000,
  kind: "cut off",
});
