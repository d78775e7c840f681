import type { FileDiff } from "../diff/types.js";
import type { FindingIdentity } from "../records/record-schema.js";
import { appendRecord } from "../records/render-record.js";
import { isDismissedVariant } from "../threads/is-dismissed-variant.js";
import { findingIdentity, isSameFinding } from "./finding-identity.js";
import { formatCommentBody } from "./format-comment.js";
import { type Finding, type ReviewComment, SEVERITIES, type Severity } from "./types.js";

export interface PlacedFinding {
  /** The finding as the model reported it (its `line` may differ from the comment's when it was moved). */
  finding: Finding;
  /** The comment to post; the last line of its body is the record of `identity`. */
  comment: ReviewComment;
  identity: FindingIdentity;
}

export interface NotInlineFinding {
  finding: Finding;
  reason: string;
}

export interface PlaceFindingsParams {
  findings: Finding[];
  /** The parsed diff of every reviewed file, by path. */
  diffs: ReadonlyMap<string, FileDiff>;
  maxComments: number;
  /** How far a comment may move to reach a commentable line of the same hunk. Default 3. */
  maxMoveDistance?: number;
  /** Findings the app already said on the pull request: a finding that `isSameFinding` as one is not posted again. */
  posted?: readonly FindingIdentity[];
  /** Findings a person dismissed on the pull request: a finding that `isDismissedVariant` of one is never posted. */
  dismissed?: readonly FindingIdentity[];
}

export interface PlaceFindingsResult {
  /** At most `maxComments`, ordered by severity, path, line. Every one is on a line of the diff. */
  comments: PlacedFinding[];
  /** Findings shown in the review body instead, with the reason, in the same order. */
  notInline: NotInlineFinding[];
  /** Findings merged into a more severe (or earlier) one with the same place and title, or the same body. */
  duplicates: Finding[];
  /** Findings the app already said on the pull request, perhaps in other words. */
  alreadyPosted: Finding[];
  /** Findings a person dismissed on the pull request, perhaps in other words (counted as rejected). */
  dismissed: Finding[];
}

export const DEFAULT_MAX_MOVE_DISTANCE = 3;

interface Placement {
  path: string;
  line: number;
  startLine?: number;
  movedFrom?: number;
  suggestion: "block" | "plain" | "none";
}

type Resolution = { finding: Finding; order: number } & (
  | { placement: Placement; reason?: never }
  | { placement?: never; reason: string }
);

/**
 * Puts every finding on a line GitHub accepts, or explains why it stays out of the inline comments. The comments
 * only use RIGHT-side lines found in the file's `right` map: a line outside the diff moves to the nearest
 * commentable line within `maxMoveDistance` (ties go to the lower line), a range is kept only inside one hunk,
 * and a one-click suggestion only when it replaces exactly the lines the model meant.
 */
export function placeFindings(params: PlaceFindingsParams): PlaceFindingsResult {
  const maxMove = Math.max(0, params.maxMoveDistance ?? DEFAULT_MAX_MOVE_DISTANCE);
  const resolved = params.findings.map((finding, order) =>
    resolve({ finding, order, diffs: params.diffs, maxMove }),
  );
  const { kept, duplicates } = mergeDuplicates(resolved);

  const wasPosted = indexPosted(params.posted ?? []);
  const alreadyPosted: Finding[] = [];
  const wasDismissed = indexDismissed(params.dismissed ?? []);
  const dismissed: Finding[] = [];
  const placed = kept
    .filter((one) => one.placement !== undefined)
    .sort(compareResolutions)
    .map((one) => toPlacedFinding(one.finding, one.placement as Placement, params.diffs))
    .filter((one) => {
      if (wasDismissed(one.identity)) {
        dismissed.push(one.finding);
        return false;
      }
      if (!wasPosted(one.identity)) return true;
      alreadyPosted.push(one.finding);
      return false;
    });
  const limit = Math.max(0, params.maxComments);
  const comments = placed.slice(0, limit);
  for (const { comment } of comments) assertCommentable(comment, params.diffs);

  const notInline = [
    ...kept.flatMap((one) =>
      one.reason === undefined ? [] : [{ finding: one.finding, reason: one.reason }],
    ),
    ...placed.slice(limit).map((one) => ({
      finding: one.finding,
      reason: `over the limit of ${limit} inline comments`,
    })),
  ].sort((a, b) => compareFindings(a.finding, b.finding));
  return { comments, notInline, duplicates, alreadyPosted, dismissed };
}

