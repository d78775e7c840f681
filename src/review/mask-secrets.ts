/**
 * Masks recognisable secrets in text from a pull request before it is sent to the model. These are the app's own
 * rules, for what a token-shape rule set does not cover: private key blocks (line-aware), JWTs, passwords in URLs,
 * bearer tokens, and values assigned to names like `password`, `secret`, `token` or `api_key`, plus a few token
 * shapes kept from before. The maintained token shapes come from secretlint (see create-secret-scanner.ts), whose
 * findings are merged with these (see `maskSecretLines`' `extra`).
 *
 * The false-positive trade-off: a masked value the model cannot see is harmless to the review of ordinary code, but a
 * masked piece of ordinary code could look to the model like a committed secret and earn a wrong finding. So the
 * generic rules (assignments, URL passwords, bearer tokens) mask only values that look generated — at least 8
 * characters with both a letter and a digit, and not a placeholder such as `${DB_PASSWORD}`. A password made only of
 * letters (`correcthorse`), or a secret in a query string or a bare function argument, is not recognised.
 *
 * Work is linear in the length of a line: every pattern is anchored or has no ambiguous repetition, and the JWT and
 * key-line shapes are read by hand. A line longer than `MAX_SCANNED_LINE_CHARS` is not scanned at all: its whole
 * content is masked (see `tooLongToScan`). Masking keeps the rest of a line and never adds or removes a line, so
 * line numbers stay true.
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

/**
 * The longest line that is scanned for secrets. A longer line (minified code, a data blob, a hostile line) is masked
 * whole: the rule sets' work per line stays bounded, and nothing in it can slip through unscanned.
 */
export const MAX_SCANNED_LINE_CHARS = 4_000;

/** Characters `[start, end)` of a line that hold a secret of some kind. */
export interface SecretRange {
  start: number;
  end: number;
  kind: string;
}

export interface MaskOptions {
  /** The file the lines come from: in a configuration file `name = value` with spaces is masked whatever the value. */
  path?: string;
  /** Lines longer than this are masked whole without being scanned; default `MAX_SCANNED_LINE_CHARS`. */
  maxLineChars?: number;
  /** More secrets found in the same lines (e.g. by secretlint), one list per line; merged with these rules'. */
  extra?: readonly (readonly SecretRange[])[];
}

/** The kind of the mask of a line too long to scan. */
export function tooLongToScan(length: number): string {
  return `line of ${length.toLocaleString("en-US")} characters, too long to scan`;
}

interface SecretRule {
  kind: string;
  /** Global; the named group `secret`, when present, is the part masked, the rest of the match is kept. */
  pattern: RegExp;
  /** Further check of the secret part (and the whole match); every match is masked when absent. */
  accept?: (secret: string, match: RegExpExecArray, context: RuleContext) => boolean;
}

