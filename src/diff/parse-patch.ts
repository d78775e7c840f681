import parseDiff from "parse-diff";
import type { DiffLine, FileDiff, Hunk } from "./types.js";

const NO_NEWLINE_MARKER = "\\ No newline at end of file";

/**
 * Parses the `patch` of one `pulls.listFiles` item (hunks only, no `diff --git`/`---`/`+++` header)
 * into hunks and the map of lines GitHub accepts review comments on.
 * Line content keeps everything after the `+`, `-` or space, including a trailing `\r` of CRLF files.
 * Throws when the patch is not a well-formed unified diff, rather than returning a wrong line map.
 */
export function parsePatch(params: { path: string; previousPath?: string; patch: string }): FileDiff {
  const { path, previousPath, patch } = params;
  const hunks = patch === "" ? [] : parseHunks(path, patch);
  const right = new Map<number, number>();
  const left = new Map<number, number>();
  for (const hunk of hunks) {
    for (const line of hunk.lines) {
      if (line.newLine !== undefined) setOnce({ map: right, line: line.newLine, hunk: hunk.index, path });
      if (line.kind === "del" && line.oldLine !== undefined) {
        setOnce({ map: left, line: line.oldLine, hunk: hunk.index, path });
      }
    }
  }
  return { path, ...(previousPath === undefined ? {} : { previousPath }), hunks, right, left };
}

function parseHunks(path: string, patch: string): Hunk[] {
  const files = runParseDiff(path, patch);
  const chunks = files.flatMap((file) => file.chunks);
  const inputLines = patch.split("\n");
  if (inputLines.at(-1) === "") inputLines.pop();
  const parsedLines = chunks.reduce((sum, chunk) => sum + 1 + chunk.changes.length, 0);
  if (files.length > 1 || parsedLines !== inputLines.length) {
    throw new PatchError(path, "its lines do not match its hunk headers");
  }
  return chunks.map((chunk, index) => {
    const hunk: Hunk = {
      index,
      header: chunk.content,
      oldStart: chunk.oldStart,
      oldLines: chunk.oldLines,
      newStart: chunk.newStart,
      newLines: chunk.newLines,
      lines: toDiffLines(path, chunk.changes),
    };
    assertCounts(path, hunk);
    return hunk;
  });
}

function runParseDiff(path: string, patch: string): parseDiff.File[] {
  try {
    return parseDiff(patch);
  } catch (error) {
    // parse-diff throws a TypeError on a `\ No newline at end of file` marker that follows no line.
    throw new PatchError(path, `parse-diff failed (${error instanceof Error ? error.name : "error"})`);
  }
}

function toDiffLines(path: string, changes: parseDiff.Change[]): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const change of changes) {
    if (change.content === NO_NEWLINE_MARKER) {
      const previous = lines.at(-1);
      if (previous === undefined) throw new PatchError(path, "a no-newline marker follows no line");
      previous.noNewlineAtEof = true;
      continue;
    }
    lines.push(toDiffLine(path, change));
  }
  return lines;
}

function toDiffLine(path: string, change: parseDiff.Change): DiffLine {
  const content = change.content.slice(1);
  switch (change.type) {
    case "add":
      return { kind: "add", content, newLine: change.ln };
    case "del":
      return { kind: "del", content, oldLine: change.ln };
    case "normal":
      // parse-diff takes any line inside a hunk's counts as context, even a following `@@` header.
      if (change.content !== "" && !change.content.startsWith(" ")) {
        throw new PatchError(path, "a line inside a hunk starts with none of space, + and -");
      }
      return { kind: "context", content, oldLine: change.ln1, newLine: change.ln2 };
  }
}

function assertCounts(path: string, hunk: Hunk): void {
  const oldCount = hunk.lines.filter((line) => line.kind !== "add").length;
  const newCount = hunk.lines.filter((line) => line.kind !== "del").length;
  if (oldCount !== hunk.oldLines || newCount !== hunk.newLines) {
    throw new PatchError(
      path,
      `hunk ${hunk.index + 1} has ${oldCount} old and ${newCount} new lines, not what its header says`,
    );
  }
}

function setOnce(params: { map: Map<number, number>; line: number; hunk: number; path: string }): void {
  const { map, line, hunk, path } = params;
  if (map.has(line)) throw new PatchError(path, `line ${line} appears in two hunks`);
  map.set(line, hunk);
}

class PatchError extends Error {
  constructor(path: string, detail: string) {
    super(`Cannot parse the patch of ${path}: ${detail}`);
    this.name = "PatchError";
  }
}
