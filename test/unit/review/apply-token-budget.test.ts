import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import type { FileDiff } from "../../../src/diff/types.js";
import { applyTokenBudget, rankByImportance } from "../../../src/review/apply-token-budget.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { formatChunkFile } from "../../../src/review/format-diff.js";
import { addedPatch } from "../../helpers/fakes.js";

/** A new file of `lines` added lines. */
function added(path: string, lines: number): FileDiff {
  const content = Array.from({ length: lines }, (_, index) => `line ${index + 1} of ${path}`);
  return parsePatch({ path, patch: addedPatch(content) });
}

/** The tokens the budget charges for a file: its diff block as the model sees it. */
function cost(diff: FileDiff): number {
  return estimateTokens(formatChunkFile({ path: diff.path, hunks: diff.hunks }));
}

const paths = (items: readonly { path: string }[]) => items.map((item) => item.path);

describe("rankByImportance", () => {
  it.each([
    ["source", "src/app.ts", "a test under __tests__", "src/__tests__/app.ts"],
    ["source", "lib/app.py", "a .test file", "lib/app.test.py"],
    ["source", "src/app.go", "a _test file", "src/app_test.go"],
    ["source", "src/app.rb", "a spec file", "spec/app_spec.rb"],
    ["a test", "test/app.ts", "configuration", "config/app.yaml"],
    ["a test", "e2e/login.ts", "configuration", "package.json"],
    ["configuration", "Cargo.toml", "docs", "README.md"],
    ["configuration", "pom.xml", "docs", "docs/guide.mdx"],
    ["source", "src/Makefile", "docs", "CHANGELOG.txt"],
  ])("puts %s (%s) before %s (%s)", (_first, firstPath, _second, secondPath) => {
    const first = added(firstPath, 2);
    const second = added(secondPath, 2);
    expect(paths(rankByImportance([second, first]))).toEqual([firstPath, secondPath]);
  });

  it("orders files of a kind by changed lines, most first, then by path", () => {
    const diffs = [
      added("README.md", 50),
      added("src/small.ts", 1),
      added("package.json", 9),
      added("src/b.ts", 5),
      added("test/app.test.ts", 20),
      added("src/big.ts", 12),
      added("src/a.ts", 5),
    ];
    expect(paths(rankByImportance(diffs))).toEqual([
      "src/big.ts",
      "src/a.ts",
      "src/b.ts",
      "src/small.ts",
      "test/app.test.ts",
      "package.json",
      "README.md",
    ]);
  });

  it("counts added and deleted lines as changed, and context lines not", () => {
    const removed = parsePatch({
      path: "src/removed.ts",
      patch: ["@@ -1,3 +0,0 @@", "-a", "-b", "-c"].join("\n"),
    });
    const edited = parsePatch({
      path: "src/edited.ts",
      patch: ["@@ -1,5 +1,5 @@", " a", " b", "-c", "+d", " e", " f"].join("\n"),
    });
    const diffs = [added("src/two.ts", 2), edited, added("src/three.ts", 3), removed];
    expect(paths(rankByImportance(diffs))).toEqual([
      "src/removed.ts",
      "src/three.ts",
      "src/edited.ts",
      "src/two.ts",
    ]);
  });

  it("does not change the array it is given", () => {
    const diffs = [added("README.md", 1), added("src/a.ts", 1)];
    rankByImportance(diffs);
    expect(paths(diffs)).toEqual(["README.md", "src/a.ts"]);
  });
});

describe("applyTokenBudget", () => {
  const docs = added("docs/guide.md", 30);
  const source = added("src/app.ts", 20);
  const tests = added("test/app.test.ts", 10);
  const diffs = [docs, source, tests];

  it("keeps every file under a large budget, in the original order", () => {
    const total = cost(docs) + cost(source) + cost(tests);
    expect(applyTokenBudget({ diffs, maxTokens: total, countTokens: estimateTokens })).toEqual({
      kept: [docs, source, tests],
      overBudget: [],
      tokens: total,
    });
  });

  it("spends a budget that fits the two most important files exactly on them", () => {
    const maxTokens = cost(source) + cost(tests);
    expect(applyTokenBudget({ diffs, maxTokens, countTokens: estimateTokens })).toEqual({
      kept: [source, tests],
      overBudget: [
        {
          path: "docs/guide.md",
          reason: `not reviewed: over the per-PR budget of ${maxTokens.toLocaleString("en-US")} tokens (max_pr_tokens)`,
        },
      ],
      tokens: maxTokens,
    });
  });

  it("drops a file one token over the budget and still takes a smaller one after it", () => {
    // The budget misses `source` by one token; `tests` alone fits.
    const maxTokens = cost(source) - 1;
    expect(cost(tests)).toBeLessThanOrEqual(maxTokens);
    const result = applyTokenBudget({ diffs, maxTokens, countTokens: estimateTokens });
    expect(paths(result.kept)).toEqual(["test/app.test.ts"]);
    expect(paths(result.overBudget)).toEqual(["src/app.ts", "docs/guide.md"]);
    expect(result.tokens).toBe(cost(tests));
  });

  it("lists every file as over budget when none fits, with the budget in the reason", () => {
    const result = applyTokenBudget({ diffs, maxTokens: 1_000, countTokens: () => 1_001 });
    expect(result).toEqual({
      kept: [],
      overBudget: ["src/app.ts", "test/app.test.ts", "docs/guide.md"].map((path) => ({
        path,
        reason: "not reviewed: over the per-PR budget of 1,000 tokens (max_pr_tokens)",
      })),
      tokens: 0,
    });
  });

  it("counts the text of each file's diff block", () => {
    const counted: string[] = [];
    applyTokenBudget({
      diffs: [source],
      maxTokens: 10,
      countTokens: (text) => {
        counted.push(text);
        return 1;
      },
    });
    expect(counted).toEqual([formatChunkFile({ path: "src/app.ts", hunks: source.hunks })]);
  });

  it("keeps nothing and costs nothing without files", () => {
    expect(applyTokenBudget({ diffs: [], maxTokens: 1_000, countTokens: estimateTokens })).toEqual({
      kept: [],
      overBudget: [],
      tokens: 0,
    });
  });
});
