import type { SecretRange } from "./mask-secrets.js";

/**
 * Private key blocks in consecutive lines (e.g. a hunk), found line by line so that the markers stay and only the
 * key material is masked. Every pattern here is anchored or reads a run once; key lines are read by hand
 * (`keyLineBase64`): the old pattern, with the same characters on both sides of an optional part, was quadratic.
 */

const BEGIN_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const END_PRIVATE_KEY = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
/** A PEM header line inside an encrypted key block. */
const PEM_HEADER = /^\s*(?:Proc-Type|DEK-Info|Comment|Version):/;
/** Base64 long enough to be key material (a PEM line holds 64 characters). */
const KEY_MATERIAL = /[A-Za-z0-9+/]{16,}/;
/** Key material right after a BEGIN marker on its line, as in a string with `\n` escapes. */
const KEY_MATERIAL_AFTER_BEGIN = /^(?:\\n|\s)*[A-Za-z0-9+/]{16,}/;
const PRIVATE_KEY = "private key";

/**
 * The key material of every private key block, one list per line. A block starts at a `-----BEGIN … PRIVATE
 * KEY-----` marker and ends at its END marker; the markers are kept and each key line between them is masked. A line
 * that is not key material (code after a PEM header constant, say) ends the block unmasked, so code handling PEM
 * text is not hidden. A block cut by the start of `lines` (an END marker without its BEGIN) is masked back over the
 * key lines before it. Lines that are not `scanned` (too long) are masked whole elsewhere; a block around one goes on.
 */
export function findPrivateKeyLines(
  lines: readonly string[],
  scanned: (index: number) => boolean,
): SecretRange[][] {
  const found: SecretRange[][] = lines.map(() => []);
  let inKey = false;
  for (const [index, line] of lines.entries()) {
    if (!scanned(index)) continue;
    if (inKey && !END_PRIVATE_KEY.test(line)) {
      if (isKeyLine(lines, index, scanned)) {
        found[index] = keyLineRanges(line);
        continue;
      }
      inKey = false;
    }
    const block = findKeyInLine(line);
    if (block.endsBlockBefore && !inKey) maskKeyLinesBefore({ lines, found, scanned, before: index });
    inKey = block.opensBlock;
    if (block.range !== undefined) found[index]?.push(block.range);
  }
  return found;
}

/** What a line that is not inside a key block says about one: a BEGIN or END marker, and key material beside it. */
function findKeyInLine(line: string): { opensBlock: boolean; endsBlockBefore: boolean; range?: SecretRange } {
  const begin = BEGIN_PRIVATE_KEY.exec(line);
  const end = END_PRIVATE_KEY.exec(line);
  if (begin !== null && (end === null || end.index > begin.index)) {
    const after = begin.index + begin[0].length;
    const endInLine = END_PRIVATE_KEY.exec(line.slice(after));
    if (endInLine === null) {
      // The key may go on, in the same line (a string with `\n` escapes) and in the lines below.
      const material = KEY_MATERIAL_AFTER_BEGIN.test(line.slice(after));
      return {
        opensBlock: true,
        endsBlockBefore: false,
        ...(material ? { range: secretRange(after, line.length) } : {}),
      };
    }
    const inside = line.slice(after, after + endInLine.index);
    const range = KEY_MATERIAL.test(inside) ? secretRange(after, after + endInLine.index) : undefined;
    return { opensBlock: false, endsBlockBefore: false, ...(range === undefined ? {} : { range }) };
  }
  if (end === null) return { opensBlock: false, endsBlockBefore: false };
  // Key material before the marker on its line, as in a string with `\n` escapes: base64 and nothing else.
  const keyBefore = (keyLineBase64(line.slice(0, end.index)) ?? "").length >= 16;
  return {
    opensBlock: false,
    endsBlockBefore: true,
    ...(keyBefore ? { range: secretRange(0, end.index) } : {}),
  };
}

function secretRange(start: number, end: number, kind = PRIVATE_KEY): SecretRange {
  return { start, end, kind };
}

/**
 * A line of key material: base64 (with the quotes, `\n` escapes and concatenation of a key written in code) at
 * least 16 characters long, or shorter just before the END marker (a key's last line); or a PEM header or blank line.
 */
function isKeyLine(lines: readonly string[], index: number, scanned: (index: number) => boolean): boolean {
  const line = lines[index] ?? "";
  if (PEM_HEADER.test(line)) return true;
  const base64 = keyLineBase64(line);
  if (base64 === undefined) return false;
  const beforeEnd = scanned(index + 1) && END_PRIVATE_KEY.test(lines[index + 1] ?? "");
  return base64 === "" || base64.length >= 16 || beforeEnd;
}

/** Around key material written in code: indentation, quotes, concatenation. */
function isKeyPunctuation(code: number): boolean {
  // \t \n \v \f \r space " ' ` + , ;
  return (
    (code >= 9 && code <= 13) ||
    code === 32 ||
    code === 34 ||
    code === 39 ||
    code === 96 ||
    code === 43 ||
    code === 44 ||
    code === 59
  );
}

function isBase64(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 43 ||
    code === 47 ||
    code === 61
  );
}

/**
 * The base64 of a line made of nothing else: punctuation, base64, an optional `\n` escape, punctuation. Undefined
 * when the line holds anything more. One pass; the greedy reading is the only one, since after the base64 only
 * punctuation (which may also be `+`) can follow.
 */
export function keyLineBase64(line: string): string | undefined {
  let at = 0;
  while (at < line.length && isKeyPunctuation(line.charCodeAt(at))) at++;
  const start = at;
  while (at < line.length && isBase64(line.charCodeAt(at))) at++;
  const base64 = line.slice(start, at);
  if (line.startsWith("\\n", at)) at += 2;
  while (at < line.length && isKeyPunctuation(line.charCodeAt(at))) at++;
  return at === line.length ? base64 : undefined;
}

/** A key line: its indentation kept, the rest masked; blank lines stay as they are. */
function keyLineRanges(line: string): SecretRange[] {
  if (line.trim() === "") return [];
  const indentation = line.length - line.trimStart().length;
  return [secretRange(indentation, line.length)];
}

/** An END marker whose BEGIN is not among the lines: masks the key lines just before it. */
function maskKeyLinesBefore(params: {
  lines: readonly string[];
  found: SecretRange[][];
  scanned: (index: number) => boolean;
  before: number;
}): void {
  const { lines, found, scanned } = params;
  for (let index = params.before - 1; index >= 0; index--) {
    const line = lines[index] ?? "";
    if (!scanned(index)) return;
    if (BEGIN_PRIVATE_KEY.test(line) || END_PRIVATE_KEY.test(line) || !isKeyLine(lines, index, scanned))
      return;
    found[index] = [...(found[index] ?? []), ...keyLineRanges(line)];
  }
}
