import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { splitGitDiff } from "../../src/diff/split-git-diff.js";
import type { PullRequestFile } from "../../src/review/types.js";

/** Where `npm pack` tarballs, unpacked trees and the diffs between them are kept (gitignored). */
export const CACHE_DIR = fileURLToPath(new URL("../.cache/", import.meta.url));

/** A pull request from one published version of an npm package to the next major one. */
export interface RealDiff {
  name: string;
  from: string;
  to: string;
}

/** Two large npm packages across a major version: about 11,000 and 161,000 changed lines. */
export const REAL_DIFFS: readonly RealDiff[] = [
  { name: "eslint", from: "8.57.0", to: "9.0.0" },
  { name: "webpack", from: "4.47.0", to: "5.90.0" },
];

/** The label of a real diff: "eslint 8.57.0 → 9.0.0". */
export function labelOf(diff: RealDiff): string {
  return `${diff.name} ${diff.from} → ${diff.to}`;
}

/**
 * The files of `git diff --no-index` between the two versions, shaped like GitHub's `pulls.listFiles`. The first
 * run fetches both with `npm pack` (the npm registry) and caches the result in bench/.cache.
 */
export function loadRealDiff(diff: RealDiff): PullRequestFile[] {
  const cached = join(CACHE_DIR, `${diff.name}-${diff.from}-${diff.to}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, "utf8")) as PullRequestFile[];
  mkdirSync(CACHE_DIR, { recursive: true });
  const from = unpack(diff.name, diff.from);
  const to = unpack(diff.name, diff.to);
  const text = spawnSync(
    "git",
    ["diff", "--no-index", "-M", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", from, to],
    {
      cwd: CACHE_DIR,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    },
  )
    .stdout.replaceAll(`a/${from}/`, "a/")
    .replaceAll(`b/${to}/`, "b/");
  const files = splitGitDiff(text);
  writeFileSync(cached, JSON.stringify(files));
  return files;
}

/** Unpacks `name@version` into bench/.cache/<name>-<version> (fetched once); its directory name there. */
function unpack(name: string, version: string): string {
  const dir = `${name}-${version}`;
  if (existsSync(join(CACHE_DIR, dir, "package.json"))) return dir;
  console.log(`fetching ${name}@${version} with npm pack (first run only)`);
  const tarball = execFileSync(
    "npm",
    ["pack", `${name}@${version}`, "--silent", "--pack-destination", CACHE_DIR],
    {
      encoding: "utf8",
    },
  )
    .trim()
    .split("\n")
    .at(-1) as string;
  mkdirSync(join(CACHE_DIR, dir), { recursive: true });
  execFileSync("tar", ["-xzf", join(CACHE_DIR, tarball), "-C", join(CACHE_DIR, dir), "--strip-components=1"]);
  return dir;
}
