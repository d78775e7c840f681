import { describe, expect, it } from "vitest";
import { changedLinesOf, narrowToChangedHunks } from "../../../src/diff/changed-lines.js";
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
