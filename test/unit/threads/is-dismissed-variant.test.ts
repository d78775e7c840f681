import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FindingIdentity, MAX_CODE_HASHES } from "../../../src/records/record-schema.js";
import { isSameFinding } from "../../../src/review/finding-identity.js";
import { CATEGORIES } from "../../../src/review/types.js";
import { isDismissedVariant } from "../../../src/threads/is-dismissed-variant.js";

const base: FindingIdentity = {
  file: "0123456789abcdef",
  side: "RIGHT",
  lines: [7, 7],
  code: ["aaaaaaaa"],
  category: "other",
};

describe("isDismissedVariant", () => {
  it.each<[string, Partial<FindingIdentity>, boolean]>([
    ["the same finding", {}, true],
    ["reworded with another category", { category: "logic" }, true],
    [
      "a few lines away on shared code",
      { lines: [10, 11], code: ["aaaaaaaa", "cccccccc"], category: "logic" },
      true,
    ],
    ["far away on shared code, another category", { lines: [90, 90], category: "logic" }, false],
    ["near but on other code, another category", { code: ["cccccccc"], category: "logic" }, false],
    ["in another file", { file: "fedcba9876543210" }, false],
    ["on the other side", { side: "LEFT" }, false],
    ["a security finding on the same code", { category: "security" }, false],
    ["an injection finding on the same code", { category: "injection" }, false],
  ])("%s → %s", (_name, change, expected) => {
    expect(isDismissedVariant(base, { ...base, ...change })).toBe(expected);
  });

  it("silences a security finding when that is what was dismissed", () => {
    const security = { ...base, category: "security" as const };
    expect(isDismissedVariant(security, { ...security, lines: [8, 9] })).toBe(true);
  });

  const identity = fc.record({
    file: fc.constantFrom("0123456789abcdef", "fedcba9876543210"),
    side: fc.constantFrom("LEFT" as const, "RIGHT" as const),
    lines: fc
      .tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 50 }))
      .map(([first, span]) => [first, Math.min(10_000_000, first + span)] as [number, number]),
    code: fc.uniqueArray(fc.constantFrom("aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"), {
      maxLength: MAX_CODE_HASHES,
    }),
    category: fc.constantFrom(...CATEGORIES),
  });

  it("holds for every finding that is the same finding (a dismissal covers at least what dedupe does)", () => {
    fc.assert(
      fc.property(identity, identity, (a, b) => {
        if (isSameFinding(a, b)) expect(isDismissedVariant(a, b)).toBe(true);
      }),
    );
  });

  it("never crosses files or sides, and never lets another category silence a security finding", () => {
    fc.assert(
      fc.property(identity, identity, (a, b) => {
        if (!isDismissedVariant(a, b)) return;
        expect(a.file).toBe(b.file);
        expect(a.side).toBe(b.side);
        if (b.category === "security" || b.category === "injection") expect(a.category).toBe(b.category);
      }),
    );
  });
});
