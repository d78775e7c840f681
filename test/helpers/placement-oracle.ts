import type { ModelClient } from "../../src/llm/types.js";
import type { PullRequestFile, ReviewComment } from "../../src/review/types.js";

/**
 * Checks review comments against the two trees themselves, independently of the app's diff parser:
 * a RIGHT line must exist in the new file and lie inside a hunk's `+start,count` range of the raw patch,
 * and the diff must show that very text at that line; a range must stay inside one hunk.
 */
export function findMisplacedComments(params: {
  files: PullRequestFile[];
  comments: ReviewComment[];
  readNew: (path: string) => string[];
  readOld: (path: string) => string[];
}): string[] {
  const problems: string[] = [];
  const byPath = new Map(params.files.map((file) => [file.path, file]));
  for (const comment of params.comments) {
    const where = `${comment.path}:${comment.side}:${comment.line}`;
    const file = byPath.get(comment.path);
    if (!file?.patch) {
      problems.push(`${where}: the file has no patch`);
      continue;
    }
    const hunks = rawHunks(file.patch);
    const side = comment.side === "RIGHT" ? "new" : "old";
    const hunk = hunks.findIndex(
      (one) => one[side].start <= comment.line && comment.line < one[side].start + one[side].count,
    );
    if (hunk === -1) {
      problems.push(`${where}: outside every hunk`);
      continue;
    }
    const text =
      comment.side === "RIGHT"
        ? params.readNew(comment.path)[comment.line - 1]
        : params.readOld(file.previousPath ?? comment.path)[comment.line - 1];
    const shown = hunks[hunk]?.[side].lines.get(comment.line);
    if (text === undefined || shown === undefined || shown.replace(/\r$/, "") !== text.replace(/\r$/, "")) {
      problems.push(`${where}: the diff does not show that line of the file there`);
    }
    if (comment.side === "LEFT" && hunks[hunk]?.old.deleted.has(comment.line) !== true) {
      problems.push(`${where}: LEFT comment not on a deleted line`);
    }
    if (comment.startLine !== undefined) {
      const startHunk = hunks.findIndex(
        (one) =>
          one[side].start <= (comment.startLine ?? 0) &&
          (comment.startLine ?? 0) < one[side].start + one[side].count,
      );
      if (startHunk !== hunk || comment.startLine >= comment.line)
        problems.push(`${where}: range start ${comment.startLine} not in the same hunk`);
    }
    const suggestion = /```+suggestion/.test(comment.body);
    if (suggestion && comment.side !== "RIGHT") problems.push(`${where}: suggestion on a LEFT line`);
  }
  return problems;
}

interface RawSide {
  start: number;
  count: number;
  lines: Map<number, string>;
  deleted: Set<number>;
}

/** Hunk ranges and line texts read straight off the patch with a regular expression. */
function rawHunks(patch: string): { old: RawSide; new: RawSide }[] {
  const hunks: { old: RawSide; new: RawSide }[] = [];
  let current: { old: RawSide; new: RawSide } | undefined;
  let oldLine = 0;
  let newLine = 0;
  for (const line of patch.split("\n")) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[3]);
      current = {
        old: { start: oldLine, count: Number(header[2] ?? 1), lines: new Map(), deleted: new Set() },
        new: { start: newLine, count: Number(header[4] ?? 1), lines: new Map(), deleted: new Set() },
      };
      hunks.push(current);
      continue;
    }
    if (!current || line.startsWith("\\")) continue;
    const text = line.slice(1);
    if (line.startsWith("+")) current.new.lines.set(newLine++, text);
    else if (line.startsWith("-")) {
      current.old.deleted.add(oldLine);
      current.old.lines.set(oldLine++, text);
    } else {
      current.new.lines.set(newLine++, text);
      current.old.lines.set(oldLine++, text);
    }
  }
  return hunks;
}

/**
 * A stand-in model that aims a finding at every line number the prompt shows and at numbers near
 * them that are not in the diff, with ranges and suggestions — the worst a model could do to placement.
 */
export function createLineSprayModel(seed = 1): ModelClient & { findings: number } {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const model = {
    findings: 0,
    async complete(request: Parameters<ModelClient["complete"]>[0]) {
      const user = request.messages.at(-1)?.content ?? "";
      const diff = user.slice(user.indexOf("<diff>"));
      const findings: Record<string, unknown>[] = [];
      let path = "";
      for (const line of diff.split("\n")) {
        const file = /^=== FILE: (.*?)(?: \(renamed from .*\))? ===$/.exec(line);
        if (file) {
          path = file[1] ?? "";
          continue;
        }
        const row = /^\s*(\d+) \|/.exec(line);
        if (!row) continue;
        const number = Number(row[1]);
        const aim = random() < 0.25 ? number + Math.ceil(random() * 8) : number;
        const ranged = random() < 0.3;
        findings.push({
          path,
          line: aim,
          ...(ranged ? { start_line: Math.max(1, aim - Math.ceil(random() * 4)) } : {}),
          severity: ["critical", "major", "minor", "nit"][Math.floor(random() * 4)],
          title: `Finding at ${path}:${aim}`,
          body: "Aimed by the line-spray stand-in.",
          ...(random() < 0.3 ? { suggestion: "replacement();" } : {}),
        });
      }
      model.findings += findings.length;
      return {
        content: JSON.stringify({ findings }),
        finishReason: "stop",
        usage: {
          promptCacheHitTokens: 0,
          promptCacheMissTokens: Math.ceil(user.length / 4),
          completionTokens: findings.length * 30,
        },
      };
    },
  };
  return model;
}
