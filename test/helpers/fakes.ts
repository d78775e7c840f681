import { readEnv } from "../../src/config/env.js";
import { type ProcessSettings, settingsFromEnv } from "../../src/config/settings-from-env.js";
import { DEFAULT_PRICES } from "../../src/cost/prices.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "../../src/llm/types.js";
import type { FindingIdentity } from "../../src/records/record-schema.js";
import type { ReviewSettings } from "../../src/review/review-pull-request.js";
import type {
  Comparison,
  OwnReview,
  PullRequestFile,
  PullRequestGateway,
  ReviewComment,
  ReviewRecordDraft,
} from "../../src/review/types.js";
import type { Limit, Logger } from "../../src/runtime/types.js";

/** What the fake model does on one call: answer, or throw the error. */
export type ModelStep = ModelResponse | Error;

/**
 * A queue of steps played back in order, or a function of the request and the call's number (from 1).
 * The function may be async, e.g. to wait on a deferred promise.
 */
export type ModelScript =
  | ModelStep[]
  | ((request: ModelRequest, call: number) => ModelStep | Promise<ModelStep>);

export interface ScriptedModel extends ModelClient {
  /** Every request received, in call order. */
  readonly requests: ModelRequest[];
}

/** A model client that answers from a script and records what it was asked. An unscripted call throws. */
export function createScriptedModel(script: ModelScript): ScriptedModel {
  const requests: ModelRequest[] = [];
  return {
    requests,
    async complete(request) {
      requests.push(request);
      const call = requests.length;
      const step = typeof script === "function" ? await script(request, call) : script[call - 1];
      if (step === undefined) throw new Error(`unexpected model call ${call}`);
      if (step instanceof Error) throw step;
      return step;
    },
  };
}

export const ZERO_USAGE: Usage = { promptCacheHitTokens: 0, promptCacheMissTokens: 0, completionTokens: 0 };

/** A usage whose numbers tell responses apart: call n → n hundred hits, n tens of misses, n output tokens. */
export function usageOfCall(call: number): Usage {
  return { promptCacheHitTokens: 100 * call, promptCacheMissTokens: 10 * call, completionTokens: call };
}

/** A finished JSON answer with these findings (written as the model writes them: snake_case). */
export function answerWith(findings: unknown[], usage: Usage = ZERO_USAGE): ModelResponse {
  return { content: JSON.stringify({ findings }), finishReason: "stop", usage };
}

/** An answer stopped at `max_tokens` in the middle of the JSON. */
export function cutOffAnswer(usage: Usage = ZERO_USAGE): ModelResponse {
  return {
    content: '{"findings":[{"path":"src/a.ts","line":1,"severity":"ma',
    finishReason: "length",
    usage,
  };
}

/** A finished answer that is prose instead of JSON. */
export function proseAnswer(usage: Usage = ZERO_USAGE): ModelResponse {
  return { content: "The change looks fine to me.", finishReason: "stop", usage };
}

/** The `<diff>` part of a request's user message ("" when there is none). */
export function diffOf(request: Pick<ModelRequest, "messages"> | undefined): string {
  const user = request?.messages.find((message) => message.role === "user")?.content ?? "";
  return /<diff>\n([\s\S]*)<\/diff>/.exec(user)?.[1] ?? "";
}

/** The paths of the `=== FILE: path ===` headers of a request's diff, in order. */
export function filesOf(request: ModelRequest): string[] {
  return [...diffOf(request).matchAll(/^=== FILE: (.+?) ===$/gm)].map((match) => match[1] ?? "");
}

export interface PostedReview {
  commitId: string;
  body: string;
  comments: ReviewComment[];
  record: ReviewRecordDraft;
}

/** A review of the app on `sha`, as the gateway lists it: its record says it reviewed `sha`, completely or not. */
export function ownReviewOf(params: {
  id: number;
  sha: string;
  /** The base the review saw; default 40 zeros. */
  base?: string;
  complete?: boolean;
  refused?: FindingIdentity[];
}) {
  return {
    id: params.id,
    commitId: params.sha,
    record: {
      kind: "review",
      head: params.sha,
      base: params.base ?? "0".repeat(40),
      complete: params.complete ?? true,
      post: `post-${params.id}-nonce`,
      refused: params.refused ?? [],
    },
  } satisfies OwnReview;
}

export interface RecordingGateway extends PullRequestGateway {
  /** Every review posted, in order. */
  readonly reviews: PostedReview[];
  /** Every file read, as `ref:path`, when the gateway was given `contents`. */
  readonly reads?: string[];
}

