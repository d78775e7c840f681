import type { Logger } from "../runtime/types.js";
import {
  AnswerBrokeOffError,
  type AnswerProblem,
  InvalidAnswerError,
  ModelError,
  TruncatedAnswerError,
} from "./errors.js";
import { backoffMs, sleep } from "./retry-delay.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "./types.js";

/** Calls per `completeJson` unless the caller says otherwise: each one is a billed answer. */
const DEFAULT_MAX_ATTEMPTS = 3;

/** Problems after which DeepSeek is given a moment before it is asked again; the others are asked again at once. */
const BACK_OFF_AFTER: ReadonlySet<AnswerProblem> = new Set(["broke off", "insufficient_system_resource"]);

type Judgement<T> = { ok: true; value: T } | { ok: false; problem: AnswerProblem };

/**
 * Asks for a JSON answer and checks it with `parse`, asking again (up to `maxAttempts` calls in total, the one
 * bound on billed answers) when the answer is blank, not JSON, of the wrong shape, refused, or broke off in
 * transit — after a backoff for the last two. Every attempt is billed: the usage of all of them is returned, or
 * attached to the error thrown.
 *
 * A cut-off answer is never asked again unchanged: `TruncatedAnswerError` is thrown at once, for the caller to
 * split. Throws `InvalidAnswerError` when the attempts run out (`AnswerBrokeOffError` when the last one broke off),
 * and lets every other `ModelError` through.
 */
export async function completeJson<T>(params: {
  client: ModelClient;
  request: ModelRequest;
  parse: (value: unknown) => T;
  maxAttempts?: number;
  log?: Logger;
  /** How to wait before asking again; a test passes a stand-in. */
  sleep?: (ms: number) => Promise<void>;
}): Promise<{ value: T; usage: Usage[]; attempts: number }> {
  const maxAttempts = params.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`Expected \`maxAttempts\` to be a positive integer, got ${String(maxAttempts)}`);
  }
  const wait = params.sleep ?? sleep;
  const usage: Usage[] = [];
  const problems: AnswerProblem[] = [];

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const answer = await ask(params.client, params.request, usage);
    const judgement: Judgement<T> =
      answer instanceof AnswerBrokeOffError
        ? { ok: false, problem: "broke off" }
        : judgeAnswer(answer, params.parse);
    if (judgement.ok) return { value: judgement.value, usage, attempts: attempt };
    problems.push(judgement.problem);

    if (judgement.problem === "cut off") throw new TruncatedAnswerError({ problems, usage });
    if (attempt === maxAttempts) {
      if (answer instanceof AnswerBrokeOffError) {
        answer.usage = [...usage];
        throw answer;
      }
      break;
    }
    params.log?.warn(
      { attempt, reason: judgement.problem, ...(usage.at(-1)?.estimated ? { usageEstimated: true } : {}) },
      "unusable model answer, asking again",
    );
    if (BACK_OFF_AFTER.has(judgement.problem)) {
      await wait(backoffMs(problems.filter((problem) => BACK_OFF_AFTER.has(problem)).length - 1));
    }
  }
  throw new InvalidAnswerError({ problems, usage });
}

/**
 * One call. Its usage is added to `usage`; an answer that broke off is returned as its error, to be judged like an
 * unusable answer; any other failure is thrown with the usage of every attempt so far.
 */
async function ask(
  client: ModelClient,
  request: ModelRequest,
  usage: Usage[],
): Promise<ModelResponse | AnswerBrokeOffError> {
  try {
    const response = await client.complete(request);
    usage.push(response.usage);
    return response;
  } catch (error) {
    if (error instanceof AnswerBrokeOffError) {
      usage.push(...error.usage);
      return error;
    }
    if (error instanceof ModelError) error.usage = [...usage, ...error.usage];
    throw error;
  }
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
