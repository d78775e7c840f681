import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codeLineHash } from "../../../src/review/finding-identity.js";
import type { PullRequestFile } from "../../../src/review/types.js";
import { headCodeOf } from "../../../src/threads/head-code-of.js";

const file = (change: Partial<PullRequestFile>): PullRequestFile => ({
  path: "a.js",
  status: "modified",
  additions: 1,
  deletions: 1,
  changes: 2,
  patch: "@@ -1,3 +1,3 @@\n const a = 1;\n-let b = 2;\n+let b = 3;\n }",
  ...change,
});

describe("headCodeOf", () => {
  it("hashes the significant lines on the head's side only", () => {
    const code = headCodeOf({ files: [file({})], complete: true })("a.js");
    expect(code).toEqual(new Set([codeLineHash("const a = 1;"), codeLineHash("let b = 3;")]));
  });

  it.each<[string, PullRequestFile[], boolean, string]>([
    ["a file no longer changed", [], true, "absent"],
    ["a file missing from a list that may be cut short", [], false, "unknown"],
    ["a file without a patch", [file({ path: "a.js", patch: undefined as never })], true, "unknown"],
    ["a removed file", [file({ status: "removed" })], true, "absent"],
    ["a patch that does not parse", [file({ patch: "@@ nonsense" })], true, "unknown"],
  ])("%s is %s", (_name, files, complete, expected) => {
    const withoutPatch = files.map((one) => (one.patch === undefined ? { ...one, patch: undefined } : one));
    const cleaned = withoutPatch.map(({ patch, ...rest }) =>
      patch === undefined ? rest : { ...rest, patch },
    );
    expect(headCodeOf({ files: cleaned, complete })("a.js")).toBe(expected);
  });

  it("reads a hostile patch of many lines in one pass", () => {
    const lines = 200_000;
    const patch = `@@ -0,0 +1,${lines} @@\n${Array.from({ length: lines }, (_, index) => `+x${index % 1000}`).join("\n")}`;
    const code = headCodeOf({ files: [file({ patch })], complete: true })("a.js");
    expect(code instanceof Set ? code.size : 0).toBe(1000);
  });

  it("finds every added line's hash", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z][a-z0-9 ]{0,20}$/), { minLength: 1, maxLength: 50 }),
        (added) => {
          const patch = `@@ -0,0 +1,${added.length} @@\n${added.map((line) => `+${line}`).join("\n")}`;
          const code = headCodeOf({ files: [file({ patch })], complete: true })("a.js");
          for (const line of added)
            expect(code instanceof Set && code.has(codeLineHash(line) ?? "")).toBe(true);
        },
      ),
    );
  });
});
