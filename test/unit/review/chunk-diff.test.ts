import { describe, expect, it } from "vitest";
import type { DiffLine, FileDiff, Hunk } from "../../../src/diff/types.js";
import { chunkDiff, splitChunk } from "../../../src/review/chunk-diff.js";
import { type CountTokens, createTokenCounter, estimateTokens } from "../../../src/review/count-tokens.js";
import {
  formatDiff,
  maskFileTextWithOwnRules,
  renderChunkHunk,
  renderFile,
  renderHunkHeaderLine,
} from "../../../src/review/format-diff.js";
import type { Chunk, ChunkFile, ChunkHunk } from "../../../src/review/types.js";

/** A "tokenizer" that counts lines, so that budgets read as numbers of printed lines. */
const countLines: CountTokens = (text) => text.split("\n").length - 1;

/** A hunk from lines written like a patch: `+added`, `-deleted`, ` context`. */
function makeHunk(params: { index?: number; oldStart: number; newStart: number; lines: string[] }): Hunk {
  let oldLine = params.oldStart;
  let newLine = params.newStart;
  const lines = params.lines.map((text): DiffLine => {
    const content = text.slice(1);
    if (text.startsWith("+")) return { kind: "add", content, newLine: newLine++ };
    if (text.startsWith("-")) return { kind: "del", content, oldLine: oldLine++ };
    return { kind: "context", content, oldLine: oldLine++, newLine: newLine++ };
  });
  const oldLines = lines.filter((line) => line.kind !== "add").length;
  const newLines = lines.filter((line) => line.kind !== "del").length;
  return {
    index: params.index ?? 0,
    header: `@@ -${params.oldStart},${oldLines} +${params.newStart},${newLines} @@`,
    oldStart: params.oldStart,
    oldLines,
    newStart: params.newStart,
    newLines,
    lines,
  };
}

