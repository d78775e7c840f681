import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { styleText } from "node:util";
import { EnvError, readEnv } from "../config/env.js";
import type { ConfigProblem } from "../config/repo-config.js";
import { settingsFromEnv } from "../config/settings-from-env.js";
import { createSpendMeter } from "../cost/spend-meter.js";
import { proReasonFor, settingsForReview } from "../jobs/settings-for-review.js";
import { createModelClient } from "../llm/create-model-client.js";
import type { ModelClient } from "../llm/types.js";
import { createLimit } from "../queue/create-limit.js";
import { atOrAbove, type FailOn } from "../review/at-or-above.js";
import { createTokenCounter } from "../review/count-tokens.js";
import { type ChunkPlan, planChunksInline } from "../review/plan-chunks.js";
import { type ReviewOutcome, reviewPullRequest } from "../review/review-pull-request.js";
import type { Logger } from "../runtime/types.js";
import { buildCliReport } from "./build-cli-report.js";
import type { CliReport } from "./cli-report.js";
import { createLocalGateway } from "./create-local-gateway.js";
import { createProgress, type ProgressStream } from "./create-progress.js";
import { createProgressMeter, DryRunStop } from "./create-progress-meter.js";
import { estimatePlan } from "./estimate-plan.js";
import { loadLocalConfig } from "./load-local-config.js";
import { readLocalDiff } from "./read-local-diff.js";
import { renderDryRun, renderDryRunJson } from "./render-dry-run.js";
import { renderJsonReport } from "./render-json-report.js";
import { renderMarkdownReport } from "./render-markdown-report.js";
import { renderSarif } from "./render-sarif.js";
import { type Paint, plain, renderTextReport } from "./render-text-report.js";
import { UsageError } from "./usage-error.js";

export const FORMATS = ["text", "json", "markdown", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

export interface ReviewCommandOptions {
  base?: string;
  head?: string;
  diff?: string;
  dryRun: boolean;
  format: Format;
  output?: string;
  model?: "flash" | "pro";
  config?: string;
  failOn: FailOn;
  quiet: boolean;
}

/** The process around the command, passed in so that tests can run it in-process. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Exit codes: nothing at or above `--fail-on`; findings at or above it; a usage, configuration or API error. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/**
 * `deepseek-review review`: the App's pipeline on a local diff. Reads the diff and the configuration, plans, and
 * either stops there (`--dry-run`: the plan and its cost, no key, no network) or asks DeepSeek and prints the
 * findings in the chosen format. Returns the exit code; the one stderr line of an error is written here.
 */
export async function runReviewCommand(options: ReviewCommandOptions, io: CliIo): Promise<number> {
  try {
    return await review(options, io);
  } catch (error) {
    io.stderr.write(`deepseek-review: error: ${describeError(error)}\n`);
    return EXIT.error;
  }
}

async function review(options: ReviewCommandOptions, io: CliIo): Promise<number> {
  if (options.dryRun && options.format !== "text" && options.format !== "json")
    throw new UsageError(`--dry-run writes text or json, not ${options.format}: it has no findings`);
  const env = readCliEnv(io.env, options.dryRun);
  const processSettings = settingsFromEnv(env);
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet });
  const diff = await readLocalDiff({
    cwd: io.cwd,
    stdin: io.stdin,
    ...(options.base === undefined ? {} : { base: options.base }),
    ...(options.head === undefined ? {} : { head: options.head }),
    ...(options.diff === undefined
      ? {}
      : { diff: options.diff === "-" ? "-" : resolve(io.cwd, options.diff) }),
  });
  const loaded = await loadLocalConfig({
    root: diff.root ?? io.cwd,
    defaults: processSettings.repoDefaults,
    ...(options.config === undefined ? {} : { path: resolve(io.cwd, options.config) }),
  });
  refuseConfigProblems(loaded.problems, loaded.path);
  if (!options.quiet) {
    for (const problem of loaded.problems)
      io.stderr.write(
        `deepseek-review: warning: ${loaded.path ?? "configuration"}: ${problem.key}: ${problem.message}\n`,
      );
  }
  const config = options.model === "flash" ? { ...loaded.config, model: "flash" as const } : loaded.config;
  const settings = settingsForReview({
    process: processSettings,
    config,
    problems: loaded.problems,
    pro: proReasonFor({
      config,
      labels: [],
      ...(options.model === "pro" ? { command: "pro" as const } : {}),
    }),
  });
  const countTokens = createTokenCounter();
  const planner = planChunksInline(countTokens);
  let plan: ChunkPlan | undefined;
  const github = createLocalGateway(diff);
  const meter = createProgressMeter({
    inner: createSpendMeter({ prices: settings.prices }),
    progress,
    dryRun: options.dryRun,
  });
  progress.note(`planning ${diff.files.length} file${diff.files.length === 1 ? "" : "s"} of ${diff.source}`);
  let outcome: ReviewOutcome | undefined;
  try {
    outcome = await reviewPullRequest({
      pr: diff.pr,
      github,
      model: options.dryRun ? refuseCalls : modelFromEnv(env),
      settings,
      limit: createLimit(env.REVIEW_MAX_CONCURRENT_REQUESTS),
      countTokens,
      log: cliLog(io.stderr, options.quiet),
      trigger: "command",
      meter,
      planChunks: async (request) => {
        plan = await planner(request);
        return plan;
      },
    });
  } catch (error) {
    if (!(error instanceof DryRunStop)) throw error;
  } finally {
    progress.stop();
    await meter.close();
  }
  if (plan === undefined) throw new Error("the review ended before its plan was made");
  if (options.dryRun) {
    const estimate = estimatePlan({
      plan,
      settings,
      countTokens,
      prices: settings.prices,
      models: [processSettings.flashModel, processSettings.proModel],
      at: new Date(),
    });
    const dryRun = {
      source: diff.source,
      files: diff.files,
      skipped: [...plan.skipped, ...plan.overBudget],
      kept: plan.kept,
      estimate,
      planModels: plan.lanes.map((lane) => lane.model),
    };
    await emit(options, io, (paint) =>
      options.format === "json" ? renderDryRunJson(dryRun) : renderDryRun(dryRun, paint),
    );
    return EXIT.ok;
  }
  if (outcome === undefined) throw new Error("the review ended without an outcome");
  const report = await buildCliReport({ diff, plan, outcome, captured: github.captured() });
  await emit(options, io, (paint) => render(report, options.format, paint));
  if (outcome.failures.length > 0) {
    const failure = outcome.failures[0];
    const files = new Set(outcome.failures.flatMap((one) => one.paths)).size;
    io.stderr.write(
      `deepseek-review: error: ${files} file${files === 1 ? "" : "s"} not reviewed: ${failure?.reason ?? "the model failed"}\n`,
    );
    return EXIT.error;
  }
  return atOrAbove(report.findings, options.failOn).length > 0 ? EXIT.findings : EXIT.ok;
}

