/**
 * Masks recognisable secrets in diff text before it is sent to the model. Only what can be recognised with few false
 * positives is masked: tokens with a well-known prefix, private key blocks, passwords in URLs, bearer tokens, and
 * quoted or `.env`-style values assigned to names like `password`, `secret`, `token` or `api_key`.
 *
 * The false-positive trade-off: a masked value the model cannot see is harmless to the review of ordinary code, but a
 * masked piece of ordinary code could look to the model like a committed secret and earn a wrong finding. So the
 * generic rules (assignments, URL passwords, bearer tokens) mask only values that look generated — at least 8
 * characters with both a letter and a digit, and not a placeholder such as `${DB_PASSWORD}`. A password made only of
 * letters (`correcthorse`), or a secret in a query string or a bare function argument, is not recognised.
 *
 * Masking keeps the rest of the line and never adds or removes a line, so line numbers stay true.
 */

/** Every mask looks like this; `kind` names what was masked, e.g. `[masked secret: GitHub token]`. */
export function maskedSecret(kind: string): string {
  return `[masked secret: ${kind}]`;
}

/** Matches a mask in text, e.g. in a suggestion the model wrote from masked code. */
export const MASKED_SECRET_PATTERN = /\[masked secret: [^\]\n]+\]/;

/** True when `text` contains a mask: code written from it would replace the real secret with the mask. */
export function hasMaskedSecret(text: string): boolean {
  return MASKED_SECRET_PATTERN.test(text);
}

interface SecretRule {
  kind: string;
  /** Global; the named group `secret`, when present, is the part replaced, the rest of the match is kept. */
  pattern: RegExp;
  /** Further check of the secret part; every match is masked when absent. */
  accept?: (secret: string) => boolean;
}

/** Names whose assigned value is a secret: the end of an identifier such as `dbPassword` or `GITHUB_TOKEN`. */
const SECRET_NAME =
  "(?:password|passwd|passphrase|pwd|secret|token|credentials?|api[_-]?key|apikey|" +
  "(?:secret|private|access|auth|encryption|signing|master)[_-]?key)";

