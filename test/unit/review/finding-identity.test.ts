import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import type { FileDiff } from "../../../src/diff/types.js";
import {
  type FindingIdentity,
  findingIdentitySchema,
  MAX_CODE_HASHES,
} from "../../../src/records/record-schema.js";
import { findingIdentity, isSameFinding, NEAR_LINES } from "../../../src/review/finding-identity.js";
import { placeFindings } from "../../../src/review/place-comments.js";
import { CATEGORIES, type Category, type Finding } from "../../../src/review/types.js";

/** src/math.js: a division without its guard (new line 2) and a loop that reads past the end (new line 7). */
const math = parsePatch({
  path: "src/math.js",
  patch: [
    "@@ -1,8 +1,9 @@",
    " export function divide(a, b) {",
    '-  if (b === 0) throw new Error("division by zero");',
    "-  return a / b;",
    "+  return a / b;",
    " }",
    " ",
    " export function average(values) {",
    "-  return values.reduce((sum, v) => sum + v, 0) / values.length;",
    "+  let sum = 0;",
    "+  for (let i = 0; i <= values.length; i++) sum += values[i];",
    "+  return sum / values.length;",
    " }",
  ].join("\n"),
});
/** The same file after a rebase that added 40 lines above: the same code, 40 lines lower. */
const shifted = parsePatch({
  path: "src/math.js",
  patch: math.hunks
    .flatMap((hunk) => [
      `@@ -${hunk.oldStart + 40},${hunk.oldLines} +${hunk.newStart + 40},${hunk.newLines} @@`,
      ...hunk.lines.map((line) => `${{ add: "+", del: "-", context: " " }[line.kind]}${line.content}`),
    ])
    .join("\n"),
});
/** Another file with the same loop. */
const other = parsePatch({
  path: "src/stats.js",
  patch: "@@ -0,0 +1,1 @@\n+  for (let i = 0; i <= values.length; i++) sum += values[i];",
});

/** The identity of a finding as placeFindings posts it. */
function placed(finding: Partial<Finding> & { line: number }, diff: FileDiff = math): FindingIdentity {
  const full: Finding = {
    path: diff.path,
    severity: "major",
    title: "Problem",
    body: "",
    ...finding,
  };
  const { comments } = placeFindings({
    findings: [full],
    diffs: new Map([[diff.path, diff]]),
    maxComments: 1,
  });
  const [one] = comments;
  if (one === undefined) throw new Error(`finding on line ${finding.line} not placed`);
  return one.identity;
}

const loop = { line: 7, category: "logic" as Category, title: "Loop reads one element past the end" };

describe("isSameFinding", () => {
  it.each<[string, Partial<Finding> & { line: number }, FileDiff?]>([
    ["reworded", { ...loop, title: "Off-by-one: the sum includes values[values.length]", body: "Use `<`." }],
    ["reworded, on a range around the line", { ...loop, startLine: 6, title: "The loop overruns the array" }],
    ["reworded, on the range's next line", { ...loop, line: 8, startLine: 7, title: "NaN average" }],
    ["more severe", { ...loop, severity: "critical" }],
    [
      "after a rebase moved the code 40 lines down",
      { ...loop, line: 47, title: "Reads past the end" },
      shifted,
    ],
  ])("is true for the same defect on the same code, %s", (_case, again, diff) => {
    expect(isSameFinding(placed(again, diff), placed(loop))).toBe(true);
  });

  it.each<[string, Partial<Finding> & { line: number }, FileDiff?]>([
    ["another kind of defect on the same line", { ...loop, category: "performance" }],
    ["the same words about unrelated code", { ...loop, line: 2 }],
    ["the same words about the same code in another file", { ...loop, line: 1 }, other],
    ["the same words about a neighbouring line", { ...loop, line: 8 }],
    ["no category about the same line", { line: 7, title: loop.title }],
  ])("is false for %s", (_case, again, diff) => {
    expect(isSameFinding(placed(again, diff), placed(loop))).toBe(false);
  });

  it("tells two findings on lines without significant code apart by distance", () => {
    const braces = parsePatch({
      path: "src/a.js",
      patch: `@@ -0,0 +1,20 @@\n${Array.from({ length: 20 }, () => "+}").join("\n")}`,
    });
    expect(isSameFinding(placed({ line: 3 }, braces), placed({ line: 3 + NEAR_LINES }, braces))).toBe(true);
    expect(isSameFinding(placed({ line: 3 }, braces), placed({ line: 4 + NEAR_LINES }, braces))).toBe(false);
  });
});