/** Severity (critical first), then path, line and title: the order of comments and lists. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.path, b.path) ||
    a.line - b.line ||
    (a.startLine ?? a.line) - (b.startLine ?? b.line) ||
    compareText(a.title, b.title) ||
    compareText(a.body, b.body)
  );
}

function resolve(params: {
  finding: Finding;
  order: number;
  diffs: ReadonlyMap<string, FileDiff>;
  maxMove: number;
}): Resolution {
  const { finding, order } = params;
  const diff = findDiff(params.diffs, finding.path);
  if (diff === undefined) return { finding, order, reason: "file is not in the diff" };
  const line = diff.right.has(finding.line)
    ? finding.line
    : nearestRightLine(diff, finding.line, params.maxMove);
  if (line === undefined) return { finding, order, reason: `line ${finding.line} is not part of the diff` };

  const moved = line !== finding.line;
  const startLine = keptStartLine(diff, finding.startLine, line);
  const wholeRangeKept = finding.startLine === undefined || startLine === finding.startLine;
  const oneClick = !moved && wholeRangeKept && finding.suggestionBreaksSyntax !== true;
  const suggestion = finding.suggestion === undefined ? "none" : oneClick ? "block" : "plain";
  const placement: Placement = { path: diff.path, line, suggestion };
  if (startLine !== undefined) placement.startLine = startLine;
  if (moved) placement.movedFrom = finding.line;
  return { finding, order, placement };
}

/** The diff of `path`, also when the model wrote it as `./path`, `/path` or `b/path`. */
function findDiff(diffs: ReadonlyMap<string, FileDiff>, path: string): FileDiff | undefined {
  const exact = diffs.get(path);
  if (exact !== undefined) return exact;
  for (const prefix of ["./", "/", "b/"]) {
    if (path.startsWith(prefix)) {
      const found = diffs.get(path.slice(prefix.length));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The closest RIGHT line within `maxMove` (the lower one on a tie). A line of the diff is always inside its hunk's
 * new-file range, so this never leaves the hunk whose range, widened by `maxMove`, holds `line`.
 */
function nearestRightLine(diff: FileDiff, line: number, maxMove: number): number | undefined {
  for (let distance = 1; distance <= maxMove; distance++) {
    if (diff.right.has(line - distance)) return line - distance;
    if (diff.right.has(line + distance)) return line + distance;
  }
  return undefined;
}

/** `startLine` when every line from it to `line` is a RIGHT line of the same hunk as `line`. */
function keptStartLine(diff: FileDiff, startLine: number | undefined, line: number): number | undefined {
  if (startLine === undefined || startLine >= line) return undefined;
  const hunk = diff.right.get(line);
  for (let current = startLine; current < line; current++) {
    if (diff.right.get(current) !== hunk) return undefined;
  }
  return startLine;
}

/**
 * Same path, same final line and same title (case and spacing aside) is one finding, and so is the same path,
 * line and body: the most severe stays (on a tie, the first in `compareFindings` order, so the input order
 * does not matter).
 */
function mergeDuplicates(resolved: Resolution[]): { kept: Resolution[]; duplicates: Finding[] } {
  const bySeverity = [...resolved].sort((a, b) => compareFindings(a.finding, b.finding) || a.order - b.order);
  const seen = new Set<string>();
  const kept: Resolution[] = [];
  const duplicates: Finding[] = [];
  for (const one of bySeverity) {
    const place = one.placement
      ? `${one.placement.path}\0${one.placement.line}`
      : `${one.finding.path}\0?${one.finding.line}`;
    const keys = [`title\0${place}\0${normaliseTitle(one.finding.title)}`];
    if (one.finding.body !== "") keys.push(`body\0${place}\0${one.finding.body}`);
    if (keys.some((key) => seen.has(key))) {
      duplicates.push(one.finding);
      continue;
    }
    for (const key of keys) seen.add(key);
    kept.push(one);
  }
  kept.sort((a, b) => a.order - b.order);
  return { kept, duplicates };
}

function toPlacedFinding(
  finding: Finding,
  placement: Placement,
  diffs: ReadonlyMap<string, FileDiff>,
): PlacedFinding {
  const shown: Finding = { ...finding, line: placement.line };
  delete shown.startLine;
  if (placement.startLine !== undefined) shown.startLine = placement.startLine;
  const body = formatCommentBody({
    finding: shown,
    suggestion: placement.suggestion,
    ...(placement.movedFrom === undefined ? {} : { movedFrom: placement.movedFrom }),
  });
  const comment: ReviewComment = { path: placement.path, body, line: placement.line, side: "RIGHT" };
  if (placement.startLine !== undefined) {
    comment.startLine = placement.startLine;
    comment.startSide = "RIGHT";
  }
  const diff = diffs.get(placement.path) as FileDiff;
  const identity = findingIdentity({ comment, category: finding.category, diff });
  comment.body = appendRecord(comment.body, { kind: "finding", finding: identity });
  return { finding, comment, identity };
}

/** A test of "already posted", comparing a finding only with those of the same file, side and category. */
function indexPosted(posted: readonly FindingIdentity[]): (identity: FindingIdentity) => boolean {
  const key = (identity: FindingIdentity) => `${identity.file}\0${identity.side}\0${identity.category}`;
  const byKey = new Map<string, FindingIdentity[]>();
  for (const one of posted) {
    const same = byKey.get(key(one));
    if (same === undefined) byKey.set(key(one), [one]);
    else same.push(one);
  }
  return (identity) => (byKey.get(key(identity)) ?? []).some((one) => isSameFinding(identity, one));
}

function indexDismissed(dismissed: readonly FindingIdentity[]): (identity: FindingIdentity) => boolean {
  const key = (identity: FindingIdentity) => `${identity.file}\0${identity.side}`;
  const byKey = new Map<string, FindingIdentity[]>();
  for (const one of dismissed) {
    const same = byKey.get(key(one));
    if (same === undefined) byKey.set(key(one), [one]);
    else same.push(one);
  }
  return (identity) => (byKey.get(key(identity)) ?? []).some((one) => isDismissedVariant(one, identity));
}

/** One bad comment makes GitHub reject the whole review (422): never let one out. */
function assertCommentable(comment: ReviewComment, diffs: ReadonlyMap<string, FileDiff>): void {
  const lines = diffs.get(comment.path)?.[comment.side === "RIGHT" ? "right" : "left"];
  const hunk = lines?.get(comment.line);
  const rangeOk =
    comment.startLine === undefined ||
    (comment.startLine < comment.line &&
      comment.startSide === comment.side &&
      lines?.get(comment.startLine) === hunk);
  if (hunk === undefined || !rangeOk) {
    throw new Error(
      `Internal error: a review comment on ${comment.path} line ${comment.line} (${comment.side}) is not on a line of the diff`,
    );
  }
}

function compareResolutions(a: Resolution, b: Resolution): number {
  const pa = a.placement as Placement;
  const pb = b.placement as Placement;
  return (
    severityRank(a.finding.severity) - severityRank(b.finding.severity) ||
    compareText(pa.path, pb.path) ||
    pa.line - pb.line ||
    compareFindings(a.finding, b.finding) ||
    a.order - b.order
  );
}

function normaliseTitle(title: string): string {
  return title.toLowerCase().replace(/\s+/g, " ").trim();
}

function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
