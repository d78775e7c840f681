import { createHash } from "node:crypto";
import type { FileDiff } from "../diff/types.js";
import type { ReviewComment } from "./types.js";

const MARKER = /<!-- deepseek-review:fp=([0-9a-f]{16}) -->/g;

/** Words that carry no gist: a title that differs only by these is the same finding. */
const STOP_WORDS = new Set(
  "a an the of in on at to for from by with and or is are be can may might could should would will this that these those it its when if not no".split(
    " ",
  ),
);

/**
 * A finding's identity across pushes: its file, the normalised text of the code it comments on (line numbers
 * shift, the code does not), and the gist of its title (significant words, order-free). Same fingerprint →
 * the app already said this on the pull request.
 */
export function fingerprintComment(params: {
  comment: ReviewComment;
  title: string;
  diff: FileDiff;
}): string {
  const { comment, diff } = params;
  const first = comment.startLine ?? comment.line;
  const code: string[] = [];
  const side = comment.side === "RIGHT" ? "newLine" : "oldLine";
  for (const hunk of diff.hunks) {
    for (const line of hunk.lines) {
      const number = line[side];
      if (
        number !== undefined &&
        number >= first &&
        number <= comment.line &&
        (side === "newLine" || line.kind === "del")
      ) {
        code.push(line.content.replace(/\s+/g, " ").trim());
      }
    }
  }
  return createHash("sha256")
    .update(`${comment.path}\n${comment.side}\n${code.join("\n")}\n${gist(params.title)}`)
    .digest("hex")
    .slice(0, 16);
}

/** The significant words of a title, lower-cased, crudely singular, sorted and unique. */
export function gist(title: string): string {
  const words = title
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((word) => word !== "" && !STOP_WORDS.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word,
    );
  return [...new Set(words)].sort().join(" ");
}

/** The hidden marker that carries a fingerprint inside a comment body. */
export function fingerprintMarker(fingerprint: string): string {
  return `<!-- deepseek-review:fp=${fingerprint} -->`;
}

/** Every fingerprint marker in a body. */
export function extractFingerprints(body: string): string[] {
  return [...body.matchAll(MARKER)].map((match) => match[1] as string);
}
