import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { ModelRequestError } from "./errors.js";
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

/**
 * A DeepSeek chat client in JSON mode with thinking disabled, built on the openai SDK.
 * The SDK retries connection errors, 408, 409, 429 and 5xx itself (`maxRetries`, honouring `retry-after`).
 * Failures reach the caller as `ModelRequestError`.
 */
export function createModelClient(params: {
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof fetch;
}): ModelClient {
  const openai = new OpenAI({
    apiKey: params.apiKey,
    baseURL: params.baseURL,
    timeout: params.timeoutMs,
    maxRetries: params.maxRetries,
    // Do not pick up OpenAI settings from the environment and send them to DeepSeek.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    // The SDK's own debug log (OPENAI_LOG=debug) would print prompts; failures are reported through our errors.
    logLevel: "off",
    ...(params.fetch === undefined ? {} : { fetch: params.fetch }),
  });

  return {
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const body: DeepSeekChatParams = {
        model: request.model,
        messages: request.messages,
        max_tokens: request.maxTokens,
        temperature: request.temperature,
        response_format: { type: "json_object" },
        stream: false,
        thinking: { type: "disabled" },
      };
      // The SDK retries failed requests, but not a 200 whose body breaks off or is not JSON; those are retried here.
      for (let attempt = 0; ; attempt++) {
        try {
          return readCompletion(await openai.chat.completions.create(body));
        } catch (error) {
          if (isBrokenBody(error) && attempt < params.maxRetries) continue;
          throw toModelRequestError(error);
        }
      }
    },
  };
}

function readCompletion(completion: unknown): ModelResponse {
  const parsed = completionSchema.safeParse(completion);
  if (!parsed.success) {
    throw new ModelRequestError({
      message: "DeepSeek answered with a body that is not a chat completion",
      userMessage: "DeepSeek sent an unexpected response",
      retryable: false,
    });
  }
  const choice = parsed.data.choices?.[0];
  return {
    content: choice?.message?.content ?? "",
    finishReason: choice?.finish_reason ?? "",
    usage: readUsage(parsed.data.usage),
  };
}

function readUsage(usage: z.infer<typeof usageSchema> | null | undefined): Usage {
  const hits = usage?.prompt_cache_hit_tokens ?? usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const misses = usage?.prompt_cache_miss_tokens ?? Math.max(0, (usage?.prompt_tokens ?? 0) - hits);
  return {
    promptCacheHitTokens: hits,
    promptCacheMissTokens: misses,
    completionTokens: usage?.completion_tokens ?? 0,
  };
}

/** A 200 whose body broke off mid-stream (`TypeError: terminated`) or could not be parsed as JSON. */
function isBrokenBody(error: unknown): boolean {
  return (
    error instanceof SyntaxError ||
    (error instanceof TypeError && /terminated|body|fetch failed/i.test(error.message))
  );
}

/** Converts the SDK's errors; anything else (a bug, not a request failure) is returned unchanged. */
function toModelRequestError(error: unknown): unknown {
  if (isBrokenBody(error)) {
    return new ModelRequestError({
      message: `DeepSeek's answer broke off: ${(error as Error).name}`,
      userMessage: "DeepSeek's answer broke off in transit",
      retryable: true,
    });
  }
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
