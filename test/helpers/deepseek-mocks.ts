import nock from "nock";
import type { ChatMessage } from "../../src/llm/types.js";
import { chatCompletionBody, type FakeDeepSeekRequest, isVerificationRequest } from "./fake-deepseek.js";

/** The base URL the integration tests give the model client; nock answers for it. */
export const DEEPSEEK = "https://deepseek.test";

/** Prompt tokens served from DeepSeek's cache, not from it, and completion tokens. */
export interface Usage {
  hit: number;
  miss: number;
  completion: number;
}

/** A chat completion request as the app sends it (the fields the tests read). */
export interface DeepSeekRequest {
  model: string;
  messages: ChatMessage[];
}

const DEFAULT_USAGE: Usage = { hit: 1000, miss: 500, completion: 200 };

/** The body of a DeepSeek chat completion whose message content is `answer` as JSON, with `usage`. */
export function deepseekAnswer(params: { answer: unknown; usage?: Usage; model?: string }) {
  const usage = params.usage ?? DEFAULT_USAGE;
  return chatCompletionBody({
    content: JSON.stringify(params.answer),
    promptTokens: usage.hit + usage.miss,
    completionTokens: usage.completion,
    cacheHitTokens: usage.hit,
    ...(params.model === undefined ? {} : { model: params.model }),
  });
}

/** Whether a request is one of the verification pass's (src/review/verify-findings.ts). */
export function isVerification(body: DeepSeekRequest): boolean {
  return isVerificationRequest({ body } as FakeDeepSeekRequest);
}

/**
 * DeepSeek answers `times` requests (default 1) to `model` (any model when absent) with `answer`; returns the
 * request bodies as they arrive. Review requests only, unless `verification`: then only the verification pass's.
 * A verification request no mock answers fails, and its findings are kept unverified.
 */
export function mockDeepSeek(params: {
  answer: unknown;
  usage?: Usage;
  model?: string;
  times?: number;
  verification?: boolean;
}) {
  const sent: DeepSeekRequest[] = [];
  nock(DEEPSEEK)
    .post("/chat/completions", (body: DeepSeekRequest) => {
      if (isVerification(body) !== (params.verification === true)) return false;
      if (params.model !== undefined && body.model !== params.model) return false;
      sent.push(body);
      return true;
    })
    .times(params.times ?? 1)
    .reply(200, deepseekAnswer(params));
  return sent;
}

/** One DeepSeek completion answering `{ findings }`; returns the request bodies. */
export function mockFindings(findings: unknown[], usage?: Usage) {
  return mockDeepSeek({ answer: { findings }, ...(usage === undefined ? {} : { usage }) });
}
