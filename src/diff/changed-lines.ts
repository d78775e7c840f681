import type { FileDiff } from "./types.js";

/**
 * New-file lines changed between two commits of a pull request, by path: added lines, and for a deletion the
 * line it happened next to. `"all"` for a file changed without a patch (binary, too large), or whose lines
 * cannot be known.
 */
export type ChangedLines = Map<string, Set<number> | "all">;

/** Reads the changed lines off the parsed patches of a comparison between the last reviewed commit and the head. */
export function changedLinesOf(
  diffs: readonly (FileDiff | { path: string; patch: undefined })[],
): ChangedLines {
  const changed: ChangedLines = new Map();
  for (const diff of diffs) {
    if (!("hunks" in diff)) {
      changed.set(diff.path, "all");
      continue;
    }
    const lines = new Set<number>();
    for (const hunk of diff.hunks) {
      let nextNew = hunk.newStart;
      for (const line of hunk.lines) {
        if (line.kind === "add" && line.newLine !== undefined) lines.add(line.newLine);
        if (line.kind === "del") lines.add(Math.max(1, nextNew));
        if (line.newLine !== undefined) nextNew = line.newLine + 1;
      }
    }
    changed.set(diff.path, lines);
  }
  return changed;
}

/**
 * Keeps, of the pull request's base…head diffs, the hunks that contain a line changed since the last review,
 * so an incremental review asks only about what is new while comments still go on lines of the full diff.
 */
export function narrowToChangedHunks(diffs: readonly FileDiff[], changed: ChangedLines): FileDiff[] {
  const narrowed: FileDiff[] = [];
  for (const diff of diffs) {
    const lines = changed.get(diff.path);
    if (lines === undefined) continue;
    if (lines === "all") {
      narrowed.push(diff);
      continue;
    }
    const hunks = diff.hunks.filter((hunk) => {
      const last = hunk.newStart + Math.max(hunk.newLines, 1) - 1;
      for (const line of lines) if (line >= hunk.newStart && line <= last + 1) return true;
      return false;
    });
    if (hunks.length > 0) narrowed.push({ ...diff, hunks });
  }
  return narrowed;
}

/**
 * The pull request's own changes that are new since a review: of the lines its base…head diff adds or removes now,
 * those its base…head diff at that review did not (`before`), matched by file and content, so that what the base
 * brought in ("Update branch"), a rebase or shifted line numbers are not new. Each line of `before` accounts for at
 * most one line now (a multiset), so a second copy of a line is new. A file without a patch now or then is `"all"`.
 * Linear in the lines of both diffs.
 */
export function linesNewSince(
  current: readonly FileDiff[],
  before: readonly (FileDiff | { path: string; patch: undefined })[],
): ChangedLines {
  const earlier = new Map<string, FileDiff | undefined>();
  for (const diff of before) earlier.set(diff.path, "hunks" in diff ? diff : undefined);
  const changed: ChangedLines = new Map();
  for (const diff of current) {
    const key = earlier.has(diff.path) ? diff.path : diff.previousPath;
    if (key === undefined || !earlier.has(key)) {
      // New to the pull request since the review: every line it adds or removes is new.
      changed.set(diff.path, changedLinesOf([diff]).get(diff.path) ?? "all");
      continue;
    }
    const then = earlier.get(key);
    if (then === undefined) {
      // Its lines were not known then (no patch): all of it is looked at again.
      changed.set(diff.path, "all");
      continue;
    }
    const added = countContents(then, "add");
    const removed = countContents(then, "del");
    const lines = new Set<number>();
    for (const hunk of diff.hunks) {
      let nextNew = hunk.newStart;
      for (const line of hunk.lines) {
        if (line.kind === "add" && line.newLine !== undefined && !take(added, line.content))
          lines.add(line.newLine);
        if (line.kind === "del" && !take(removed, line.content)) lines.add(Math.max(1, nextNew));
        if (line.newLine !== undefined) nextNew = line.newLine + 1;
      }
    }
    if (lines.size > 0) changed.set(diff.path, lines);
  }
  return changed;
}

function countContents(diff: FileDiff, kind: "add" | "del"): Map<string, number> {
  const counts = new Map<string, number>();
  for (const hunk of diff.hunks)
    for (const line of hunk.lines)
      if (line.kind === kind) counts.set(line.content, (counts.get(line.content) ?? 0) + 1);
  return counts;
}

/** Takes one `content` from `counts`; false when none is left. */
function take(counts: Map<string, number>, content: string): boolean {
  const left = counts.get(content) ?? 0;
  if (left === 0) return false;
  counts.set(content, left - 1);
  return true;
}
