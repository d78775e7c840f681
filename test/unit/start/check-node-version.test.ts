import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { checkNodeVersion, readSupportedNodeRange } from "../../../src/start/check-node-version.js";

const range = readSupportedNodeRange();

describe("checkNodeVersion", () => {
  it.each(["22.20.0", "22.21.1", "24.0.0", "24.11.1", "26.0.0", "27.3.0"])(
    "lets Node.js %s start the app",
    (version) => {
      expect(checkNodeVersion(version, range)).toBeUndefined();
    },
  );

  it.each(["18.20.4", "20.19.0", "20.20.2", "22.12.0", "22.19.9", "23.11.0", "25.2.1"])(
    "stops Node.js %s with one line naming the supported range",
    (version) => {
      const problem = checkNodeVersion(version, range);
      expect(problem).toBe(
        `deepseek-review cannot start: it needs Node.js ${range} (package.json "engines"), and this is Node.js ` +
          `${version}. Install Node.js 24 LTS (https://nodejs.org) and run it again.`,
      );
      expect(problem).not.toContain("\n");
    },
  );
});

/** Every installed package's package.json, nested ones included. */
function* installedPackages(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (name.startsWith("@")) {
      yield* installedPackages(path);
      continue;
    }
    const packageJson = join(path, "package.json");
    try {
      readFileSync(packageJson);
      yield packageJson;
    } catch {
      continue;
    }
    const nested = join(path, "node_modules");
    try {
      readdirSync(nested);
      yield* installedPackages(nested);
    } catch {
      // no nested dependencies
    }
  }
}

describe('package.json "engines"', () => {
  it("allows no Node.js that an installed dependency rules out (nock wants >=22.20, vitest ^22.12 || ^24 || >=26)", () => {
    const stricter: string[] = [];
    for (const packageJson of installedPackages(join(process.cwd(), "node_modules"))) {
      const { name, engines } = JSON.parse(readFileSync(packageJson, "utf8")) as {
        name?: string;
        engines?: { node?: unknown };
      };
      const theirs = engines?.node;
      if (typeof theirs !== "string" || semver.validRange(theirs) === null) continue;
      if (!semver.subset(range, theirs)) stricter.push(`${name}: ${theirs}`);
    }
    expect(stricter).toEqual([]);
  });

  it("is enforced by npm (engine-strict in .npmrc)", () => {
    expect(readFileSync(join(process.cwd(), ".npmrc"), "utf8")).toMatch(/^engine-strict=true$/m);
  });
});
