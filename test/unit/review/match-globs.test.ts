import fc from "fast-check";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { compileGlob, compileGlobs } from "../../../src/review/match-globs.js";

describe("compileGlob", () => {
  it.each<[string, string, boolean]>([
    ["src/**", "src/a/b.ts", true],
    ["src/**", "src", true],
    ["src/**", "srcx/a.ts", false],
    ["**/x.ts", "x.ts", true],
    ["**/x.ts", "a/b/x.ts", true],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a/**/**/b", "a/b", true],
    ["a/**/**", "a", true],
    ["**", ".env", true],
    ["*", ".env", true],
    ["*", "a/b", false],
    ["*.md", "README.md", true],
    ["*.md", "docs/README.md", false],
    ["a**b", "axxb", true],
    ["a**b", "ax/xb", false],
    ["?", "/", false],
    ["a?c", "abc", true],
    ["*.{js,ts}", "a.ts", true],
    ["*.{js,ts}", "a.rs", false],
    ["{src,lib}/**", "lib/x", true],
    ["{a,{b,c}}", "c", true],
    ["{a}", "{a}", true],
    ["{a,b", "{a,b", true],
    ["[a-c]x", "bx", true],
    ["[a-c]x", "dx", false],
    ["[^a]x", "bx", true],
    ["[!a]x", "bx", true],
    ["[!a]x", "ax", false],
    ["[^a]", "/", false],
    ["[abc", "[abc", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["./src/a.ts", "src/a.ts", true],
    ["!src/**", "lib/x", true],
    ["!src/**", "src/x", false],
    ["a.b", "axb", false],
    ["(a|b)", "(a|b)", true],
    ["(a|b)", "a", false],
  ])("matches %j against %j: %s", (glob, path, expected) => {
    expect(compileGlob(glob)(path)).toBe(expected);
  });

  it("ignores case only when asked", () => {
    expect(compileGlob("**/.ENV")("app/.env")).toBe(false);
    expect(compileGlob("**/.ENV", { nocase: true })("app/.env")).toBe(true);
    expect(compileGlob("secrets/**", { nocase: true })("Secrets/x")).toBe(true);
  });
});

describe("compileGlobs", () => {
  it("matches when any glob does, and nothing for an empty list", () => {
    expect(compileGlobs(["docs/**", "**/*.md"])("a/b.md")).toBe(true);
    expect(compileGlobs(["docs/**", "**/*.md"])("a/b.ts")).toBe(false);
    expect(compileGlobs([])("a")).toBe(false);
  });
});

describe("hostile globs and paths", () => {
  // picomatch backtracked for 49.2 s on this pair; a quadratic matcher would run into the test's timeout here.
  it("matches a star-heavy glob against a long path without backtracking", () => {
    expect(compileGlob("*a*a*a*a*a*a*b")("a".repeat(120))).toBe(false);
    expect(compileGlob(`${"*a".repeat(100)}*b`)("a".repeat(5_000))).toBe(false);
    expect(compileGlob(`${"*a".repeat(100)}*b`)(`${"a".repeat(5_000)}b`)).toBe(true);
  });

  it("compiles a glob longer than picomatch accepts (65,536 characters) instead of throwing", () => {
    const glob = `${"a".repeat(70_000)}*`;
    expect(compileGlob(glob)(`${"a".repeat(70_000)}.ts`)).toBe(true);
  });

  it("parses thousands of braces without recursing into them: groups past 10 levels are literal", () => {
    expect(compileGlob(`${"{".repeat(5_000)}a`)(`${"{".repeat(5_000)}a`)).toBe(true);
    expect(compileGlob(`${"{a,".repeat(2_000)}b${"}".repeat(2_000)}`)("b")).toBe(false);
    expect(compileGlob(`${"{a,".repeat(10)}b${"}".repeat(10)}`)("b")).toBe(true);
  });
});

/**
 * Ordinary globs, where every matcher agrees: segments of letters, `.x` extensions, `*`, `?`, classes and braces, and
 * `**` segments. Left out are picomatch's own readings: `[!a]` (picomatch takes `!` literally), a trailing `/**`
 * after a segment with `*` (picomatch then refuses the bare directory, which it accepts after other segments), and
 * empty alternatives right after a globstar.
 */
const letter = fc.constantFrom("a", "b");
const atom = fc.oneof(
  { weight: 4, arbitrary: letter },
  { weight: 1, arbitrary: fc.constantFrom(".a", ".b") },
  { weight: 2, arbitrary: fc.constant("*") },
  { weight: 1, arbitrary: fc.constant("?") },
  { weight: 1, arbitrary: fc.constantFrom("[ab]", "[a-b]", "[^a]") },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.array(letter, { minLength: 1, maxLength: 2 }),
        fc.array(letter, { minLength: 1, maxLength: 2 }),
      )
      .map(([x, y]) => `{${x.join("")},${y.join("")}}`),
  },
);
const segment = fc.oneof(
  { weight: 1, arbitrary: fc.constant("**") },
  {
    weight: 4,
    arbitrary: fc
      .array(atom, { minLength: 1, maxLength: 4 })
      .map((atoms) => atoms.join("").replace(/\*+/g, "*")),
  },
);
const ordinaryGlob = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .filter((segments) => {
    let end = segments.length;
    while (end > 0 && segments[end - 1] === "**") end--;
    return end === segments.length || end === 0 || !segments[end - 1]?.includes("*");
  })
  .map((segments) => segments.join("/"));
const pathSegment = fc
  .array(fc.constantFrom("a", "b", ".", "A"), { minLength: 1, maxLength: 3 })
  .map((chars) => chars.join(""))
  .filter((name) => name !== "." && name !== "..");
const path = fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join("/"));

describe("agreement with picomatch on ordinary globs", () => {
  it.each([false, true])("gives picomatch's answer (nocase: %s)", (nocase) => {
    fc.assert(
      fc.property(ordinaryGlob, fc.array(path, { minLength: 10, maxLength: 10 }), (glob, paths) => {
        const ours = compileGlob(glob, { nocase });
        const theirs = picomatch(glob, { dot: true, nocase });
        for (const one of paths) expect(ours(one), `${glob} against ${one}`).toBe(theirs(one));
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees on lists of globs, with negation", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), ordinaryGlob), { minLength: 1, maxLength: 4 }),
        fc.array(path, { minLength: 10, maxLength: 10 }),
        (entries, paths) => {
          const globs = entries.map(([negated, glob]) => `${negated ? "!" : ""}${glob}`);
          const ours = compileGlobs(globs);
          const theirs = picomatch(globs, { dot: true });
          for (const one of paths) expect(ours(one), `${globs.join(" ")} against ${one}`).toBe(theirs(one));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
