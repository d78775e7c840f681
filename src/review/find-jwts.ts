import type { SecretRange } from "./mask-secrets.js";

const JWT_START = "eyJ";
/** `eyJ` and at least 10 more characters in the first part, as in `\beyJ[…]{10,}\.[…]{10,}\.[…]{10,}`. */
const JWT_MIN_HEAD = JWT_START.length + 10;
const JWT_MIN_PART = 10;

function isWordChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95
  );
}

function isBase64UrlChar(code: number): boolean {
  return isWordChar(code) || code === 45;
}

function runEnd(line: string, from: number): number {
  let at = from;
  while (at < line.length && isBase64UrlChar(line.charCodeAt(at))) at++;
  return at;
}

/** After a JWT's first part ends at `at`: the end of `.part.part` (each 10+ characters), or -1. */
function jwtTailEnd(line: string, at: number): number {
  let end = at;
  for (let part = 0; part < 2; part++) {
    if (line.charCodeAt(end) !== 46) return -1;
    const next = runEnd(line, end + 1);
    if (next - (end + 1) < JWT_MIN_PART) return -1;
    end = next;
  }
  return end;
}

/**
 * JWTs (`eyJ…` three base64url parts joined by dots), read by hand in one pass: a regular expression rescans the
 * rest of a line from every `eyJ`. Every start inside one run of base64url characters shares that run's end and
 * tail, so each is computed once.
 */
export function findJwts(line: string): SecretRange[] {
  const ranges: SecretRange[] = [];
  let from = 0;
  let headEnd = -1;
  let tailEnd = -1;
  for (let at = line.indexOf(JWT_START, from); at !== -1; at = line.indexOf(JWT_START, from)) {
    from = at + 1;
    if (at > 0 && isWordChar(line.charCodeAt(at - 1))) continue;
    if (at >= headEnd) {
      headEnd = runEnd(line, at);
      tailEnd = jwtTailEnd(line, headEnd);
    }
    if (tailEnd !== -1 && headEnd - at >= JWT_MIN_HEAD) {
      ranges.push({ start: at, end: tailEnd, kind: "JWT" });
      from = tailEnd;
    }
  }
  return ranges;
}
