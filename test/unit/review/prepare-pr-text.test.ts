import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTokenCounter, estimateTokens } from "../../../src/review/count-tokens.js";
import { createMasker } from "../../../src/review/create-masker.js";
import { maskedSecret } from "../../../src/review/mask-secrets.js";
import {
  cutToTokens,
  MAX_DESCRIPTION_TOKENS,
  MAX_TITLE_TOKENS,
  preparePrText,
  TRUNCATION_MARK,
} from "../../../src/review/prepare-pr-text.js";

const withoutMark = (text: string) =>
  text.endsWith(TRUNCATION_MARK) ? text.slice(0, -TRUNCATION_MARK.length) : text;

describe("cutToTokens", () => {
  it.each<[string, string, number, string]>([
    ["a text within the budget", "abc\ndef", 10, "abc\ndef"],
    ["whole lines while they fit", "aaaaaaa\nbbbbbbb\nccccccc", 5, `aaaaaaa\nbbbbbbb${TRUNCATION_MARK}`],
    ["the words of a line that fit", "one two three four five six", 6, `one two three${TRUNCATION_MARK}`],
    ["the start of a single long word", "x".repeat(70), 10, `${"x".repeat(35)}${TRUNCATION_MARK}`],
    ["an empty text", "", 5, ""],
  ])("keeps %s", (_, text, maxTokens, expected) => {
    expect(cutToTokens(text, maxTokens, estimateTokens)).toBe(expected);
  });

  it("never splits a character outside the BMP", () => {
    expect(cutToTokens("😀".repeat(10), 3, (text) => text.length)).toBe(`😀${TRUNCATION_MARK}`);
  });

  it("keeps a prefix of the text that fits the budget, for any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 60 }), (text, maxTokens) => {
        const cut = cutToTokens(text, maxTokens, estimateTokens);
        expect(text.startsWith(withoutMark(cut))).toBe(true);
        expect(estimateTokens(withoutMark(cut))).toBeLessThanOrEqual(maxTokens);
        if (estimateTokens(text) + text.split("\n").length <= maxTokens) expect(cut).toBe(text);
      }),
    );
  });

  it("counts no more of a long text than the budget needs", () => {
    let counted = 0;
    const lines = Array.from({ length: 100_000 }, (_, index) => `line ${index}`).join("\n");
    cutToTokens(lines, 50, (text) => {
      counted += text.length;
      return estimateTokens(text);
    });
    expect(counted).toBeLessThan(500);
  });
});

describe("preparePrText", () => {
  const countTokens = createTokenCounter();
  const mask = createMasker();

  // 4,000 private-use characters tokenize to 16,000 tokens: a character cut let them all through, every request.
  it("cuts the title and description by tokens, not characters", async () => {
    // A title of 1,000 such characters, a description of 4,000 in lines of 500 (a longer line is masked whole).
    const lines = Array.from({ length: 8 }, () => "\u{F0000}".repeat(500)).join("\n");
    const { title, body } = await preparePrText(
      { title: "\u{F0000}".repeat(1_000), body: lines },
      { countTokens, mask },
    );
    expect(countTokens(withoutMark(title))).toBeLessThanOrEqual(MAX_TITLE_TOKENS);
    expect(countTokens(withoutMark(body))).toBeLessThanOrEqual(MAX_DESCRIPTION_TOKENS);
    expect(countTokens(withoutMark(title))).toBeGreaterThan(MAX_TITLE_TOKENS - 10);
  });

  it("masks secrets in the title and description, keeping their lines", async () => {
    const token = `ghp_${"a1B2c3D4e5F6".repeat(3)}`;
    const { title, body } = await preparePrText(
      { title: `Rotate ${token}`, body: `Old key:\n${token}\nthanks` },
      { countTokens, mask },
    );
    expect(title).toBe(`Rotate ${maskedSecret("GitHub token")}`);
    expect(body).toBe(`Old key:\n${maskedSecret("GitHub token")}\nthanks`);
  });

  it("leaves an ordinary title and description as they are", async () => {
    const pr = {
      title: "Fix the login redirect",
      body: "Closes #12.\n\nThe redirect lost the query string.",
    };
    expect(await preparePrText(pr, { countTokens, mask })).toEqual(pr);
  });
});
