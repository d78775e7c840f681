import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { AnswerBrokeOffError, ModelRequestError } from "./errors.js";
import { promptTokenBound } from "./prompt-token-bound.js";
import { backoffMs, requestedWaitMs, sleep } from "./retry-delay.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "./types.js";

const tokenCountSchema = z.number().int().nonnegative();

/** DeepSeek's usage object. The SDK passes the DeepSeek-only cache fields through untyped. */
const usageSchema = z.object({
  prompt_tokens: tokenCountSchema.optional(),
  completion_tokens: tokenCountSchema.optional(),
  prompt_cache_hit_tokens: tokenCountSchema.optional(),
  prompt_cache_miss_tokens: tokenCountSchema.optional(),
  prompt_tokens_details: z.object({ cached_tokens: tokenCountSchema.nullish() }).nullish(),
});

/** Only what we read of a chat completion; anything else may be absent or malformed without harm. */
const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullish(),
        message: z.object({ content: z.string().nullish() }).nullish(),
      }),
    )
    .nullish(),
  usage: usageSchema.nullish().catch(null),
});

/** The request body we send: the SDK's params plus DeepSeek's `thinking` switch, which the SDK does not type. */
type DeepSeekChatParams = ChatCompletionCreateParamsNonStreaming & {
  thinking: { type: "enabled" | "disabled" };
};

/** How long a `Retry-After` the client waits out by default; DeepSeek asking for longer fails the call. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;

export interface ModelClientParams {
  apiKey: string;
  baseURL: string;
  /** The whole of one HTTP attempt, body included. */
  timeoutMs: number;
  /** Retries of a failure DeepSeek does not bill: connection errors, timeouts before an answer, 408, 409, 429, 5xx. */
  maxRetries: number;
  /** The longest `Retry-After` waited out; a longer one fails the call at once, saying how long DeepSeek asked. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  /** How the client waits between retries; a test passes a stand-in. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A DeepSeek chat client in JSON mode with thinking disabled, built on the openai SDK with the SDK's own retries
 * off: one loop here retries what DeepSeek does not bill, with exponential backoff and jitter, honouring
 * `retry-after-ms` and `retry-after` up to `maxRetryAfterMs`. An answer that arrives and breaks off is billed and
 * not retried here: it is thrown as `AnswerBrokeOffError` with an estimate of its usage. Failures reach the caller
 * as `ModelRequestError`.
 */
export function createModelClient(params: ModelClientParams): ModelClient {
  const openai = new OpenAI({
    apiKey: params.apiKey,
    baseURL: params.baseURL,
    timeout: params.timeoutMs,
    maxRetries: 0,
    // Do not pick up OpenAI settings from the environment and send them to DeepSeek.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    // The SDK's own debug log (OPENAI_LOG=debug) would print prompts; failures are reported through our errors.
    logLevel: "off",
    ...(params.fetch === undefined ? {} : { fetch: params.fetch }),
  });
  const maxRetryAfterMs = params.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const wait = params.sleep ?? sleep;

  return {
    async complete(request: ModelRequest): Promise<ModelResponse> {
      for (let retry = 0; ; retry++) {
        try {
          return await sendOnce({ openai, request, timeoutMs: params.timeoutMs });
        } catch (error) {
          const failure = toModelRequestError(error);
          if (!isUnbilledRetryable(failure) || retry >= params.maxRetries) throw failure;
          const asked = requestedWaitMs(headersOf(error), Date.now());
          if (asked !== undefined && asked > maxRetryAfterMs)
            throw waitTooLong(failure, asked, maxRetryAfterMs);
          await wait(asked ?? backoffMs(retry));
        }
      }
    },
  };
}

/** One HTTP attempt, with one timer for the whole of it: until the answer's last byte. */
async function sendOnce(params: {
  openai: OpenAI;
  request: ModelRequest;
  timeoutMs: number;
}): Promise<ModelResponse> {
  const { request } = params;
  const body: DeepSeekChatParams = {
    model: request.model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    response_format: { type: "json_object" },
    stream: false,
    thinking: { type: "disabled" },
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), params.timeoutMs);
  try {
    let response: Response;
    try {
      response = await params.openai.chat.completions
        .create(body, { signal: controller.signal })
        .asResponse();
    } catch (error) {
      throw controller.signal.aborted ? new OpenAI.APIConnectionTimeoutError() : error;
    }
    // DeepSeek answered 2xx: the request is billed from here on, whatever becomes of the body.
    return readCompletion(await readBody(response, controller.signal, request), request);
  } finally {
    clearTimeout(timer);
  }
}

/** The body of a 2xx answer: parsed JSON, or the text when it is not declared JSON. */
async function readBody(response: Response, signal: AbortSignal, request: ModelRequest): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw brokeOff(request, signal.aborted ? "timed out" : "broke off", error);
  }
  if (!(response.headers.get("content-type") ?? "").includes("json")) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw brokeOff(request, "is not JSON", error);
  }
}

/** A billed answer that could not be read, counted at its upper bound (see README "Cost"). */
function brokeOff(request: ModelRequest, how: string, cause: unknown): AnswerBrokeOffError {
  return new AnswerBrokeOffError({
    message: `DeepSeek's answer ${how} after HTTP 200; billed tokens estimated`,
    usage: [estimatedUsage(request)],
    cause,
  });
}

/** The most a request can have been billed: every prompt token a cache miss, and `max_tokens` of output. */
function estimatedUsage(request: ModelRequest): Usage {
  return {
    promptCacheHitTokens: 0,
    promptCacheMissTokens: promptTokenBound(request.messages),
    completionTokens: request.maxTokens,
    estimated: true,
  };
}