/** The environment, with the key asked for only when the model will be called. */
function readCliEnv(env: NodeJS.ProcessEnv, dryRun: boolean) {
  const key = env.DEEPSEEK_API_KEY?.trim();
  try {
    // A dry run never builds a model client: a stand-in key only gets the rest of the environment validated.
    return readEnv({
      ...env,
      DEEPSEEK_API_KEY: dryRun && !key ? "dry-run-needs-no-key" : env.DEEPSEEK_API_KEY,
    });
  } catch (error) {
    if (error instanceof EnvError) throw new UsageError(error.problems.join("; "));
    throw error;
  }
}

function modelFromEnv(env: ReturnType<typeof readEnv>): ModelClient {
  return createModelClient({
    apiKey: env.DEEPSEEK_API_KEY,
    baseURL: env.DEEPSEEK_BASE_URL,
    timeoutMs: env.DEEPSEEK_TIMEOUT_MS,
    maxRetries: env.DEEPSEEK_MAX_RETRIES,
    maxRetryAfterMs: env.DEEPSEEK_MAX_RETRY_AFTER_MS,
  });
}

/** The dry run's model: never called, since the meter stops the review first; if it were, it would refuse. */
const refuseCalls: ModelClient = {
  complete: () => Promise.reject(new Error("a dry run calls no model")),
};

/** A configuration the App would use with problems is refused here: the CLI's user is the one who can fix it. */
function refuseConfigProblems(problems: ConfigProblem[], path: string | undefined): void {
  const fatal = problems.filter((problem) => problem.key !== "_extends");
  const first = fatal[0];
  if (first === undefined) return;
  const more =
    fatal.length > 1 ? ` (and ${fatal.length - 1} more problem${fatal.length > 2 ? "s" : ""})` : "";
  throw new UsageError(`${path ?? "configuration"}: ${first.key}: ${first.message}${more}`);
}

function render(report: CliReport, format: Format, paint: Paint): string {
  switch (format) {
    case "json":
      return renderJsonReport(report, { version: VERSION });
    case "markdown":
      return renderMarkdownReport(report);
    case "sarif":
      return `${JSON.stringify(renderSarif(report, { version: VERSION }), null, 2)}\n`;
    default:
      return renderTextReport(report, paint);
  }
}

/** Writes the report to `--output` or stdout; colours only on a terminal's stdout, never with NO_COLOR. */
async function emit(options: ReviewCommandOptions, io: CliIo, renderWith: (paint: Paint) => string) {
  if (options.output !== undefined) {
    await writeFile(resolve(io.cwd, options.output), renderWith(plain), "utf8").catch(
      (error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot write ${options.output}: ${error.code ?? error.message}`);
      },
    );
    return;
  }
  const colour = io.stdout.isTTY === true && (io.env.NO_COLOR ?? "") === "";
  const paint: Paint = colour ? (format, text) => styleText(format, text, { validateStream: false }) : plain;
  io.stdout.write(renderWith(paint));
}

/** Warnings of the pipeline (a dropped finding, a chunk not reviewed) as plain stderr lines; the rest is quiet. */
function cliLog(stderr: ProgressStream, quiet: boolean): Logger {
  const warn = (obj: object, msg: string) => {
    if (quiet) return;
    const path = (obj as { path?: unknown; paths?: unknown }).path ?? (obj as { paths?: unknown }).paths;
    stderr.write(`deepseek-review: warning: ${msg}${path === undefined ? "" : ` (${String(path)})`}\n`);
  };
  return { debug() {}, info() {}, warn, error: warn };
}

function describeError(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  if (error instanceof Error) {
    const git = error as { stderr?: unknown; cmd?: unknown };
    if (typeof git.stderr === "string" && git.stderr.trim() !== "")
      return `git: ${git.stderr.trim().split("\n", 1)[0]}`;
    return `${error.name}: ${error.message.split("\n", 1)[0]}`;
  }
  return String(error);
}

/** The package's version, from package.json two folders up (src/cli/ and dist/cli/ alike). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();
