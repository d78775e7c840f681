import type { Side } from "../diff/types.js";
import type { FindingIdentity, ReviewRecord } from "../records/record-schema.js";

/** A changed file as the pipeline sees it, converted from GitHub's `pulls.listFiles` item at the edge. */
export interface PullRequestFile {
  path: string;
  previousPath?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  additions: number;
  deletions: number;
  changes: number;
  /** Absent for binary files and for files GitHub finds too large to show. */
  patch?: string;
}

export interface PullRequestInfo {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  headSha: string;
  baseSha: string;
  /** How many files the pull request changes, as GitHub counts them (`changed_files`); `listFiles` stops at 3,000. */
  changedFiles?: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/** From most to least severe. */
export const SEVERITIES = ["critical", "major", "minor", "nit"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Coarse kinds of defect, the model's own label for a finding. With the commented code they tell a finding said in
 * other words from a different one on the same lines (see finding-identity.ts).
 */
export const CATEGORIES = [
  "injection",
  "security",
  "null-safety",
  "error-handling",
  "concurrency",
  "resource-leak",
  "logic",
  "performance",
  "api-misuse",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** One problem the model reported, after validation. Lines are new-file line numbers. */
export interface Finding {
  path: string;
  line: number;
  startLine?: number;
  severity: Severity;
  /** Absent when the model named none (or one not in CATEGORIES): the finding counts as "other". */
  category?: Category;
  title: string;
  body: string;
  suggestion?: string;
  /** Set when applying `suggestion` leaves a file that parsed unparsable: it is shown, never as a one-click change. */
  suggestionBreaksSyntax?: boolean;
}

/** An inline comment in the shape `pulls.createReview` takes. */
export interface ReviewComment {
  path: string;
  body: string;
  line: number;
  side: Side;
  startLine?: number;
  startSide?: Side;
}

/**
 * One hunk of a chunk as the model sees it, or a line-bounded piece of a huge hunk. Every line was masked, rendered
 * and measured once, on the planning worker: the main thread only slices and joins these strings.
 */
export interface ChunkHunk {
  /** The first old-file and new-file line numbers of the hunk (or piece), for its `@@` line. */
  oldStart: number;
  newStart: number;
  /** git's section heading after the second `@@` as sent (masked, made safe), with its leading space; "" if none. */
  heading: string;
  /** Estimated tokens of the hunk's `@@` line (a piece's is counted as its hunk's). */
  headerTokens: number;
  /** One character per line, `+`, `-` or a space: the kind of each line, from which a piece's ranges follow. */
  markers: string;
  /** Each line as sent: the new-file line number, `|`, the marker, the masked content, then a newline. */
  lines: string[];
  /** Estimated tokens of each line. */
  lineTokens: number[];
}

/** Part of one file's diff inside a chunk: whole hunks, or line-bounded pieces of a huge hunk. */
export interface ChunkFile {
  path: string;
  /** The `=== FILE: … ===` line as sent (paths masked, made safe), with its newline. */
  header: string;
  headerTokens: number;
  hunks: ChunkHunk[];
}

/** The diff text of one model request. Every changed line of the PR is in exactly one chunk. */
export interface Chunk {
  files: ChunkFile[];
  /** Estimated tokens of the chunk's rendered diff text: the sum of its lines' and headers' counts. */
  tokens: number;
}

/** How far a review is: chunks (model requests) and files done of the total. */
export interface ReviewProgress {
  files: number;
  filesDone: number;
  chunks: number;
  chunksDone: number;
}

/** A review this app posted earlier on the pull request. */
export interface OwnReview {
  id: number;
  /** The commit the review was posted on. */
  commitId: string;
  /** The record on the last line of its body, when there is a valid one for `commitId` (see src/records). */
  record?: ReviewRecord;
}

/** What the pipeline knows of a review's record before posting it. */
export type ReviewRecordDraft = Pick<ReviewRecord, "base" | "complete">;

/** Files changed between two commits, from GitHub's compare API. */
export interface Comparison {
  /** "ahead": the base is an ancestor of the head. "diverged"/"behind": it is not (e.g. after a force push). */
  status: "ahead" | "behind" | "diverged" | "identical";
  files: PullRequestFile[];
  /** False when GitHub left files out (it lists at most 300). */
  complete: boolean;
}

/** What the pipeline needs from GitHub for one pull request. Implemented over Octokit in src/github/. */
export interface PullRequestGateway {
  /** Every changed file of the pull request at its current head, all pages. */
  listFiles(): Promise<PullRequestFile[]>;
  /** The pull request's current head and base commits. */
  readHead(): Promise<{ headSha: string; baseSha: string }>;
  /**
   * Posts one review with event COMMENT on `commitId`, its body ending in the review's record (`record` plus what
   * only posting knows: the head, the post's nonce and the comments GitHub refused). `rejected`: how many inline
   * comments did not go inline (refused by GitHub, or not checked), listed in the body instead.
   */
  createReview(review: {
    commitId: string;
    body: string;
    comments: ReviewComment[];
    record: ReviewRecordDraft;
  }): Promise<{ id: number; rejected?: number }>;
  /** This app's own reviews on the pull request, oldest first. */
  listOwnReviews(): Promise<OwnReview[]>;
  /**
   * The identities of every finding the app already said on the pull request: those of its inline comments and
   * those GitHub refused to place, from the records of its reviews.
   */
  listPostedFindings(): Promise<FindingIdentity[]>;
  /**
   * The text of a file at commit `ref` (the reviewed head), for context around its hunks. Undefined when it is not
   * a readable text file (gone, a directory or submodule, binary, or over the size limit). Absent on gateways that
   * cannot read files: the review then sees only the diff.
   */
  readFile?(path: string, ref: string): Promise<string | undefined>;
  /** Files changed from `base` to `head`; undefined when GitHub cannot compare them (e.g. `base` is gone). */
  compare(base: string, head: string): Promise<Comparison | undefined>;
}
