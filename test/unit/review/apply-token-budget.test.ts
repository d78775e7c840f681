import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import type { FileDiff } from "../../../src/diff/types.js";
import {
  applyTokenBudget,
  MAX_READ_CHARS_PER_TOKEN,
  rankByImportance,
} from "../../../src/review/apply-token-budget.js";
import { type CountTokens, estimateTokens } from "../../../src/review/count-tokens.js";
import { createMasker } from "../../../src/review/create-masker.js";
import { formatChunkFile } from "../../../src/review/format-diff.js";
import { addedPatch } from "../../helpers/fakes.js";

const mask = createMasker();

/** A new file of `lines` added lines. */
function added(path: string, lines: number): FileDiff {
  const content = Array.from({ length: lines }, (_, index) => `line ${index + 1} of ${path}`);
  return parsePatch({ path, patch: addedPatch(content) });
}

/** The tokens the budget charges for a file: each printed line of its block, counted alone. */
function cost(diff: FileDiff, countTokens: CountTokens = estimateTokens): number {
  const lines = formatChunkFile({ path: diff.path, hunks: diff.hunks }).split("\n").slice(0, -1);
  return lines.reduce((sum, line) => sum + countTokens(`${line}\n`), 0);
}

/** The kept files' paths, over-budget files and tokens of a budget. */
async function budgetOf(params: { diffs: FileDiff[]; maxTokens: number; countTokens?: CountTokens }) {
  const result = await applyTokenBudget({ countTokens: estimateTokens, mask, ...params });
  return { kept: paths(result.kept), overBudget: result.overBudget, tokens: result.tokens };
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
  const reason = (maxTokens: number) =>
    `not reviewed: over the per-PR budget of ${maxTokens.toLocaleString("en-US")} tokens (max_pr_tokens)`;

  it("keeps every file under a large budget, in the original order", async () => {
    const total = cost(docs) + cost(source) + cost(tests);
    expect(await budgetOf({ diffs, maxTokens: total })).toEqual({
      kept: ["docs/guide.md", "src/app.ts", "test/app.test.ts"],
      overBudget: [],
      tokens: total,
    });
  });

  it("spends a budget that fits the two most important files exactly on them", async () => {
    const maxTokens = cost(source) + cost(tests);
    expect(await budgetOf({ diffs, maxTokens })).toEqual({
      kept: ["src/app.ts", "test/app.test.ts"],
      overBudget: [{ path: "docs/guide.md", reason: reason(maxTokens) }],
      tokens: maxTokens,
    });
  });

  it("drops a file one token over the budget and still takes a smaller one after it", async () => {
    // The budget misses `source` by one token; `tests` alone fits.
    const maxTokens = cost(source) - 1;
    expect(cost(tests)).toBeLessThanOrEqual(maxTokens);
    const result = await budgetOf({ diffs, maxTokens });
    expect(result.kept).toEqual(["test/app.test.ts"]);
    expect(paths(result.overBudget)).toEqual(["src/app.ts", "docs/guide.md"]);
    expect(result.tokens).toBe(cost(tests));
  });

  it("lists every file as over budget when none fits, with the budget in the reason", async () => {
    expect(await budgetOf({ diffs, maxTokens: 1_000, countTokens: () => 1_001 })).toEqual({
      kept: [],
      overBudget: ["src/app.ts", "test/app.test.ts", "docs/guide.md"].map((path) => ({
        path,
        reason: reason(1_000),
      })),
      tokens: 0,
    });
  });

  it("keeps each file rendered, with the tokens of every line it counted once", async () => {
    const counted: string[] = [];
    const countTokens = (text: string) => {
      counted.push(text);
      return 1;
    };
    const { kept } = await applyTokenBudget({ diffs: [source], maxTokens: 1_000, countTokens, mask });
    const lines = formatChunkFile({ path: "src/app.ts", hunks: source.hunks }).split("\n").slice(0, -1);
    expect(counted).toEqual(lines.map((line) => `${line}\n`));
    expect(kept[0]?.header).toBe(`${lines[0]}\n`);
    expect(kept[0]?.hunks[0]?.lines).toEqual(lines.slice(2).map((line) => `${line}\n`));
    expect(kept[0]?.hunks[0]?.lineTokens).toEqual(lines.slice(2).map(() => 1));
  });

  it("keeps nothing and costs nothing without files", async () => {
    expect(await budgetOf({ diffs: [], maxTokens: 1_000 })).toEqual({ kept: [], overBudget: [], tokens: 0 });
  });

  describe("work past the budget", () => {
    /** A counter that records how many texts it counted. */
    function spyCounter(countTokens: CountTokens = estimateTokens) {
      const spy = {
        calls: 0,
        count: (text: string) => {
          spy.calls++;
          return countTokens(text);
        },
      };
      return spy;
    }

    it("does not read a file whose lines alone cannot fit what is left", async () => {
      const counter = spyCounter();
      const big = Array.from({ length: 50 }, (_, index) => added(`src/f${index}.ts`, 400));
      const result = await applyTokenBudget({ diffs: big, maxTokens: 300, countTokens: counter.count, mask });
      expect(result.kept).toEqual([]);
      expect(result.overBudget).toHaveLength(50);
      expect(counter.calls).toBe(0);
    });

    it("stops counting a file as soon as it is over what is left", async () => {
      // 5,002 printed lines at 2 tokens each; the budget is passed after about 3,000 of them.
      const counter = spyCounter(() => 2);
      const file = added("src/big.ts", 5_000);
      const result = await applyTokenBudget({
        diffs: [file],
        maxTokens: 6_000,
        countTokens: counter.count,
        mask,
      });
      expect(result.kept).toEqual([]);
      expect(counter.calls).toBe(3_001);
    });

    it(`reads at most ${MAX_READ_CHARS_PER_TOKEN} characters per budget token, then lists the rest unread`, async () => {
      // Lines of 2,000 spaces cost a token each here: they fit the budget but are slow to read.
      const wide = Array.from({ length: 20 }, (_, index) =>
        parsePatch({ path: `src/w${index}.ts`, patch: addedPatch([" ".repeat(2_000)]) }),
      );
      const counter = spyCounter(() => 1);
      const result = await applyTokenBudget({
        diffs: wide,
        maxTokens: 1_000,
        countTokens: counter.count,
        mask,
      });
      // 1,000 tokens × 16 characters: the files read before the limit are kept, the rest not read.
      expect(result.kept.length).toBe(8);
      expect(result.overBudget).toHaveLength(12);
      expect(counter.calls).toBe(8 * 3);
    });
  });
});
