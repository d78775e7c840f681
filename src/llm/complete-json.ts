import type { Logger } from "../runtime/types.js";
import { type AnswerProblem, InvalidAnswerError, ModelError, TruncatedAnswerError } from "./errors.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "./types.js";

/** How many cut-off answers make us give up and let the caller split the chunk. */
const MAX_CUT_OFFS = 2;

type Judgement<T> = { ok: true; value: T } | { ok: false; problem: AnswerProblem };

/**
 * Asks for a JSON answer and checks it with `parse`, asking again (up to `maxAttempts` calls in total) when the
 * answer is blank, not JSON, of the wrong shape, refused, or cut off. Every attempt is billed: the usage of all
 * of them is returned, or attached to the error thrown.
 *
 * Throws `TruncatedAnswerError` once the answer has been cut off twice (or on every attempt, if fewer than two
 * are allowed), `InvalidAnswerError` when the attempts run out, and lets `ModelRequestError` through.
 */
export async function completeJson<T>(params: {
  client: ModelClient;
  request: ModelRequest;
  parse: (value: unknown) => T;
  maxAttempts?: number;
  log?: Logger;
}): Promise<{ value: T; usage: Usage[]; attempts: number }> {
  const maxAttempts = params.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`Expected \`maxAttempts\` to be a positive integer, got ${String(maxAttempts)}`);
  }
  const usage: Usage[] = [];
  const problems: AnswerProblem[] = [];

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let response: ModelResponse;
    try {
      response = await params.client.complete(params.request);
    } catch (error) {
      if (error instanceof ModelError) {
        error.usage = [...usage, ...error.usage];
      }
      throw error;
    }
    usage.push(response.usage);

    const judgement = judgeAnswer(response, params.parse);
    if (judgement.ok) {
      return { value: judgement.value, usage, attempts: attempt };
    }
    problems.push(judgement.problem);

    const cutOffs = problems.filter((problem) => problem === "cut off").length;
    if (cutOffs >= Math.min(MAX_CUT_OFFS, maxAttempts)) {
      throw new TruncatedAnswerError({ problems, usage });
    }
    if (attempt < maxAttempts) {
      params.log?.warn({ attempt, reason: judgement.problem }, "unusable model answer, asking again");
    }
  }
  throw new InvalidAnswerError({ problems, usage });
}

function judgeAnswer<T>(response: ModelResponse, parse: (value: unknown) => T): Judgement<T> {
  if (response.finishReason === "length") {
    return { ok: false, problem: "cut off" };
  }
  // Refused by a filter, or DeepSeek ran short of capacity: asking again may help.
  if (
    response.finishReason === "content_filter" ||
    response.finishReason === "insufficient_system_resource"
  ) {
    return { ok: false, problem: response.finishReason };
  }
  if (response.content.trim() === "") {
    return { ok: false, problem: "blank" };
  }
  let json: unknown;
  try {
    json = JSON.parse(response.content);
  } catch {
    return { ok: false, problem: "not JSON" };
  }
  try {
    return { ok: true, value: parse(json) };
  } catch {
    return { ok: false, problem: "wrong shape" };
  }
}
