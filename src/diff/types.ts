/** Which side of a diff a line belongs to, as GitHub's review API names it. */
export type Side = "LEFT" | "RIGHT";

/** One line of a hunk. `newLine` is set for added and context lines, `oldLine` for deleted and context lines. */
export interface DiffLine {
  kind: "add" | "del" | "context";
  /** The line's text without the leading `+`, `-` or space. */
  content: string;
  oldLine?: number;
  newLine?: number;
  /** True when the line is followed by `\ No newline at end of file`. */
  noNewlineAtEof?: boolean;
}

export interface Hunk {
  /** Position of the hunk in its file, from 0. */
  index: number;
  /** The `@@ -a,b +c,d @@ …` header line. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/**
 * A file's patch parsed into hunks plus the map of lines GitHub accepts review comments on.
 * `right` maps new-file line numbers (added and context lines) to their hunk index;
 * `left` maps old-file line numbers of deleted lines to their hunk index.
 * This map is the single source of truth for where a comment may go.
 */
export interface FileDiff {
  path: string;
  previousPath?: string;
  hunks: Hunk[];
  right: Map<number, number>;
  left: Map<number, number>;
}
