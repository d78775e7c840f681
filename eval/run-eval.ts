import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readEnv } from "../src/config/env.js";
import { settingsFromEnv } from "../src/config/settings-from-env.js";
import { createModelClient } from "../src/llm/create-model-client.js";
import { createLimit } from "../src/queue/create-limit.js";
import { createTokenCounter } from "../src/review/count-tokens.js";
import { planChunksInline } from "../src/review/plan-chunks.js";
import { syntaxTasksInline } from "../src/review/syntax-tasks.js";
import type { Logger } from "../src/runtime/types.js";
import { loadCases } from "./lib/load-cases.js";
import { type EvalSetting, runCase, settingName } from "./lib/run-case.js";
import { type CaseResult, type Score, scoreCases } from "./lib/score-cases.js";

const USAGE = `Usage: npm run eval -- [--model flash|pro] [--verify on|off] [--context on|off] [--cases glob] [--json]
Each of --model, --verify and --context may be repeated or take a comma list (e.g. --verify on,off): every
combination is run and reported side by side. Defaults: flash, verify on, context on, every case.
Calls the model at DEEPSEEK_BASE_URL (default DeepSeek) with DEEPSEEK_API_KEY: it costs money.`;

/** Cases reviewed at once. */
const CONCURRENCY = 4;

const CASES_DIR = fileURLToPath(new URL("./cases/", import.meta.url));

function listOf<T extends string>(
  values: string[] | undefined,
  allowed: readonly T[],
  fallback: T,
  flag: string,
): T[] {
  const given = (values ?? [fallback]).flatMap((value) => value.split(",")).map((value) => value.trim());
  for (const value of given) {
    if (!allowed.includes(value as T))
      throw new Error(`--${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  }
  return [...new Set(given as T[])];
}

/** A logger that keeps the pipeline's warnings for the end of the run (they say why a case failed). */
function quietLog(warnings: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_obj: object, msg?: string) => {
      warnings.push(msg ?? "");
    },
    error: (_obj: object, msg?: string) => {
      warnings.push(msg ?? "");
    },
    child: () => log,
  } as unknown as Logger;
  return log;
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void,
): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    out(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help === true) {
    out(USAGE);
    return 0;
  }
  let settings: EvalSetting[];
  try {
    const models = listOf(args.values.model, ["flash", "pro"] as const, "flash", "model");
    const verify = listOf(args.values.verify, ["on", "off"] as const, "on", "verify");
    const context = listOf(args.values.context, ["on", "off"] as const, "on", "context");
    settings = models.flatMap((model) =>
      context.flatMap((ctx) => verify.map((ver) => ({ model, context: ctx === "on", verify: ver === "on" }))),
    );
  } catch (error) {
    out(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const cases = loadCases(CASES_DIR, args.values.cases ?? "*");
  if (cases.length === 0) {
    out(`No eval case matches "${args.values.cases}".`);
    return 2;
  }
  if ((env.DEEPSEEK_API_KEY ?? "").trim() === "") {
    out(
      `DEEPSEEK_API_KEY is not set: the eval reviews ${cases.length} cases with a real model, which costs money, so nothing was run. Set DEEPSEEK_API_KEY (and DEEPSEEK_BASE_URL for another OpenAI-compatible server) to run it.`,
    );
    return 0;
  }
  const appEnv = readEnv(env);
  const processSettings = settingsFromEnv(appEnv);
  const model = createModelClient({
    apiKey: appEnv.DEEPSEEK_API_KEY,
    baseURL: appEnv.DEEPSEEK_BASE_URL,
    timeoutMs: appEnv.DEEPSEEK_TIMEOUT_MS,
    maxRetries: appEnv.DEEPSEEK_MAX_RETRIES,
    maxRetryAfterMs: appEnv.DEEPSEEK_MAX_RETRY_AFTER_MS,
  });
  const countTokens = createTokenCounter();
  const planChunks = planChunksInline(countTokens);
  const syntax = syntaxTasksInline(countTokens);
  const limit = createLimit(CONCURRENCY);
  const warnings: string[] = [];
  const log = quietLog(warnings);
  const scores: { setting: EvalSetting; score: Score; results: CaseResult[] }[] = [];
  for (const setting of settings) {
    const results = await Promise.all(
      cases.map((one) =>
        limit(() =>
          runCase({
            one,
            setting,
            process: processSettings,
            model,
            limit: (task) => task(),
            countTokens,
            planChunks,
            syntax,
            log,
          }),
        ),
      ),
    );
    scores.push({ setting, score: scoreCases(cases, results), results });
  }
  if (args.values.json === true) {
    out(
      JSON.stringify(
        {
          baseUrl: appEnv.DEEPSEEK_BASE_URL,
          cases: cases.length,
          settings: scores.map(({ setting, score, results }) => ({ setting, score, results })),
        },
        null,
        2,
      ),
    );
  } else {
    out(renderTable(scores));
    const failed = scores.flatMap(({ setting, results }) =>
      results
        .filter((result) => result.error !== undefined)
        .map((result) => `${settingName(setting)}: ${result.id}: ${result.error}`),
    );
    if (failed.length > 0)
      out(`\nCases whose review failed:\n${failed.map((line) => `- ${line}`).join("\n")}`);
  }
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      model: { type: "string", multiple: true },
      verify: { type: "string", multiple: true },
      context: { type: "string", multiple: true },
      cases: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const dollars = (value: number) => `$${value.toFixed(5)}`;

/** One row per measure, one column per setting. */
export function renderTable(scores: readonly { setting: EvalSetting; score: Score }[]): string {
  const rows: [string, (score: Score) => string][] = [
    ["cases", (score) => String(score.cases)],
    [
      "recall (defect found within ±2 lines)",
      (score) => `${percent(score.recall)} (${score.found}/${score.defects})`,
    ],
    [
      "precision (comments on a defect)",
      (score) => `${percent(score.precision)} (${score.correctComments}/${score.comments})`,
    ],
    ["comments per PR", (score) => score.commentsPerPr.toFixed(2)],
    ["cost", (score) => dollars(score.costUsd)],
    ["cost per PR", (score) => dollars(score.costPerPrUsd)],
    ["of which verification", (score) => dollars(score.verificationCostUsd)],
    ["findings rejected by verification", (score) => String(score.rejected)],
    ["reviews failed", (score) => String(score.errors)],
  ];
  const header = `| measure | ${scores.map(({ setting }) => settingName(setting)).join(" | ")} |`;
  const rule = `|---|${scores.map(() => "---").join("|")}|`;
  const body = rows.map(
    ([name, cell]) => `| ${name} | ${scores.map(({ score }) => cell(score)).join(" | ")} |`,
  );
  return [header, rule, ...body].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env, (text) => console.log(text)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
