import type { PullRequestFile } from "../../src/review/types.js";

/** A code-like line: varied identifiers and literals, so the tokenizer sees text shaped like source. */
export function codeLine(file: number, line: number): string {
  const n = (line * 7919 + file * 104_729) % 100_003;
  switch (line % 6) {
    case 0:
      return `export function handle${n}(request: Request${file % 13}, options = {}) {`;
    case 1:
      return `  const value${n % 997} = await store.read("key-${n}", { limit: ${n % 500} });`;
    case 2:
      return `  if (value${n % 997} === undefined || value${n % 997}.length > ${n % 4096}) return null;`;
    case 3:
      return `  // Keep ${n % 50} entries of the cache for request ${file}: older ones are dropped.`;
    case 4:
      return `  return transform(value${n % 997}, ${JSON.stringify(`label-${n % 211}`)});`;
    default:
      return "}";
  }
}

/** A file that adds `lines` code-like lines. */
export function addedFile(path: string, lines: number, seed = 0): PullRequestFile {
  const body = Array.from({ length: lines }, (_, i) => `+${codeLine(seed, i)}`);
  return {
    path,
    status: "added",
    additions: lines,
    deletions: 0,
    changes: lines,
    patch: `@@ -0,0 +1,${lines} @@\n${body.join("\n")}`,
  };
}

/** A modified file: `hunks` hunks, each 3 context lines, `changed` deletions and `changed` additions, 3 context. */
export function modifiedFile(path: string, hunks: number, changed: number, seed = 0): PullRequestFile {
  const parts: string[] = [];
  let oldLine = 1;
  for (let h = 0; h < hunks; h += 1) {
    const size = 6 + changed;
    parts.push(`@@ -${oldLine},${size} +${oldLine},${size} @@ function part${h}() {`);
    for (let i = 0; i < 3; i += 1) parts.push(` ${codeLine(seed, oldLine + i)}`);
    for (let i = 0; i < changed; i += 1) parts.push(`-${codeLine(seed + 1, oldLine + 3 + i)}`);
    for (let i = 0; i < changed; i += 1) parts.push(`+${codeLine(seed + 2, oldLine + 3 + i)}`);
    for (let i = 0; i < 3; i += 1) parts.push(` ${codeLine(seed, oldLine + 3 + changed + i)}`);
    oldLine += size + 20;
  }
  return {
    path,
    status: "modified",
    additions: hunks * changed,
    deletions: hunks * changed,
    changes: 2 * hunks * changed,
    patch: parts.join("\n"),
  };
}

/** A generated diff of about `lines` changed lines over files of 1,000 added lines (paths src/gen/f<i>.ts). */
export function generatedDiff(lines: number): PullRequestFile[] {
  const perFile = 1_000;
  return Array.from({ length: Math.ceil(lines / perFile) }, (_, i) =>
    addedFile(`src/gen/f${i}.ts`, Math.min(perFile, lines - i * perFile), i),
  );
}

/** The changed lines (additions and deletions) of a file list. */
export function changedLines(files: readonly PullRequestFile[]): number {
  return files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
}

/** The "small PR" of the memory figures: 4 modified files of 3 hunks each. */
export function smallPullRequest(): PullRequestFile[] {
  return Array.from({ length: 4 }, (_, i) => modifiedFile(`src/small/file-${i}.ts`, 3, 4, i));
}

/** The first PR of the "large mix": 3,500 files of 10 changed lines each. */
export function manyFilesPullRequest(): PullRequestFile[] {
  return Array.from({ length: 3_500 }, (_, i) =>
    modifiedFile(`src/many/dir-${i % 50}/file-${i}.ts`, 1, 5, i),
  );
}

/** The second PR of the "large mix": one added file of 30,000 lines. */
export function bigFilePullRequest(): PullRequestFile[] {
  return [addedFile("src/big/generated.ts", 30_000, 7)];
}