/**
 * A gateway that lists `files` (or rejects with the error) and records the reviews posted. By default the app
 * has no earlier review on the pull request; `ownReviews`, `postedFindings` and `comparisons` (by "base...head")
 * stand in for GitHub's answers otherwise.
 */
export function createRecordingGateway(params: {
  files: PullRequestFile[] | Error;
  /** The pull request's head as `readHead` reports it (it must be the head under review, or nothing is posted). */
  headSha: string;
  baseSha?: string;
  reviewId?: number;
  ownReviews?: OwnReview[];
  postedFindings?: FindingIdentity[];
  comparisons?: Record<string, Comparison | undefined>;
  /** How many inline comments GitHub is to refuse (they go into the body); default none. */
  rejected?: number;
  /** File texts at the head by path (an Error: the read fails); when given, the gateway can read files. */
  contents?: Record<string, string | Error>;
}): RecordingGateway {
  const reviews: PostedReview[] = [];
  const contents = params.contents;
  const reads: string[] = [];
  return {
    reviews,
    ...(contents === undefined
      ? {}
      : {
          reads,
          async readFile(path: string, ref: string) {
            reads.push(`${ref}:${path}`);
            const content = contents[path];
            if (content instanceof Error) throw content;
            return content;
          },
        }),
    async listFiles() {
      if (params.files instanceof Error) throw params.files;
      return params.files;
    },
    async readHead() {
      return { headSha: params.headSha, baseSha: params.baseSha ?? "b".repeat(40) };
    },
    async createReview(review) {
      reviews.push(review);
      return {
        id: params.reviewId ?? 1,
        ...(params.rejected === undefined ? {} : { rejected: params.rejected }),
      };
    },
    async listOwnReviews() {
      return params.ownReviews ?? [];
    },
    async listPostedFindings() {
      return params.postedFindings ?? [];
    },
    async compare(base, head) {
      return params.comparisons?.[`${base}...${head}`];
    },
  };
}

/** The process settings of an environment with only an API key: every default and ceiling. */
export function defaultProcessSettings(overrides: Partial<ProcessSettings> = {}): ProcessSettings {
  return { ...settingsFromEnv(readEnv({ DEEPSEEK_API_KEY: "sk-test" })), ...overrides };
}

/** Review settings as the environment's defaults make them, with `overrides`. */
export function reviewSettings(overrides: Partial<ReviewSettings> = {}): ReviewSettings {
  return {
    model: "deepseek-v4-flash",
    proModel: "deepseek-v4-pro",
    proPaths: [],
    maxChunkTokens: 12_000,
    maxOutputTokens: 4_096,
    maxComments: 20,
    maxFilePatchBytes: 200_000,
    maxPrTokens: 400_000,
    minSeverity: "nit",
    temperature: 0.1,
    prices: DEFAULT_PRICES,
    ...overrides,
  };
}

export interface LogEntry {
  level: keyof Logger;
  obj: object;
  msg: string;
}

export interface RecordingLogger extends Logger {
  /** Every line logged, in order. */
  readonly entries: LogEntry[];
  /** The lines logged with this message. */
  withMessage(msg: string): LogEntry[];
}

/** A logger that keeps what it is given. */
export function createRecordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const record = (level: keyof Logger) => (obj: object, msg: string) => {
    entries.push({ level, obj, msg });
  };
  return {
    entries,
    withMessage: (msg) => entries.filter((entry) => entry.msg === msg),
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}

/** No cap: runs every task at once. */
export const noLimit: Limit = (task) => task();

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise settled from outside. */
export function createDeferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (reason: unknown) => void = () => {};
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/** Resolves once every pending promise callback has run (the next turn of the event loop). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A changed file as `listFiles` returns it, from its patch (hunks only). Counts are taken from the patch.
 */
export function pullRequestFile(params: {
  path: string;
  patch?: string;
  status?: PullRequestFile["status"];
  previousPath?: string;
}): PullRequestFile {
  const lines = params.patch?.split("\n") ?? [];
  const additions = lines.filter((line) => line.startsWith("+")).length;
  const deletions = lines.filter((line) => line.startsWith("-")).length;
  return {
    path: params.path,
    status: params.status ?? "modified",
    additions,
    deletions,
    changes: additions + deletions,
    ...(params.patch === undefined ? {} : { patch: params.patch }),
    ...(params.previousPath === undefined ? {} : { previousPath: params.previousPath }),
  };
}

/** The patch of a new file with these lines. */
export function addedPatch(lines: string[]): string {
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join("\n");
}
