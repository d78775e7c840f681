import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import type { DiffLine, FileDiff } from "../../../src/diff/types.js";

const readFixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/diffs/${name}`, import.meta.url), "utf8");

/** Map entries `[line, hunk]` for every line from `from` to `to` inclusive. */
const range = (from: number, to: number, hunk: number): [number, number][] =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, hunk]);

/** Writes the hunks back as the patch text GitHub sent. */
const renderPatch = (diff: FileDiff): string =>
  diff.hunks
    .flatMap((hunk) => [
      hunk.header,
      ...hunk.lines.flatMap((line) => {
        const prefix = line.kind === "add" ? "+" : line.kind === "del" ? "-" : " ";
        const text = `${prefix}${line.content}`;
        return line.noNewlineAtEof ? [text, "\\ No newline at end of file"] : [text];
      }),
    ])
    .join("\n");

describe("parsePatch", () => {
  it("numbers the lines of a single hunk on both sides", () => {
    const diff = parsePatch({
      path: "src/a.ts",
      patch:
        "@@ -10,4 +10,4 @@ function main() {\n const a = 1;\n-const b = 2;\n+const b = 3;\n const c = 4;\n return;",
    });

    expect(diff).toEqual({
      path: "src/a.ts",
      hunks: [
        {
          index: 0,
          header: "@@ -10,4 +10,4 @@ function main() {",
          oldStart: 10,
          oldLines: 4,
          newStart: 10,
          newLines: 4,
          lines: [
            { kind: "context", content: "const a = 1;", oldLine: 10, newLine: 10 },
            { kind: "del", content: "const b = 2;", oldLine: 11 },
            { kind: "add", content: "const b = 3;", newLine: 11 },
            { kind: "context", content: "const c = 4;", oldLine: 12, newLine: 12 },
            { kind: "context", content: "return;", oldLine: 13, newLine: 13 },
          ],
        },
      ],
      right: new Map([...range(10, 13, 0)]),
      left: new Map([[11, 0]]),
    });
    expect(diff).not.toHaveProperty("previousPath");
  });

  describe("when a file has many hunks (git diff --no-index of test/fixtures/diffs/three-hunks.*.txt)", () => {
    const patch = readFixture("three-hunks.patch");
    const oldFile = readFixture("three-hunks.old.txt").split("\n");
    const newFile = readFixture("three-hunks.new.txt").split("\n");
    const diff = parsePatch({ path: "three-hunks.txt", patch });

    it("reads every hunk header", () => {
      expect(
        diff.hunks.map(({ index, header, oldStart, oldLines, newStart, newLines }) => ({
          index,
          header,
          oldStart,
          oldLines,
          newStart,
          newLines,
        })),
      ).toEqual([
        { index: 0, header: "@@ -1,8 +1,9 @@", oldStart: 1, oldLines: 8, newStart: 1, newLines: 9 },
        {
          index: 1,
          header: "@@ -15,9 +16,6 @@ line 14",
          oldStart: 15,
          oldLines: 9,
          newStart: 16,
          newLines: 6,
        },
        {
          index: 2,
          header: "@@ -36,5 +34,7 @@ line 35",
          oldStart: 36,
          oldLines: 5,
          newStart: 34,
          newLines: 7,
        },
      ]);
    });

    it("maps added and context lines of the new file to their hunk", () => {
      expect([...diff.right]).toEqual([...range(1, 9, 0), ...range(16, 21, 1), ...range(34, 40, 2)]);
    });

    it("maps only the deleted lines of the old file to their hunk", () => {
      expect([...diff.left]).toEqual([[3, 0], ...range(18, 20, 1), [39, 2]]);
    });

    it("gives each line the number it has in the files git compared", () => {
      const lines = diff.hunks.flatMap((hunk) => hunk.lines);
      expect(lines).toHaveLength(27);
      for (const line of lines) {
        if (line.oldLine !== undefined) expect(oldFile[line.oldLine - 1]).toBe(line.content);
        if (line.newLine !== undefined) expect(newFile[line.newLine - 1]).toBe(line.content);
      }
    });

    it("keeps the patch text intact", () => {
      expect(renderPatch(diff)).toBe(patch.trimEnd());
    });

    it("reads the same patch without its final newline, as GitHub sends it", () => {
      expect(parsePatch({ path: "three-hunks.txt", patch: patch.trimEnd() })).toEqual(diff);
    });
  });

  it("keeps the previous path of a renamed file with changes", () => {
    const diff = parsePatch({
      path: "src/new-name.ts",
      previousPath: "src/old-name.ts",
      patch: "@@ -1,2 +1,2 @@\n-export const a = 1;\n+export const a = 2;\n export const b = 1;",
    });

    expect(diff.path).toBe("src/new-name.ts");
    expect(diff.previousPath).toBe("src/old-name.ts");
    expect([...diff.right]).toEqual([
      [1, 0],
      [2, 0],
    ]);
    expect([...diff.left]).toEqual([[1, 0]]);
  });

  it("puts every line of a deleted file on the left side", () => {
    const diff = parsePatch({ path: "gone.txt", patch: "@@ -1,3 +0,0 @@\n-a\n-b\n-c" });

    expect(diff.hunks[0]?.lines).toEqual([
      { kind: "del", content: "a", oldLine: 1 },
      { kind: "del", content: "b", oldLine: 2 },
      { kind: "del", content: "c", oldLine: 3 },
    ]);
    expect([...diff.left]).toEqual(range(1, 3, 0));
    expect(diff.right.size).toBe(0);
  });

  it("puts every line of a new file on the right side", () => {
    const diff = parsePatch({ path: "new.txt", patch: "@@ -0,0 +1,3 @@\n+a\n+\n+c" });

    expect(diff.hunks[0]?.lines).toEqual([
      { kind: "add", content: "a", newLine: 1 },
      { kind: "add", content: "", newLine: 2 },
      { kind: "add", content: "c", newLine: 3 },
    ]);
    expect([...diff.right]).toEqual(range(1, 3, 0));
    expect(diff.left.size).toBe(0);
  });

  // Patches as `git diff` writes them.
  it.each<{ side: string; patch: string; lines: DiffLine[] }>([
    {
      side: "the old side",
      patch: "@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c",
      lines: [
        { kind: "context", content: "a", oldLine: 1, newLine: 1 },
        { kind: "context", content: "b", oldLine: 2, newLine: 2 },
        { kind: "del", content: "c", oldLine: 3, noNewlineAtEof: true },
        { kind: "add", content: "c", newLine: 3 },
      ],
    },
    {
      side: "the new side",
      patch: "@@ -1,3 +1,4 @@\n a\n b\n c\n+d\n\\ No newline at end of file",
      lines: [
        { kind: "context", content: "a", oldLine: 1, newLine: 1 },
        { kind: "context", content: "b", oldLine: 2, newLine: 2 },
        { kind: "context", content: "c", oldLine: 3, newLine: 3 },
        { kind: "add", content: "d", newLine: 4, noNewlineAtEof: true },
      ],
    },
    {
      side: "both sides",
      patch: "@@ -2,2 +2,3 @@\n b\n-c\n\\ No newline at end of file\n+c\n+d\n\\ No newline at end of file",
      lines: [
        { kind: "context", content: "b", oldLine: 2, newLine: 2 },
        { kind: "del", content: "c", oldLine: 3, noNewlineAtEof: true },
        { kind: "add", content: "c", newLine: 3 },
        { kind: "add", content: "d", newLine: 4, noNewlineAtEof: true },
      ],
    },
    {
      side: "both sides of an unchanged last line",
      patch: "@@ -1,2 +1,2 @@\n-a\n+x\n b\n\\ No newline at end of file",
      lines: [
        { kind: "del", content: "a", oldLine: 1 },
        { kind: "add", content: "x", newLine: 1 },
        { kind: "context", content: "b", oldLine: 2, newLine: 2, noNewlineAtEof: true },
      ],
    },
  ])(
    "marks the line before a no-newline marker on $side, without making the marker a line",
    ({ patch, lines }) => {
      const diff = parsePatch({ path: "f.txt", patch });

      expect(diff.hunks[0]?.lines).toEqual(lines);
      expect(renderPatch(diff)).toBe(patch);
    },
  );

  it.each([
    { patch: "@@ -1 +1 @@\n-a\n+b", counts: [1, 1, 1, 1], right: [[1, 0]], left: [[1, 0]] },
    { patch: "@@ -0,0 +1 @@\n+a", counts: [0, 0, 1, 1], right: [[1, 0]], left: [] },
    { patch: "@@ -5 +4,0 @@\n-e", counts: [5, 1, 4, 0], right: [], left: [[5, 0]] },
  ])("reads an omitted hunk count as 1 in $patch", ({ patch, counts, right, left }) => {
    const diff = parsePatch({ path: "f.txt", patch });
    const hunk = diff.hunks[0];

    expect([hunk?.oldStart, hunk?.oldLines, hunk?.newStart, hunk?.newLines]).toEqual(counts);
    expect([...diff.right]).toEqual(right);
    expect([...diff.left]).toEqual(left);
  });

  it("returns no hunks for an empty patch", () => {
    expect(parsePatch({ path: "empty.txt", patch: "" })).toEqual({
      path: "empty.txt",
      hunks: [],
      right: new Map(),
      left: new Map(),
    });
  });

  it("keeps the carriage returns of a CRLF file inside line content", () => {
    const patch = "@@ -1,2 +1,2 @@ Sub Main()\r\n a\r\n-b\r\n+c\r";
    const diff = parsePatch({ path: "win.vb", patch });

    expect(diff.hunks[0]?.header).toBe("@@ -1,2 +1,2 @@ Sub Main()\r");
    expect(diff.hunks[0]?.lines).toEqual([
      { kind: "context", content: "a\r", oldLine: 1, newLine: 1 },
      { kind: "del", content: "b\r", oldLine: 2 },
      { kind: "add", content: "c\r", newLine: 2 },
    ]);
    expect(renderPatch(diff)).toBe(patch);
  });

  it.each([
    { problem: "text without a hunk header", patch: "Binary files differ" },
    { problem: "whitespace only", patch: "  \n" },
    { problem: "more lines than its header counts", patch: "@@ -1 +1 @@\n-a\n+b\n+c" },
    { problem: "fewer lines than its header counts", patch: "@@ -1,3 +1,3 @@\n a\n@@ -9 +9 @@\n-x\n+y" },
    { problem: "a line without a diff prefix", patch: "@@ -1,2 +1,2 @@\n a\nb" },
    {
      problem: "a no-newline marker that follows no line",
      patch: "@@ -1 +1 @@\n\\ No newline at end of file",
    },
    { problem: "overlapping hunks", patch: "@@ -1 +1 @@\n a\n@@ -1 +1 @@\n a" },
  ])("throws an error naming the file on $problem", ({ patch }) => {
    expect(() => parsePatch({ path: "src/broken.ts", patch })).toThrow(
      /^Cannot parse the patch of src\/broken\.ts: /,
    );
  });
});

describe("parsePatch errors", () => {
  it.each([
    ["a line that is not part of a hunk", "@@ -1,2 +1,2 @@\n a\n?SECRET_CODE_LINE\n b"],
    ["counts that do not match the header", "@@ -1,5 +1,5 @@\n SECRET_CODE_LINE"],
  ])("never quote the code under review (%s), since they reach the logs", (_case, patch) => {
    expect(() => parsePatch({ path: "src/a.ts", patch })).toThrow(/^Cannot parse the patch of src\/a\.ts: /);
    try {
      parsePatch({ path: "src/a.ts", patch });
    } catch (error) {
      expect((error as Error).message).not.toContain("SECRET_CODE_LINE");
    }
  });
});
