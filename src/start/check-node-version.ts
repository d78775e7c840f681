import { readFileSync } from "node:fs";
import semver from "semver";

// This module runs before anything else is loaded (see src/main.ts): it imports only node:fs and semver, which load
// on any Node.js release, so an old Node.js gets one clear line instead of a crash deep inside a dependency.

/** The Node.js versions the project supports: package.json's `engines.node`, the strictest of its dependencies'. */
export function readSupportedNodeRange(): string {
  const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    engines?: { node?: unknown };
  };
  const range = packageJson.engines?.node;
  if (typeof range !== "string") throw new Error('package.json has no "engines.node" range');
  return range;
}

/** One line saying why this Node.js cannot run the app, or undefined when it can. */
export function checkNodeVersion(version: string, range: string): string | undefined {
  if (semver.satisfies(version, range, { includePrerelease: true })) return undefined;
  return (
    `deepseek-review cannot start: it needs Node.js ${range} (package.json "engines"), ` +
    `and this is Node.js ${version}. Install Node.js 24 LTS (https://nodejs.org) and run it again.`
  );
}