/** A value that looks generated rather than written: 8+ characters with a letter and a digit, not a placeholder. */
function looksGenerated(value: string): boolean {
  return (
    value.length >= 8 &&
    /[A-Za-z]/.test(value) &&
    /\d/.test(value) &&
    !/^[$%<]|\$\{|\{\{/.test(value) &&
    !hasMaskedSecret(value)
  );
}

const TOKEN_RULES: readonly SecretRule[] = [
  { kind: "GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g },
  { kind: "GitHub token", pattern: /\bgithub_pat_[A-Za-z0-9_]{22,244}\b/g },
  { kind: "Stripe key", pattern: /\b[rs]k_live_[A-Za-z0-9]{16,247}\b/g },
  // OpenAI, DeepSeek and alike: `sk-` then a random body, which always holds a digit (a kebab-case word does not).
  {
    kind: "API key",
    pattern: /\bsk-[A-Za-z0-9_-]{20,}/g,
    accept: (key) => /\d/.test(key.slice(3)) && /[A-Za-z]/.test(key.slice(3)),
  },
  { kind: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: "Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: "Google API key", pattern: /\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  { kind: "npm token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: "JWT", pattern: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
  {
    kind: "password in URL",
    pattern: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@'"`]{1,256}:(?<secret>[^\s/@'"`]{1,256})@/gi,
    accept: looksGenerated,
  },
  {
    kind: "bearer token",
    pattern: /\bBearer\s+(?<secret>[A-Za-z0-9._~+/-]{20,}=*)/g,
    accept: looksGenerated,
  },
  // `password = "…"`, `"api_key": '…'`, `token: \`…\``, `PASSWORD := "…"`: the quoted value, without whitespace.
  {
    kind: "assigned secret",
    pattern: new RegExp(
      `\\b[A-Za-z0-9_]*${SECRET_NAME}["']?\\s*(?::=|=>|=|:)\\s*(?<quote>["'\`])(?<secret>[^\\s"'\`]{8,512})\\k<quote>`,
      "gi",
    ),
    accept: looksGenerated,
  },
  // A whole `.env` line (`DB_PASSWORD=…`, `export API_KEY=…`) or YAML line (`password: …`) with an unquoted value.
  {
    kind: "assigned secret",
    pattern: new RegExp(
      `^\\s*(?:export\\s+)?[A-Za-z0-9_.-]*${SECRET_NAME}(?:=|:[ \\t]+)(?<secret>[^\\s"'\`#()[\\]{},;]{8,512})(?=[ \\t]*(?:#.*)?$)`,
      "gi",
    ),
    accept: looksGenerated,
  },
];

const BEGIN_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const END_PRIVATE_KEY = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
/** A line of base64 with what may surround it in code: indentation, quotes, a `\n` escape, concatenation. */
const KEY_LINE = /^[\s"'`+,;]*([A-Za-z0-9+/=]*)(?:\\n)?[\s"'`+,;]*$/;
/** A PEM header line inside an encrypted key block. */
const PEM_HEADER = /^\s*(?:Proc-Type|DEK-Info|Comment|Version):/;
/** Base64 long enough to be key material (a PEM line holds 64 characters). */
const KEY_MATERIAL = /[A-Za-z0-9+/]{16,}/;
/** Key material right after a BEGIN marker on its line, as in a string with `\n` escapes. */
const KEY_MATERIAL_AFTER_BEGIN = /^(?:\\n|\s)*[A-Za-z0-9+/]{16,}/;
const PRIVATE_KEY = maskedSecret("private key");

/** Masks the recognisable secrets of one line of text, or of a text of several lines (line by line). */
export function maskSecrets(text: string): string {
  return maskSecretLines(text.split("\n")).join("\n");
}

/**
 * Masks the recognisable secrets of consecutive lines (e.g. a hunk): the tokens of every line, and the key lines of
 * every private key block. A block starts at a `-----BEGIN … PRIVATE KEY-----` marker and ends at its END marker;
 * the markers are kept and each key line between them is masked. A line that is not key material (code after a
 * PEM header constant, say) ends the block unmasked, so code handling PEM text is not hidden. A block cut by the
 * start of `lines` (an END marker without its BEGIN) is masked back over the key lines before it.
 * Returns as many lines as it is given.
 */
export function maskSecretLines(lines: readonly string[]): string[] {
  const masked: string[] = [];
  let inKey = false;
  for (const [index, line] of lines.entries()) {
    if (inKey && !END_PRIVATE_KEY.test(line)) {
      if (isKeyLine(lines, index)) {
        masked.push(maskKeyLine(line));
        continue;
      }
      inKey = false;
    }
    const begin = BEGIN_PRIVATE_KEY.exec(line);
    const end = END_PRIVATE_KEY.exec(line);
    if (begin !== null && (end === null || end.index > begin.index)) {
      const afterBegin = line.slice(begin.index + begin[0].length);
      const head = `${maskTokens(line.slice(0, begin.index))}${begin[0]}`;
      const endInLine = END_PRIVATE_KEY.exec(afterBegin);
      if (endInLine === null) {
        // The key may go on, in the same line (a string with `\n` escapes) and in the lines below.
        inKey = true;
        masked.push(`${head}${KEY_MATERIAL_AFTER_BEGIN.test(afterBegin) ? PRIVATE_KEY : afterBegin}`);
        continue;
      }
      const inside = afterBegin.slice(0, endInLine.index);
      const tail = maskTokens(afterBegin.slice(endInLine.index + endInLine[0].length));
      masked.push(`${head}${KEY_MATERIAL.test(inside) ? PRIVATE_KEY : inside}${endInLine[0]}${tail}`);
      inKey = false;
      continue;
    }
    if (end !== null) {
      if (!inKey) maskKeyLinesBefore(lines, masked);
      inKey = false;
      const before = line.slice(0, end.index);
      // Key material before the marker on its line, as in a string with `\n` escapes: base64 and nothing else.
      const keyBefore = (KEY_LINE.exec(before)?.[1] ?? "").length >= 16;
      masked.push(
        `${keyBefore ? PRIVATE_KEY : maskTokens(before)}${end[0]}${maskTokens(line.slice(end.index + end[0].length))}`,
      );
      continue;
    }
    masked.push(maskTokens(line));
  }
  return masked;
}

/**
 * A line of key material: base64 (with the quotes, `\n` escapes and concatenation of a key written in code) at
 * least 16 characters long, or shorter just before the END marker (a key's last line); or a PEM header or blank line.
 */
function isKeyLine(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? "";
  if (PEM_HEADER.test(line)) return true;
  const base64 = KEY_LINE.exec(line)?.[1];
  if (base64 === undefined) return false;
  return base64 === "" || base64.length >= 16 || END_PRIVATE_KEY.test(lines[index + 1] ?? "");
}

/** A key line: its indentation kept, the rest masked; blank lines stay as they are. */
function maskKeyLine(line: string): string {
  const indentation = /^\s*/.exec(line)?.[0] ?? "";
  return line.trim() === "" ? line : `${indentation}${PRIVATE_KEY}`;
}

/** An END marker whose BEGIN is not among the lines: masks the key lines just before it. */
function maskKeyLinesBefore(lines: readonly string[], masked: string[]): void {
  for (let index = masked.length - 1; index >= 0; index--) {
    const line = lines[index] ?? "";
    if (BEGIN_PRIVATE_KEY.test(line) || END_PRIVATE_KEY.test(line) || !isKeyLine(lines, index)) return;
    masked[index] = maskKeyLine(line);
  }
}

function maskTokens(text: string): string {
  let result = text;
  for (const rule of TOKEN_RULES) {
    result = result.replace(rule.pattern, (...args: unknown[]) => replaceMatch(rule, args));
  }
  return result;
}

/** The replacement of one match: the `secret` group masked in place when there is one, else the whole match. */
function replaceMatch(rule: SecretRule, args: unknown[]): string {
  const match = String(args[0]);
  const groups = args.at(-1) as Record<string, string | undefined> | undefined;
  const secret = typeof groups === "object" ? groups?.secret : undefined;
  if (secret === undefined) {
    return rule.accept === undefined || rule.accept(match) ? maskedSecret(rule.kind) : match;
  }
  if (rule.accept !== undefined && !rule.accept(secret)) return match;
  // The secret group is the last part of every rule's match, apart from a closing quote.
  const at = match.lastIndexOf(secret);
  return `${match.slice(0, at)}${maskedSecret(rule.kind)}${match.slice(at + secret.length)}`;
}