interface RuleContext {
  configFile: boolean;
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

/** `config.secret2`, `API_KEY_V2`: in code, a value of this shape is a reference, not a secret. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/**
 * `name = value` with spaces around `=` is a secret in a configuration file (INI, `.properties`, credentials) when
 * the value looks generated; in code, only when it does not read as a reference to another name.
 */
function acceptUnquoted(value: string, match: RegExpExecArray, context: RuleContext): boolean {
  if (!looksGenerated(value)) return false;
  const operator = match.groups?.operator ?? "";
  const spaced = operator.includes("=") && operator.trim() !== operator;
  return !spaced || context.configFile || !IDENTIFIER.test(value);
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
  // A whole line with an unquoted value: `.env` (`DB_PASSWORD=…`, `export API_KEY=…`), YAML (`password: …`), INI
  // and `.properties` (`aws_secret_access_key = …`). Anchored at the start of the line: one try per line.
  {
    kind: "assigned secret",
    pattern: new RegExp(
      `^[ \\t]*(?:export[ \\t]+)?[A-Za-z0-9_.-]*${SECRET_NAME}(?<operator>[ \\t]*=[ \\t]*|:[ \\t]+)(?<secret>[^\\s"'\`#()[\\]{},;]{8,512})(?=[ \\t]*(?:#.*)?$)`,
      "gi",
    ),
    accept: acceptUnquoted,
  },
];

const BEGIN_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const END_PRIVATE_KEY = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
/** A PEM header line inside an encrypted key block. */
const PEM_HEADER = /^\s*(?:Proc-Type|DEK-Info|Comment|Version):/;
/** Base64 long enough to be key material (a PEM line holds 64 characters). */
const KEY_MATERIAL = /[A-Za-z0-9+/]{16,}/;
/** Key material right after a BEGIN marker on its line, as in a string with `\n` escapes. */
const KEY_MATERIAL_AFTER_BEGIN = /^(?:\\n|\s)*[A-Za-z0-9+/]{16,}/;
const PRIVATE_KEY = "private key";

/** Masks the recognisable secrets of one line of text, or of a text of several lines (line by line). */
export function maskSecrets(text: string, options: MaskOptions = {}): string {
  return maskSecretLines(text.split("\n"), options).join("\n");
}

/**
 * Masks the recognisable secrets of consecutive lines (e.g. a hunk): these rules' and `options.extra`'s, merged.
 * Returns as many lines as it is given.
 */
export function maskSecretLines(lines: readonly string[], options: MaskOptions = {}): string[] {
  const found = findSecretLines(lines, options);
  return lines.map((line, index) =>
    applySecretRanges(line, [...(found[index] ?? []), ...(options.extra?.[index] ?? [])]),
  );
}

/**
 * The secrets of consecutive lines, one list per line: the tokens of every line, and the key lines of every private
 * key block. A block starts at a `-----BEGIN … PRIVATE KEY-----` marker and ends at its END marker; the markers are
 * kept and each key line between them is masked. A line that is not key material (code after a PEM header constant,
 * say) ends the block unmasked, so code handling PEM text is not hidden. A block cut by the start of `lines` (an END
 * marker without its BEGIN) is masked back over the key lines before it. A line over the length limit is masked whole.
 */
export function findSecretLines(lines: readonly string[], options: MaskOptions = {}): SecretRange[][] {
  const maxLineChars = options.maxLineChars ?? MAX_SCANNED_LINE_CHARS;
  const context: RuleContext = { configFile: isConfigFile(options.path) };
  const scanned = (index: number) => (lines[index] ?? "").length <= maxLineChars;
  const found: SecretRange[][] = [];
  let inKey = false;
  for (const [index, line] of lines.entries()) {
    if (!scanned(index)) {
      // Masked whole; a key block around it goes on.
      found.push([{ start: 0, end: line.length, kind: tooLongToScan(line.length) }]);
      continue;
    }
    if (inKey && !END_PRIVATE_KEY.test(line)) {
      if (isKeyLine(lines, index, scanned)) {
        found.push(keyLineRanges(line));
        continue;
      }
      inKey = false;
    }
    const ranges = findTokenSecrets(line, context);
    const block = findKeyInLine(line);
    if (block.endsBlockBefore && !inKey) maskKeyLinesBefore({ lines, found, scanned });
    inKey = block.opensBlock;
    if (block.range !== undefined) ranges.push(block.range);
    found.push(ranges);
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
}): void {
  const { lines, found, scanned } = params;
  for (let index = found.length - 1; index >= 0; index--) {
    const line = lines[index] ?? "";
    if (!scanned(index)) return;
    if (BEGIN_PRIVATE_KEY.test(line) || END_PRIVATE_KEY.test(line) || !isKeyLine(lines, index, scanned))
      return;
    found[index] = [...(found[index] ?? []), ...keyLineRanges(line)];
  }
}

/** The secrets of one line by the token and assignment rules (not key blocks). */
export function findTokenSecrets(line: string, context: RuleContext = { configFile: false }): SecretRange[] {
  const ranges: SecretRange[] = [];
  for (const rule of TOKEN_RULES) {
    rule.pattern.lastIndex = 0;
    for (let match = rule.pattern.exec(line); match !== null; match = rule.pattern.exec(line)) {
      const range = rangeOfMatch(rule, match, context);
      if (range !== undefined) ranges.push(range);
      if (match[0] === "") rule.pattern.lastIndex++;
    }
  }
  ranges.push(...findJwts(line));
  return ranges;
}

/** The masked part of a match: its `secret` group when there is one, else the whole match; none when not accepted. */
function rangeOfMatch(
  rule: SecretRule,
  match: RegExpExecArray,
  context: RuleContext,
): SecretRange | undefined {
  const secret = match.groups?.secret;
  if (secret === undefined) {
    if (rule.accept !== undefined && !rule.accept(match[0], match, context)) return undefined;
    return secretRange(match.index, match.index + match[0].length, rule.kind);
  }
  if (rule.accept !== undefined && !rule.accept(secret, match, context)) return undefined;
  // The secret group is the last part of every rule's match, apart from a closing quote.
  const at = match.index + match[0].lastIndexOf(secret);
  return secretRange(at, at + secret.length, rule.kind);
}

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
function findJwts(line: string): SecretRange[] {
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
      ranges.push(secretRange(at, tailEnd, "JWT"));
      from = tailEnd;
    }
  }
  return ranges;
}

/**
 * A line with each run of overlapping secret ranges replaced by one mask, named after the range that starts first
 * (the first found, on a tie).
 */
export function applySecretRanges(line: string, ranges: readonly SecretRange[]): string {
  if (ranges.length === 0) return line;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let result = "";
  let kept = 0;
  let index = 0;
  while (index < sorted.length) {
    const first = sorted[index] as SecretRange;
    let end = first.end;
    index++;
    while (index < sorted.length && (sorted[index] as SecretRange).start < end) {
      end = Math.max(end, (sorted[index] as SecretRange).end);
      index++;
    }
    const start = Math.max(first.start, kept);
    result += `${line.slice(kept, start)}${maskedSecret(first.kind)}`;
    kept = Math.max(kept, end);
  }
  return result + line.slice(kept);
}

const CONFIG_EXTENSIONS = new Set([
  "ini",
  "cfg",
  "conf",
  "cnf",
  "properties",
  "env",
  "credentials",
  "pgpass",
]);
const CONFIG_NAMES = new Set(["credentials", "config", ".env", ".envrc", ".pgpass", ".netrc"]);

/** INI, `.properties`, credentials and alike, where `name = value` holds a value, not code. */
function isConfigFile(path: string | undefined): boolean {
  if (path === undefined) return false;
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const dot = name.lastIndexOf(".");
  return (
    CONFIG_NAMES.has(name) ||
    (dot > 0 && CONFIG_EXTENSIONS.has(name.slice(dot + 1))) ||
    name.startsWith(".env.")
  );
}
