import type { ModelClient } from "../../src/llm/types.js";
import { createLimit } from "../../src/queue/create-limit.js";
import { createTokenCounter, loadTokenizer } from "../../src/review/count-tokens.js";
import {
  type ReviewOutcome,
  type ReviewSettings,
  reviewPullRequest,
} from "../../src/review/review-pull-request.js";
import type { PullRequestFile } from "../../src/review/types.js";
import { createRecordingGateway, reviewSettings } from "../../test/helpers/fakes.js";
import { createPrefixCache, promptEncoder } from "./prefix-cache.js";

/** Output tokens billed for every answer (the stand-in answers `{"findings":[]}` but bills a typical answer). */
export const COMPLETION_TOKENS = 300;
/** The stand-in's answer time in this in-process run: DeepSeek's 0.5 s + 3 s for 300 tokens, scaled by 1/100. */
const ANSWER_MS = 35;

/**
 * A DeepSeek stand-in that bills like DeepSeek's context cache: prompt tokens (DeepSeek V3's tokenizer over the role
 * markers and contents) are cache hits for the longest 64-token-unit prefix an earlier answered request shared
 * byte for byte, the rest misses; every answer bills `COMPLETION_TOKENS`.
 */
export function createBillingModel(): ModelClient & { calls: { hit: number; miss: number }[] } {
  const encode = promptEncoder((text) => loadTokenizer().encode(text));
  const cache = createPrefixCache();
  const calls: { hit: number; miss: number }[] = [];
  return {
    calls,
    async complete(request) {
      const bill = cache.bill(encode(request.messages));
      calls.push({ hit: bill.hit, miss: bill.miss });
      await new Promise((resolve) => setTimeout(resolve, ANSWER_MS));
      bill.remember();
      return {
        content: '{"findings":[]}',
        finishReason: "stop",
        usage: {
          promptCacheHitTokens: bill.hit,
          promptCacheMissTokens: bill.miss,
          completionTokens: COMPLETION_TOKENS,
        },
      };
    },
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
/** Model calls in flight at once: the app's default REVIEW_MAX_CONCURRENT_REQUESTS. */
const CONCURRENCY = 8;

/** Reviews `files` as pull request `number` with the whole pipeline on this thread against `model`. */
export async function reviewInProcess(params: {
  files: PullRequestFile[];
  number: number;
  model: ModelClient;
  settings?: Partial<ReviewSettings>;
}): Promise<ReviewOutcome> {
  const headSha = params.number.toString(16).padStart(40, "0");
  const limit = createLimit(CONCURRENCY);
  return reviewPullRequest({
    pr: {
      owner: "o",
      repo: "r",
      number: params.number,
      title: `Pull request ${params.number}`,
      body: "Changes the handlers and their cache.",
      headSha,
      baseSha: "c".repeat(40),
    },
    github: createRecordingGateway({ files: params.files, headSha }),
    model: params.model,
    settings: reviewSettings(params.settings),
    limit,
    countTokens: createTokenCounter(),
    log: silent,
    trigger: "command",
  });
}