function isUnbilledRetryable(failure: unknown): failure is ModelRequestError {
  return (
    failure instanceof ModelRequestError && failure.retryable && !(failure instanceof AnswerBrokeOffError)
  );
}

function headersOf(error: unknown): Headers | undefined {
  return error instanceof OpenAI.APIError ? error.headers : undefined;
}

function waitTooLong(failure: ModelRequestError, askedMs: number, maxMs: number): ModelRequestError {
  const asked = Math.ceil(askedMs / 1_000);
  return new ModelRequestError({
    message: `${failure.message}; DeepSeek asked to wait ${asked} s, more than DEEPSEEK_MAX_RETRY_AFTER_MS (${maxMs} ms)`,
    userMessage: `DeepSeek asked to wait ${asked} s, longer than the app waits (${Math.floor(maxMs / 1_000)} s)`,
    retryable: false,
    ...(failure.status === undefined ? {} : { status: failure.status }),
  });
}

function readCompletion(completion: unknown, request: ModelRequest): ModelResponse {
  const parsed = completionSchema.safeParse(completion);
  if (!parsed.success) {
    throw new ModelRequestError({
      message: "DeepSeek answered with a body that is not a chat completion",
      userMessage: "DeepSeek sent an unexpected response",
      retryable: false,
    });
  }
  const choice = parsed.data.choices?.[0];
  const content = choice?.message?.content ?? "";
  return {
    content,
    finishReason: choice?.finish_reason ?? "",
    usage: readUsage(parsed.data.usage, request, content),
  };
}

/**
 * DeepSeek's usage; what it leaves out is estimated from above and marked: the prompt at `promptTokenBound`, all
 * cache misses; the output at one token per UTF-8 byte of the answer, at most `max_tokens`.
 */
function readUsage(
  usage: z.infer<typeof usageSchema> | null | undefined,
  request: ModelRequest,
  content: string,
): Usage {
  const prompt = readPrompt(usage);
  const completionTokens =
    usage?.completion_tokens ?? Math.min(request.maxTokens, Buffer.byteLength(content, "utf8"));
  const estimated = prompt === undefined || usage?.completion_tokens === undefined;
  return {
    promptCacheHitTokens: prompt?.hits ?? 0,
    promptCacheMissTokens: prompt?.misses ?? promptTokenBound(request.messages),
    completionTokens,
    ...(estimated ? { estimated: true } : {}),
  };
}

function readPrompt(
  usage: z.infer<typeof usageSchema> | null | undefined,
): { hits: number; misses: number } | undefined {
  if (usage === null || usage === undefined) return undefined;
  const hits = usage.prompt_cache_hit_tokens ?? usage.prompt_tokens_details?.cached_tokens ?? 0;
  if (usage.prompt_cache_miss_tokens !== undefined) return { hits, misses: usage.prompt_cache_miss_tokens };
  if (usage.prompt_tokens !== undefined) return { hits, misses: Math.max(0, usage.prompt_tokens - hits) };
  return undefined;
}

/** Converts the SDK's errors; anything else (a bug, not a request failure) is returned unchanged. */
function toModelRequestError(error: unknown): unknown {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelRequestError({
      message: "DeepSeek request timed out",
      userMessage: "DeepSeek did not answer in time",
      retryable: true,
    });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelRequestError({
      message: `DeepSeek connection failed: ${describeCause(error.cause)}`,
      userMessage: "DeepSeek did not answer in time",
      retryable: true,
    });
  }
  if (error instanceof OpenAI.APIUserAbortError) {
    return new ModelRequestError({
      message: "DeepSeek request was aborted",
      userMessage: "the DeepSeek request was cancelled",
      retryable: false,
    });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    const status = error.status;
    return new ModelRequestError({
      message: `DeepSeek answered HTTP ${status}${describeApiError(status, error.error)}`,
      userMessage: userMessageForStatus(status),
      retryable: isRetryableStatus(status),
      status,
    });
  }
  return error;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function userMessageForStatus(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return "DeepSeek rejected the request as invalid";
    case 401:
      return "DeepSeek rejected the API key";
    case 402:
      return "the DeepSeek balance is exhausted";
    case 403:
      return "DeepSeek refused access to the model";
    case 404:
      return "DeepSeek does not know the model or the address";
    case 408:
      return "DeepSeek did not answer in time";
    case 429:
      return "DeepSeek rate limit";
    default:
      return status >= 500 ? "DeepSeek server error" : `DeepSeek request failed (HTTP ${status})`;
  }
}

const apiErrorBodySchema = z.object({ message: z.string() });

/**
 * For 400 and 422 DeepSeek's explanation is what the operator needs (e.g. the prompt lacks the word "json").
 * Other statuses' texts are left out: a 401 text may echo part of the key.
 */
function describeApiError(status: number, body: unknown): string {
  if (status !== 400 && status !== 422) {
    return "";
  }
  const parsed = apiErrorBodySchema.safeParse(body);
  if (!parsed.success) {
    return "";
  }
  const text = parsed.data.message.replace(/sk-[A-Za-z0-9_-]+/g, "sk-…").slice(0, 300);
  return `: ${text}`;
}

/** Node's fetch wraps the socket error ("fetch failed" → ECONNREFUSED …): report the innermost one. */
function describeCause(cause: unknown): string {
  let innermost: unknown = cause;
  while (innermost instanceof Error && innermost.cause instanceof Error) {
    innermost = innermost.cause;
  }
  if (!(innermost instanceof Error)) {
    return "no further detail";
  }
  const code = (innermost as { code?: unknown }).code;
  return typeof code === "string" ? `${innermost.message} (${code})` : innermost.message;
}