function makeFile(path: string, hunks: Hunk[]): FileDiff {
  const right = new Map<number, number>();
  const left = new Map<number, number>();
  for (const hunk of hunks) {
    for (const line of hunk.lines) {
      if (line.newLine !== undefined) right.set(line.newLine, hunk.index);
      if (line.kind === "del" && line.oldLine !== undefined) left.set(line.oldLine, hunk.index);
    }
  }
  return { path, hunks, right, left };
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFiles(seed: number): FileDiff[] {
  const random = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const text = () => {
    const length = random() < 0.03 ? int(300, 900) : int(0, 70);
    return Array.from({ length }, () => "abcdefghij {}();=+-/\t"[int(0, 20)]).join("");
  };
  return Array.from({ length: int(1, 6) }, (_, fileIndex) => {
    let oldStart = int(0, 5);
    let newStart = oldStart;
    const hunks = Array.from({ length: int(0, 4) }, (_, index) => {
      const lines = Array.from({ length: random() < 0.1 ? int(80, 200) : int(1, 25) }, () => {
        const roll = random();
        return `${roll < 0.4 ? "+" : roll < 0.7 ? "-" : " "}${text()}`;
      });
      const hunk = makeHunk({ index, oldStart: oldStart + 1, newStart: newStart + 1, lines });
      oldStart += hunk.oldLines + int(3, 30);
      newStart += hunk.newLines + int(3, 30);
      return hunk;
    });
    return makeFile(`src/file-${fileIndex}.ts`, hunks);
  });
}

/** Files as the budget hands them over: masked with the app's own rules, rendered, each printed line counted alone. */
function render(files: readonly FileDiff[], countTokens: CountTokens): ChunkFile[] {
  return files.map((file) => {
    const rendered = renderFile(file, maskFileTextWithOwnRules(file));
    return {
      path: rendered.path,
      header: rendered.header,
      headerTokens: countTokens(rendered.header),
      hunks: rendered.hunks.map((hunk) => ({
        ...hunk,
        headerTokens: countTokens(renderHunkHeaderLine(hunk)),
        lineTokens: hunk.lines.map(countTokens),
      })),
    };
  });
}

/** Every printed diff line of a list of files, in order, tagged with its path. */
function linesOf(files: readonly ChunkFile[]): string[] {
  return files.flatMap((file) =>
    file.hunks.flatMap((hunk) => hunk.lines.map((line) => `${file.path}:${line}`)),
  );
}

function lineCount(chunk: Chunk): number {
  return chunk.files.reduce((sum, file) => sum + file.hunks.reduce((n, hunk) => n + hunk.lines.length, 0), 0);
}

/** The new-file number printed in a rendered line's column, or undefined for a deleted line. */
function printedNumber(line: string): number | undefined {
  const column = line.slice(0, line.indexOf("|")).trim();
  return column === "" ? undefined : Number(column);
}

/** The `-a,b +c,d` of a hunk's printed `@@` line. */
function printedRanges(hunk: ChunkHunk): string {
  return renderChunkHunk(hunk).split("\n")[0]?.split(" @@")[0] ?? "";
}

describe("chunkDiff", () => {
  describe.each([
    ["an estimate", estimateTokens, [30, 60, 150, 400, 5_000]],
    ["the line counter", countLines, [3, 4, 10, 40]],
  ])("with %s as tokenizer, on random diffs", (_, countTokens, budgets) => {
    const cases = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((seed) =>
      budgets.map((budget) => [seed, budget] as const),
    );

    it.each(cases)("keeps every line once and in order (seed %i, budget %i)", (seed, maxTokens) => {
      const files = render(randomFiles(seed), countTokens);
      const chunks = chunkDiff({ files, maxTokens });

      expect(chunks.flatMap((chunk) => linesOf(chunk.files))).toEqual(linesOf(files));
    });

    it.each(cases)(
      "keeps every chunk within the budget unless it is one line, by the counts it was given (seed %i, budget %i)",
      (seed, maxTokens) => {
        const chunks = chunkDiff({ files: render(randomFiles(seed), countTokens), maxTokens });

        for (const chunk of chunks) {
          if (lineCount(chunk) > 1) expect(chunk.tokens).toBeLessThanOrEqual(maxTokens);
          // With one token a printed line, a chunk's tokens are its printed lines.
          if (countTokens === countLines) expect(chunk.tokens).toBe(countLines(formatDiff(chunk.files)));
        }
      },
    );

    it.each(cases)("gives every piece of a hunk its own ranges (seed %i, budget %i)", (seed, maxTokens) => {
      const chunks = chunkDiff({ files: render(randomFiles(seed), countTokens), maxTokens });

      for (const hunk of chunks.flatMap((chunk) => chunk.files.flatMap((file) => file.hunks))) {
        const newLines = [...hunk.markers].filter((marker) => marker !== "-").length;
        const oldLines = [...hunk.markers].filter((marker) => marker !== "+").length;
        const ranges = `@@ -${oldLines === 1 ? hunk.oldStart : `${hunk.oldStart},${oldLines}`} +${newLines === 1 ? hunk.newStart : `${hunk.newStart},${newLines}`}`;
        expect(printedRanges(hunk)).toBe(ranges);
        const first = hunk.lines.map(printedNumber).find((number) => number !== undefined);
        if (first !== undefined) expect(hunk.newStart).toBe(first);
      }
    });

    it.each(cases)("gives the same chunks on a second run (seed %i, budget %i)", (seed, maxTokens) => {
      const first = chunkDiff({ files: render(randomFiles(seed), countTokens), maxTokens });
      const second = chunkDiff({ files: render(randomFiles(seed), countTokens), maxTokens });

      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    });
  });

  it("keeps chunks within the budget with the real tokenizer", () => {
    const files = render(randomFiles(42), createTokenCounter());
    const chunks = chunkDiff({ files, maxTokens: 300 });

    expect(chunks.flatMap((chunk) => linesOf(chunk.files))).toEqual(linesOf(files));
    for (const chunk of chunks) {
      if (lineCount(chunk) > 1) expect(chunk.tokens).toBeLessThanOrEqual(300);
    }
  });

  it("puts two small files in one chunk", () => {
    const a = makeFile("a.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: [" one", "+two"] })]);
    const b = makeFile("b.ts", [makeHunk({ oldStart: 5, newStart: 5, lines: ["-three"] })]);
    const files = render([a, b], countLines);

    const chunks = chunkDiff({ files, maxTokens: 100 });

    // a.ts: header, @@, 2 lines; blank line; b.ts: header, @@, 1 line.
    expect(chunks).toEqual([{ files, tokens: 8 }]);
  });

  it("starts a new chunk when the next file does not fit", () => {
    const a = makeFile("a.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["+1", "+2", "+3"] })]);
    const b = makeFile("b.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["+1", "+2"] })]);

    const chunks = chunkDiff({ files: render([a, b], countLines), maxTokens: 8 });

    expect(chunks.map((chunk) => [chunk.files.map((file) => file.path), chunk.tokens])).toEqual([
      [["a.ts"], 5],
      [["b.ts"], 4],
    ]);
  });

  it("keeps the header of a renamed file", () => {
    const file = {
      ...makeFile("new.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["+x"] })]),
      previousPath: "old.ts",
    };

    const [chunk] = chunkDiff({ files: render([file], countLines), maxTokens: 100 });

    expect(chunk?.files[0]?.header).toBe("=== FILE: new.ts (renamed from old.ts) ===\n");
  });

  it("splits a huge hunk into pieces with their own ranges", () => {
    const lines = Array.from({ length: 20 }, (_, i) =>
      i % 4 === 0 ? `-old ${i}` : i % 4 === 1 ? ` ctx ${i}` : `+new ${i}`,
    );
    const hunk = {
      ...makeHunk({ index: 2, oldStart: 100, newStart: 110, lines }),
      header: "@@ -100,10 +110,15 @@ class A",
    };
    const file = makeFile("big.ts", [hunk]);

    // 10 printed lines per chunk: the file header, the @@ line and 8 diff lines.
    const chunks = chunkDiff({ files: render([file], countLines), maxTokens: 10 });

    const pieces = chunks.map((chunk) => chunk.files[0]?.hunks[0]);
    expect(chunks.map((chunk) => chunk.tokens)).toEqual([10, 10, 6]);
    expect(pieces.map((piece) => piece?.lines.length)).toEqual([8, 8, 4]);
    expect(pieces.map((piece) => piece && renderChunkHunk(piece).split("\n")[0])).toEqual([
      "@@ -100,4 +110,6 @@ class A",
      "@@ -104,4 +116,6 @@ class A",
      "@@ -108,2 +122,3 @@ class A",
    ]);
  });

  it("puts a line bigger than the budget in a chunk of its own, whole", () => {
    const long = "x".repeat(1_000);
    const file = makeFile("a.ts", [
      makeHunk({ oldStart: 1, newStart: 1, lines: ["+short", `+${long}`, "+after"] }),
    ]);

    const chunks = chunkDiff({ files: render([file], estimateTokens), maxTokens: 30 });

    expect(chunks.map((chunk) => linesOf(chunk.files))).toEqual([
      ["a.ts:    1 |+short\n"],
      [`a.ts:    2 |+${long}\n`],
      ["a.ts:    3 |+after\n"],
    ]);
  });

  it("shows a file whose hunks span chunks in each chunk with its own hunks", () => {
    const hunks = [0, 1, 2].map((index) =>
      makeHunk({ index, oldStart: 1 + index * 50, newStart: 1 + index * 50, lines: ["+a", "+b", "+c"] }),
    );

    const chunks = chunkDiff({ files: render([makeFile("a.ts", hunks)], countLines), maxTokens: 9 });

    expect(
      chunks.map((chunk) => chunk.files.map((file) => [file.path, file.hunks.map((h) => h.newStart)])),
    ).toEqual([[["a.ts", [1, 51]]], [["a.ts", [101]]]]);
  });

  it("produces nothing for files without hunks", () => {
    const files = render([makeFile("binary.png", []), makeFile("empty.ts", [])], countLines);

    expect(chunkDiff({ files, maxTokens: 100 })).toEqual([]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("rejects a budget of %d", (maxTokens) => {
    expect(() => chunkDiff({ files: [], maxTokens })).toThrow(
      /Expected `maxTokens` to be a positive finite number/,
    );
  });
});

describe("splitChunk", () => {
  const toChunk = (files: FileDiff[]): Chunk => {
    const rendered = render(files, countLines);
    return { files: rendered, tokens: countLines(formatDiff(rendered)) };
  };

  it("cuts between hunks when a hunk boundary is near the middle", () => {
    const a = makeFile("a.ts", [
      makeHunk({ index: 0, oldStart: 1, newStart: 1, lines: ["+1", "+2", "+3"] }),
      makeHunk({ index: 1, oldStart: 20, newStart: 23, lines: ["+4", " 5"] }),
    ]);
    const b = makeFile("b.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["-6", "+7", "+8", "+9"] })]);
    const chunk = toChunk([a, b]);

    // 9 lines: the boundary after 5 lines is nearer the middle than the one after 3.
    const [first, second] = splitChunk(chunk);

    expect(first).toEqual({ files: [chunk.files[0]], tokens: 8 });
    expect(second).toEqual({ files: [chunk.files[1]], tokens: 6 });
  });

  it("cuts inside a hunk at the middle line when no hunk boundary is near the middle", () => {
    const hunk = makeHunk({
      index: 4,
      oldStart: 10,
      newStart: 10,
      lines: [" a", "-b", "+c", "+d", " e", "+f"],
    });
    const chunk = toChunk([makeFile("a.ts", [hunk])]);

    const [first, second] = splitChunk(chunk);

    expect(formatDiff(first.files)).toBe(
      ["=== FILE: a.ts ===", "@@ -10,2 +10,2 @@", "   10 | a", "      |-b", "   11 |+c", ""].join("\n"),
    );
    expect(formatDiff(second.files)).toBe(
      ["=== FILE: a.ts ===", "@@ -12 +12,3 @@", "   12 |+d", "   13 | e", "   14 |+f", ""].join("\n"),
    );
    expect([first.tokens, second.tokens]).toEqual([5, 5]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("gives halves that cover the original exactly (seed %i)", (seed) => {
    const files = randomFiles(seed).filter((file) => file.hunks.length > 0);
    const chunk = toChunk(files);
    const total = lineCount(chunk);

    const [first, second] = splitChunk(chunk);

    expect([...linesOf(first.files), ...linesOf(second.files)]).toEqual(linesOf(chunk.files));
    expect(lineCount(first)).toBeGreaterThanOrEqual(Math.floor(total / 4));
    expect(lineCount(second)).toBeGreaterThanOrEqual(Math.floor(total / 4));
    expect(first.tokens).toBe(countLines(formatDiff(first.files)));
    expect(second.tokens).toBe(countLines(formatDiff(second.files)));
  });

  it("never counts tokens: it adds up the counts the chunk carries", () => {
    const chunk = toChunk([makeFile("a.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["+a", "+b"] })])]);
    const hunk = chunk.files[0]?.hunks[0] as ChunkHunk;
    hunk.lineTokens = [100, 200];

    const [first, second] = splitChunk(chunk);

    expect([first.tokens, second.tokens]).toEqual([1 + 1 + 100, 1 + 1 + 200]);
  });

  it("splits a two-line chunk into one line each", () => {
    const chunk = toChunk([makeFile("a.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["+a", "+b"] })])]);

    const [first, second] = splitChunk(chunk);

    expect([linesOf(first.files), linesOf(second.files)]).toEqual([
      ["a.ts:    1 |+a\n"],
      ["a.ts:    2 |+b\n"],
    ]);
  });

  it("refuses to split a chunk of a single line", () => {
    const chunk = toChunk([makeFile("a.ts", [makeHunk({ oldStart: 1, newStart: 1, lines: ["+only"] })])]);

    expect(() => splitChunk(chunk)).toThrow("Cannot split a chunk of 1 line");
  });
});
