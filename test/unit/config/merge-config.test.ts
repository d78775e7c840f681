import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeConfig, parseExtends } from "../../../src/config/merge-config.js";

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Keys as configuration files write them, from a small set so that the two files often share keys (what the
 * properties are about).
 */
const configKey = fc.constantFrom(
  "paths",
  "include",
  "exclude",
  "escalate",
  "label",
  "max_comments",
  "language",
);
const scalar = fc.oneof(fc.boolean(), fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null));
/** A parsed YAML document's shape: mappings of scalars, lists (empty ones too) and nested mappings. */
const { mapping } = fc.letrec<{ value: unknown; mapping: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    tie("mapping"),
  ),
  mapping: fc.dictionary(configKey, tie("value"), { maxKeys: 5 }),
}));

describe("mergeConfig", () => {
  it("keeps a key named __proto__ a key, so the schema can report it, and changes no prototype", () => {
    const base = JSON.parse('{"paths": {"exclude": ["a"]}}');
    const repo = JSON.parse('{"__proto__": {"max_comments": 1}, "paths": {"__proto__": {"x": 1}}}');
    const merged = mergeConfig(base, repo) as Record<string, unknown>;
    expect(Object.keys(merged).sort()).toEqual(["__proto__", "paths"]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { max_comments?: unknown }).max_comments).toBeUndefined();
    expect(Object.keys(merged.paths as object).sort()).toEqual(["__proto__", "exclude"]);
  });

  it("replaces a list of the extended file, even with an explicit empty list", () => {
    const base = {
      paths: { exclude: ["**"], include: ["src/**"] },
      escalate: { paths: ["**"], label: "deep" },
    };
    const repo = { paths: { exclude: [] }, escalate: { paths: [] } };
    expect(mergeConfig(base, repo)).toEqual({
      paths: { exclude: [], include: ["src/**"] },
      escalate: { paths: [], label: "deep" },
    });
  });

  it("replaces a list with a shorter one rather than concatenating them (Probot's merge concatenates)", () => {
    expect(mergeConfig({ paths: { include: ["a/**", "b/**"] } }, { paths: { include: ["c/**"] } })).toEqual({
      paths: { include: ["c/**"] },
    });
  });

  it("merges mappings key by key, at every depth, and keeps the keys only the extended file sets", () => {
    const base = { max_comments: 5, language: "English", escalate: { label: "deep", paths: ["a"] } };
    const repo = { max_comments: 0, escalate: { label: "" } };
    expect(mergeConfig(base, repo)).toEqual({
      max_comments: 0,
      language: "English",
      escalate: { label: "", paths: ["a"] },
    });
  });

  it("lets a scalar, a list or null of the repository replace a mapping of the extended file, and the reverse", () => {
    expect(mergeConfig({ paths: { include: ["a"] } }, { paths: null })).toEqual({ paths: null });
    expect(mergeConfig({ paths: { include: ["a"] } }, { paths: ["x"] })).toEqual({ paths: ["x"] });
    expect(mergeConfig({ paths: "all" }, { paths: { include: ["a"] } })).toEqual({
      paths: { include: ["a"] },
    });
  });

  it("keeps the base when there is no overlay, and takes the overlay when the base is not a mapping", () => {
    expect(mergeConfig({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(mergeConfig(null, { a: 1 })).toEqual({ a: 1 });
    expect(mergeConfig({ a: 1 }, null)).toBeNull();
  });

  it("changes neither input", () => {
    const base = { paths: { exclude: ["**"] }, max_comments: 5 };
    const repo = { paths: { exclude: [] as string[] } };
    const before = structuredClone({ base, repo });
    mergeConfig(base, repo);
    expect({ base, repo }).toEqual(before);
  });

  describe("for any two configuration mappings", () => {
    it("has exactly the keys of both, at every depth where both have a mapping", () => {
      fc.assert(
        fc.property(mapping, mapping, (base, repo) => {
          const expectKeys = (merged: unknown, b: Record<string, unknown>, r: Record<string, unknown>) => {
            expect(isMapping(merged)).toBe(true);
            const keys = Object.keys(merged as object).sort();
            expect(keys).toEqual([...new Set([...Object.keys(b), ...Object.keys(r)])].sort());
            for (const key of keys) {
              const [bv, rv] = [b[key], r[key]];
              if (isMapping(bv) && isMapping(rv)) {
                expectKeys((merged as Record<string, unknown>)[key], bv, rv);
              }
            }
          };
          expectKeys(mergeConfig(base, repo), base, repo);
        }),
      );
    });

    it("takes every value the repository sets explicitly (anything but a mapping laid over a mapping) as it is", () => {
      fc.assert(
        fc.property(mapping, mapping, (base, repo) => {
          const check = (
            merged: Record<string, unknown>,
            b: Record<string, unknown>,
            r: Record<string, unknown>,
          ) => {
            for (const [key, value] of Object.entries(r)) {
              const below = b[key];
              if (isMapping(value) && isMapping(below)) {
                check(merged[key] as Record<string, unknown>, below, value);
              } else {
                expect(merged[key]).toEqual(value);
              }
            }
            for (const [key, value] of Object.entries(b)) {
              if (!(key in r)) expect(merged[key]).toEqual(value);
            }
          };
          check(mergeConfig(base, repo) as Record<string, unknown>, base, repo);
        }),
      );
    });

    it("gives back the repository's own file when laid over an empty one, and the base when laid under nothing", () => {
      fc.assert(
        fc.property(mapping, (config) => {
          expect(mergeConfig({}, config)).toEqual(config);
          expect(mergeConfig(config, {})).toEqual(config);
        }),
      );
    });
  });
});

describe("parseExtends", () => {
  const defaults = { owner: "octo-org", path: ".github/deepseek-review.yml" };

  it.each([
    [".github", { owner: "octo-org", repo: ".github", path: ".github/deepseek-review.yml" }],
    ["other-repo", { owner: "octo-org", repo: "other-repo", path: ".github/deepseek-review.yml" }],
    ["partner/configs", { owner: "partner", repo: "configs", path: ".github/deepseek-review.yml" }],
    ["other-repo:review/base.yml", { owner: "octo-org", repo: "other-repo", path: "review/base.yml" }],
    ["partner/configs:base.yaml", { owner: "partner", repo: "configs", path: "base.yaml" }],
  ])("reads %j", (value, target) => {
    expect(parseExtends(value, defaults)).toEqual(target);
  });

  it.each<[string, unknown]>([
    ["a number", 42],
    ["a list", ["other-repo"]],
    ["an empty string", ""],
    ["a path that climbs out", "other-repo:../../secrets.yml"],
    ["a path that is not YAML", "other-repo:README.md"],
    ["an owner with a dot", "evil.org/configs"],
    ["an owner over 39 characters", `${"a".repeat(40)}/configs`],
    ["a repository with a space", "other repo"],
    ["two slashes", "a/b/c"],
    ["a value over 300 characters", `other-repo:${"a/".repeat(150)}x.yml`],
  ])("refuses %s", (_name, value) => {
    expect(parseExtends(value, defaults)).toBeUndefined();
  });
});
