import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCases } from "../../../eval/lib/load-cases.js";
import { makePatch } from "../../../eval/lib/make-patch.js";
import { type CaseResult, hitsDefect, scoreCases } from "../../../eval/lib/score-cases.js";
import { parsePatch } from "../../../src/diff/parse-patch.js";

const CASES_DIR = fileURLToPath(new URL("../../../eval/cases/", import.meta.url));

/** The new file's lines that a patch shows, by number, from `parsePatch`. */
function newLinesOf(patch: string): Map<number, string> {
  const lines = new Map<number, string>();
  for (const hunk of parsePatch({ path: "x", patch }).hunks) {
    for (const line of hunk.lines) if (line.newLine !== undefined) lines.set(line.newLine, line.content);
  }
  return lines;
}

describe("the eval set", () => {
  const cases = loadCases(CASES_DIR);

  it("has at least 40 cases in at least 4 languages, with clean changes among them", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((one) => one.language)).size).toBeGreaterThanOrEqual(4);
    expect(cases.filter((one) => one.defect === null).length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases.map((one) => [one.id, one] as const))(
    "%s: its defect is on a changed line of its diff",
    (_id, one) => {
      const patch = makePatch(one.before, one.after);
      const shown = newLinesOf(patch);
      const after = one.after.split("\n");
      // Every line the diff shows is the after file's line of that number.
      for (const [number, content] of shown) expect(content).toBe(after[number - 1]);
      if (one.defect !== null) {
        const added = parsePatch({ path: "x", patch }).hunks.flatMap((hunk) =>
          hunk.lines.filter((line) => line.kind === "add").map((line) => line.newLine),
        );
        expect(added).toContain(one.defect.line);
      }
    },
  );
});

describe("makePatch", () => {
  it("writes git's hunks for a change in the middle of a file", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\n";
    const after = "a\nb\nc\nd\nE\nf\ng\nh\ni\n";
    expect(makePatch(before, after)).toBe("@@ -2,7 +2,8 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n+i");
  });
});

describe("scoreCases", () => {
  const [defect, clean] = [
    {
      id: "d",
      language: "go",
      path: "a.go",
      title: "t",
      defect: { kind: "race" as const, line: 10, note: "n" },
      before: "",
      after: "",
    },
    { id: "c", language: "go", path: "b.go", title: "t", defect: null, before: "", after: "" },
  ];

  it("counts a comment within two lines of the defect as finding it, and every other comment against precision", () => {
    expect(hitsDefect(defect, { path: "a.go", line: 12 })).toBe(true);
    expect(hitsDefect(defect, { path: "a.go", line: 13 })).toBe(false);
    expect(hitsDefect(defect, { path: "a.go", line: 20, startLine: 8 })).toBe(true);
    expect(hitsDefect(defect, { path: "b.go", line: 10 })).toBe(false);
    const results: CaseResult[] = [
      {
        id: "d",
        comments: [
          { path: "a.go", line: 9 },
          { path: "a.go", line: 30 },
        ],
        costUsd: 0.002,
      },
      { id: "c", comments: [{ path: "b.go", line: 1 }], costUsd: 0.001 },
    ];
    expect(scoreCases([defect, clean], results)).toMatchObject({
      cases: 2,
      defects: 1,
      found: 1,
      recall: 1,
      comments: 3,
      correctComments: 1,
      precision: 1 / 3,
      commentsPerPr: 1.5,
      costUsd: 0.003,
      costPerPrUsd: 0.0015,
    });
  });
});
