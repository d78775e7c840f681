import { createHash, type Hash } from "node:crypto";

/** DeepSeek's context cache stores prompts in units of this many tokens (its documentation). */
export const CACHE_UNIT_TOKENS = 64;

/** The tokens of a prompt as DeepSeek would see them: one id list from the messages, in order. */
export type EncodePrompt = (messages: readonly { role: string; content: string }[]) => number[];

/**
 * A stand-in for DeepSeek's prefix cache billing: a request's prompt tokens are billed at the hit price for the
 * longest prefix, in whole 64-token units, that is byte-identical to a prefix of an earlier request (once that
 * request was answered: the cache is built as a request is served, so requests in flight together do not share).
 * The rest is billed as misses. No expiry (DeepSeek keeps entries for hours; a bench runs for minutes).
 */
export function createPrefixCache() {
  const stored = new Set<string>();
  return {
    /** The hit and miss tokens of a prompt, and a `remember` to call when its answer is sent. */
    bill(tokens: readonly number[]): { hit: number; miss: number; remember: () => void } {
      const keys = prefixKeys(tokens);
      let units = 0;
      while (units < keys.length && stored.has(keys[units] as string)) units += 1;
      const hit = units * CACHE_UNIT_TOKENS;
      return {
        hit,
        miss: tokens.length - hit,
        remember: () => {
          for (const key of keys) stored.add(key);
        },
      };
    },
  };
}

/** A digest of every whole-unit prefix of the tokens, shortest first (one running hash: linear in the tokens). */
function prefixKeys(tokens: readonly number[]): string[] {
  const keys: string[] = [];
  const hash: Hash = createHash("sha256");
  const unit = new Int32Array(CACHE_UNIT_TOKENS);
  for (let start = 0; start + CACHE_UNIT_TOKENS <= tokens.length; start += CACHE_UNIT_TOKENS) {
    for (let i = 0; i < CACHE_UNIT_TOKENS; i += 1) unit[i] = tokens[start + i] ?? 0;
    hash.update(new Uint8Array(unit.buffer));
    keys.push(hash.copy().digest("base64"));
  }
  return keys;
}

/** How a chat request's messages become one token list: role markers and contents, in order. */
export function promptEncoder(encode: (text: string) => number[]): EncodePrompt {
  return (messages) => messages.flatMap((message) => encode(`<|${message.role}|>${message.content}`));
}
