import type { Usage } from "./types.js";

/**
 * Base of every failure of a model call. `retryable` says whether sending the same request again may succeed;
 * `usage` lists the billed attempts made before the failure, so their cost is still recorded.
 * Messages never contain the API key, the prompt or the model's answer.
 */
export class ModelError extends Error {
  override name = "ModelError";
  readonly retryable: boolean;
  readonly status?: number;
  usage: Usage[];

  constructor(params: {
    message: string;
    retryable: boolean;
    status?: number;
    usage?: Usage[];
    cause?: unknown;
  }) {
    super(params.message, params.cause === undefined ? undefined : { cause: params.cause });
    this.retryable = params.retryable;
    if (params.status !== undefined) {
      this.status = params.status;
    }
    this.usage = params.usage ?? [];
  }
}

/** The HTTP request to DeepSeek failed: an error status, a refused connection or a timeout. */
export class ModelRequestError extends ModelError {
  override name = "ModelRequestError";
  /** A plain-English sentence fragment for the review body, e.g. "DeepSeek rejected the API key". */
  readonly userMessage: string;

  constructor(params: {
    message: string;
    userMessage: string;
    retryable: boolean;
    status?: number;
    usage?: Usage[];
    cause?: unknown;
  }) {
    super(params);
    this.userMessage = params.userMessage;
  }
}

/**
 * A 2xx answer arrived and then could not be read: the body broke off, timed out, or is not JSON. DeepSeek bills
 * such a request, so `usage` holds one estimate (`estimated: true`, see `promptTokenBound`); asking again is the
 * caller's choice (`completeJson` does, after a backoff).
 */
export class AnswerBrokeOffError extends ModelRequestError {
  override name = "AnswerBrokeOffError";

  constructor(params: { message: string; usage: Usage[]; cause?: unknown }) {
    super({
      message: params.message,
      userMessage: "DeepSeek's answer broke off in transit",
      retryable: true,
      usage: params.usage,
      ...(params.cause === undefined ? {} : { cause: params.cause }),
    });
  }
}

/** Why one answer could not be used. */
export type AnswerProblem =
  | "cut off"
  | "broke off"
  | "blank"
  | "not JSON"
  | "wrong shape"
  | "content_filter"
  | "insufficient_system_resource";

/** Every attempt gave a blank, non-JSON or wrongly shaped answer (or was refused by a filter). */
export class InvalidAnswerError extends ModelError {
  override name = "InvalidAnswerError";
  /** The problem of each attempt, in order. */
  readonly problems: AnswerProblem[];

  constructor(params: { problems: AnswerProblem[]; usage: Usage[] }) {
    super({
      message: `DeepSeek gave no usable answer in ${params.problems.length} attempt(s): ${params.problems.join(", ")}`,
      retryable: false,
      usage: params.usage,
    });
    this.problems = params.problems;
  }
}

/** The answer was cut off at `max_tokens`: the caller should split the chunk; asking the same again would not help. */
export class TruncatedAnswerError extends ModelError {
  override name = "TruncatedAnswerError";
  readonly problems: AnswerProblem[];

  constructor(params: { problems: AnswerProblem[]; usage: Usage[] }) {
    super({
      message: `DeepSeek's answer was cut off at the token limit (attempts: ${params.problems.join(", ")})`,
      retryable: false,
      usage: params.usage,
    });
    this.problems = params.problems;
  }
}
