import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { changedLinesOf, linesNewSince, narrowToChangedHunks } from "../../../src/diff/changed-lines.js";
import { parsePatch } from "../../../src/diff/parse-patch.js";

describe("changedLinesOf", () => {
  it("takes added lines, the line next to each deletion, and marks files without a patch", () => {
    const compare = [
      parsePatch({ path: "a.ts", patch: "@@ -10,3 +10,3 @@\n x\n-old\n+new\n y" }),
      parsePatch({ path: "b.ts", patch: "@@ -4,3 +4,2 @@\n x\n-gone\n y" }),
      { path: "logo.png", patch: undefined },
    ];
    expect(changedLinesOf(compare)).toEqual(
      new Map<string, Set<number> | "all">([
        ["a.ts", new Set([11])],
        ["b.ts", new Set([5])],
        ["logo.png", "all"],
      ]),
    );
  });
});

describe("narrowToChangedHunks", () => {
  const pr = parsePatch({
    path: "a.ts",
    patch: "@@ -1,2 +1,3 @@\n one\n+two\n three\n@@ -20,2 +21,3 @@\n twenty\n+new\n more",
  });
  const other = parsePatch({ path: "c.ts", patch: "@@ -1 +1 @@\n-x\n+y" });

  it("keeps only the hunks that hold a line changed since the last review", () => {
    const narrowed = narrowToChangedHunks([pr, other], new Map([["a.ts", new Set([22])]]));
    expect(narrowed.map((diff) => [diff.path, diff.hunks.map((hunk) => hunk.newStart)])).toEqual([
      ["a.ts", [21]],
    ]);
    // Comments still go by the full line map of the pull request.
    expect(narrowed[0]?.right).toBe(pr.right);
  });

  it("keeps every hunk of a file changed without a patch", () => {
    const narrowed = narrowToChangedHunks([pr], new Map([["a.ts", "all" as const]]));
    expect(narrowed[0]?.hunks).toHaveLength(2);
  });

  it("drops files that did not change since the last review", () => {
    expect(narrowToChangedHunks([pr], new Map())).toEqual([]);
  });
});

describe("linesNewSince", () => {
  const at = (path: string, patch: string) => parsePatch({ path, patch });

  it("finds nothing new when the base rewrote a context line and the pull request merged it (update branch)", () => {
    const then = at("a.ts", "@@ -10,2 +10,2 @@\n const limit = 1;\n-let total = 0;\n+let total = 1;");
    const now = at(
      "a.ts",
      "@@ -14,2 +14,2 @@\n const limit = 2; // rewritten on the base\n-let total = 0;\n+let total = 1;",
    );
    expect(linesNewSince([now], [then])).toEqual(new Map());
  });

  it("takes a line the pull request adds or removes now and did not then, once per copy", () => {
    const then = at("a.ts", "@@ -1,1 +1,3 @@\n x\n+}\n+keep");
    const now = at("a.ts", "@@ -1,2 +1,5 @@\n x\n+}\n+keep\n+}\n-gone\n+changed");
    expect(linesNewSince([now], [then])).toEqual(new Map([["a.ts", new Set([4, 5])]]));
  });

  it("takes every change of a file new to the pull request, follows a rename, and marks a file unknown then", () => {
    const then = [at("old.ts", "@@ -1 +1 @@\n-a\n+b"), { path: "logo.png", patch: undefined }];
    const renamed = parsePatch({ path: "new.ts", previousPath: "old.ts", patch: "@@ -1 +1 @@\n-a\n+b" });
    const added = at("added.ts", "@@ -0,0 +1,2 @@\n+one\n+two");
    const logo = at("logo.png", "@@ -1 +1 @@\n-x\n+y");
    expect(linesNewSince([renamed, added, logo], then)).toEqual(
      new Map<string, Set<number> | "all">([
        ["added.ts", new Set([1, 2])],
        ["logo.png", "all"],
      ]),
    );
  });

  it("finds nothing new in a diff compared with itself, whatever it holds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("+", "-", " "), fc.string({ maxLength: 8 })), { maxLength: 40 }),
        (lines) => {
          const added = lines.filter(([kind]) => kind !== "-").length;
          const removed = lines.filter(([kind]) => kind !== "+").length;
          if (lines.length === 0) return;
          const patch = `@@ -1,${removed} +1,${added} @@\n${lines.map(([kind, text]) => `${kind}${text.replace(/[\r\n]/g, "")}`).join("\n")}`;
          const diff = at("p.ts", patch);
          expect(linesNewSince([diff], [diff])).toEqual(new Map());
        },
      ),
    );
  });

  it("compares 200,000 changed lines in one pass", () => {
    const lines = Array.from({ length: 200_000 }, (_, index) => `+line ${index % 1_000}`);
    const diff = at("big.ts", `@@ -0,0 +1,${lines.length} @@\n${lines.join("\n")}`);
    expect(linesNewSince([diff], [diff]).size).toBe(0);
  });
});
