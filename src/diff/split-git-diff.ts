import type { PullRequestFile } from "../review/types.js";

/**
 * Splits `git diff` output (the CLI's local diff, tests' real diffs) into files shaped like GitHub's
 * `pulls.listFiles` items: `patch` is the text from the first `@@` of each file, as GitHub sends it; binary files
 * have no patch. Linear in the diff's length.
 */
export function splitGitDiff(diff: string): PullRequestFile[] {
  const files: PullRequestFile[] = [];
  const sections = diff.split(/^diff --git /m).slice(1);
  for (const section of sections) {
    const lines = section.split("\n");
    const start = lines.findIndex((line) => line.startsWith("@@"));
    const header = start === -1 ? lines : lines.slice(0, start);
    const renameFrom = header.find((line) => line.startsWith("rename from "))?.slice("rename from ".length);
    const renameTo = header.find((line) => line.startsWith("rename to "))?.slice("rename to ".length);
    const plus = header.find((line) => line.startsWith("+++ "));
    const minus = header.find((line) => line.startsWith("--- "));
    const path =
      renameTo ?? stripPrefix(plus?.slice(4)) ?? stripPrefix(minus?.slice(4)) ?? firstPath(lines[0] ?? "");
    const patch = start === -1 ? undefined : lines.slice(start).join("\n").replace(/\n$/, "");
    const body = patch?.split("\n") ?? [];
    const additions = body.filter((line) => line.startsWith("+")).length;
    const deletions = body.filter((line) => line.startsWith("-")).length;
    const status = header.some((line) => line.startsWith("new file"))
      ? "added"
      : header.some((line) => line.startsWith("deleted file"))
        ? "removed"
        : renameTo
          ? "renamed"
          : "modified";
    files.push({
      path,
      status,
      additions,
      deletions,
      changes: additions + deletions,
      ...(renameFrom ? { previousPath: renameFrom } : {}),
      ...(patch === undefined ? {} : { patch }),
    });
  }
  return files;
}

/** A `---`/`+++` path without its `a/`/`b/` prefix, nor the tab git appends to a path with spaces. */
function stripPrefix(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const name = path.endsWith("\t") ? path.slice(0, -1) : path;
  if (name === "/dev/null") return undefined;
  return name.replace(/^[ab]\//, "");
}

/**
 * The path of a `diff --git a/<path> b/<path>` line (binary and mode-only changes have no `---`/`+++` lines): the
 * line is the same path twice, so its halves are found by length, spaces in the path included.
 */
function firstPath(line: string): string {
  const half = (line.length - 5) / 2;
  const path = line.slice(2, 2 + half);
  if (Number.isInteger(half) && line === `a/${path} b/${path}`) return path;
  const at = line.lastIndexOf(" b/");
  return at === -1 ? line : line.slice(at + 3);
}
