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
