/** Lines of unchanged context around each hunk, as git shows by default. */
const CONTEXT = 3;
/** The eval's files are small; a longer one would make the LCS table large. */
const MAX_LINES = 2_000;

type Op = { kind: " " | "-" | "+"; text: string };

/**
 * A unified diff (hunks only, as GitHub's `patch` field) from `before` to `after`, by a longest common subsequence
 * of lines. For the eval's small, trusted files: quadratic, and refuses files over `MAX_LINES` lines.
 */
export function makePatch(before: string, after: string): string {
  const a = toLines(before);
  const b = toLines(after);
  if (a.length > MAX_LINES || b.length > MAX_LINES) throw new Error(`makePatch: over ${MAX_LINES} lines`);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let at = 0;
  while (at < ops.length) {
    while (at < ops.length && ops[at]?.kind === " ") at++;
    if (at >= ops.length) break;
    let start = Math.max(0, at - CONTEXT);
    let end = at;
    // Extend over changes closer than twice the context to each other.
    for (let scan = at; scan < ops.length; scan++) {
      if (ops[scan]?.kind !== " ") end = scan;
      else if (scan - end > 2 * CONTEXT) break;
    }
    end = Math.min(ops.length - 1, end + CONTEXT);
    const oldStart = 1 + ops.slice(0, start).filter((op) => op.kind !== "+").length;
    const newStart = 1 + ops.slice(0, start).filter((op) => op.kind !== "-").length;
    const body = ops.slice(start, end + 1);
    const oldLines = body.filter((op) => op.kind !== "+").length;
    const newLines = body.filter((op) => op.kind !== "-").length;
    hunks.push(
      `@@ -${range(oldStart, oldLines)} +${range(newStart, newLines)} @@\n${body.map((op) => `${op.kind}${op.text}`).join("\n")}`,
    );
    at = end + 1;
    start = at;
  }
  return hunks.join("\n");
}

function range(start: number, count: number): string {
  // git writes an empty side as "start-1,0".
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

function toLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint16Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * cols + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * cols + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * cols + j] ?? 0, lcs[i * cols + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i] as string });
      i++;
      j++;
    } else if (
      j < b.length &&
      (i >= a.length || (lcs[i * cols + j + 1] ?? 0) >= (lcs[(i + 1) * cols + j] ?? 0))
    ) {
      ops.push({ kind: "+", text: b[j] as string });
      j++;
    } else {
      ops.push({ kind: "-", text: a[i] as string });
      i++;
    }
  }
  // Deletions before additions within a run of changes, as git prints them.
  const ordered: Op[] = [];
  let run: Op[] = [];
  const flush = () => {
    ordered.push(...run.filter((op) => op.kind === "-"), ...run.filter((op) => op.kind === "+"));
    run = [];
  };
  for (const op of ops) {
    if (op.kind === " ") {
      flush();
      ordered.push(op);
    } else run.push(op);
  }
  flush();
  return ordered;
}
