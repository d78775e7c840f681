import type { Usage } from "../llm/types.js";
import { CONTROL_CHARACTERS } from "../review/format-diff.js";
import type { ChunkFailure } from "../review/review-chunk.js";
import type { Finding, ReviewComment, SkippedFile } from "../review/types.js";

/** What one CLI review found and cost: what every output format renders. */
export interface CliReport {
  /** Where the diff came from: `main...HEAD`, a file name, or `stdin`. */
  source: string;
  headSha: string;
  baseSha: string;
  model: string;
  requests: number;
  usage: Usage;
  costUsd: number;
  filesReviewed: number;
  skipped: SkippedFile[];
  failures: ChunkFailure[];
  /** Most severe first, then by path and line. */
  findings: Finding[];
  /** The review the App would have posted: its body and inline comments, records left out. */
  review: { body: string; comments: ReviewComment[] };
  /** The code a finding points at, from the head commit or the diff: line number → text. */
  code: (path: string, first: number, last: number) => { line: number; text: string }[];
}

/** Bidirectional overrides and isolates: they make a terminal show text in an order other than its own. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** Text from the model or the repository, safe to print on a terminal: no escape sequences or other controls. */
export function printable(text: string): string {
  return text
    .replace(CONTROL_CHARACTERS, (char) => (char === "\t" ? char : "\uFFFD"))
    .replace(BIDI_CONTROLS, "\uFFFD");
}
