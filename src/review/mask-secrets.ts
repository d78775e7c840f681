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

import { findJwts } from "./find-jwts.js";
import { findPrivateKeyLines } from "./find-private-key-lines.js";

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
 * The secrets of consecutive lines, one list per line: the tokens of every line (see `findTokenSecrets`) and the key
 * lines of every private key block (see find-private-key-lines.ts). A line over the length limit is masked whole.
 */
export function findSecretLines(lines: readonly string[], options: MaskOptions = {}): SecretRange[][] {
  const maxLineChars = options.maxLineChars ?? MAX_SCANNED_LINE_CHARS;
  const context: RuleContext = { configFile: isConfigFile(options.path) };
  const scanned = (index: number) => (lines[index] ?? "").length <= maxLineChars;
  const keys = findPrivateKeyLines(lines, scanned);
  return lines.map((line, index) => {
    if (!scanned(index)) return [{ start: 0, end: line.length, kind: tooLongToScan(line.length) }];
    return [...findTokenSecrets(line, context), ...(keys[index] ?? [])];
  });
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

function secretRange(start: number, end: number, kind: string): SecretRange {
  return { start, end, kind };
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