const identityArbitrary: fc.Arbitrary<FindingIdentity> = fc
  .record({
    file: fc.constantFrom("0123456789abcdef", "fedcba9876543210"),
    side: fc.constantFrom("LEFT" as const, "RIGHT" as const),
    start: fc.integer({ min: 1, max: 40 }),
    length: fc.integer({ min: 0, max: 10 }),
    code: fc.uniqueArray(fc.constantFrom("00000000", "11111111", "22222222", "33333333"), { maxLength: 4 }),
    category: fc.constantFrom(...CATEGORIES.slice(0, 3)),
  })
  .map(({ start, length, ...rest }) => ({ ...rest, lines: [start, start + length] as [number, number] }));

describe("isSameFinding, for any findings", () => {
  it("is symmetric", () => {
    fc.assert(
      fc.property(identityArbitrary, identityArbitrary, (a, b) => {
        expect(isSameFinding(a, b)).toBe(isSameFinding(b, a));
      }),
      { numRuns: 2_000 },
    );
  });

  it("holds a finding to be the same as itself", () => {
    fc.assert(
      fc.property(identityArbitrary, (a) => {
        expect(isSameFinding(a, a)).toBe(true);
      }),
    );
  });

  it("never matches findings of different files, sides or categories", () => {
    fc.assert(
      fc.property(identityArbitrary, identityArbitrary, (a, b) => {
        if (a.file !== b.file || a.side !== b.side || a.category !== b.category) {
          expect(isSameFinding(a, b)).toBe(false);
        }
      }),
    );
  });
});

describe("findingIdentity", () => {
  it("does not depend on the finding's words, and stays within the record's bounds whatever its size", () => {
    const lines = Array.from({ length: 5_000 }, (_, index) => `const value${index} = compute(${index});`);
    const big = parsePatch({
      path: "src/big.ts",
      patch: `@@ -0,0 +1,5000 @@\n${lines.map((line) => `+${line}`).join("\n")}`,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 4_999 }),
        fc.string({ maxLength: 2_000 }),
        (line, span, title) => {
          const comment = { path: "src/big.ts", body: title, line, side: "RIGHT" as const };
          const start = Math.max(1, line - span);
          const identity = findingIdentity({
            comment: start < line ? { ...comment, startLine: start } : comment,
            category: "logic",
            diff: big,
          });
          expect(findingIdentitySchema.parse(identity)).toStrictEqual(identity);
          expect(identity.code.length).toBeLessThanOrEqual(MAX_CODE_HASHES);
          expect(identity).toStrictEqual(
            findingIdentity({
              comment: {
                ...(start < line ? { ...comment, startLine: start } : comment),
                body: "other words",
              },
              category: "logic",
              diff: big,
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads each line of the commented hunk at most once, whatever its size", () => {
    for (const count of [1_000, 4_000, 16_000]) {
      const diff = parsePatch({
        path: "src/huge.ts",
        patch: `@@ -0,0 +1,${count} @@\n${Array.from({ length: count }, (_, index) => `+  total += item${index};`).join("\n")}`,
      });
      const [hunk] = diff.hunks;
      if (hunk === undefined) throw new Error("no hunk");
      let reads = 0;
      hunk.lines = new Proxy(hunk.lines, {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver);
        },
      });
      // A range over the last lines: the whole hunk is walked to reach it.
      const comment = {
        path: "src/huge.ts",
        body: "",
        line: count,
        startLine: count - 3,
        side: "RIGHT" as const,
      };
      findingIdentity({ comment, category: "logic", diff });
      expect(reads).toBeLessThanOrEqual(count);
    }
  });
});
