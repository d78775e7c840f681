import { lintSource } from "@secretlint/core";
import { secretLintProfiler } from "@secretlint/profiler";
import { rules } from "@secretlint/secretlint-rule-preset-recommend";
import type { SecretLintCoreConfig, SecretLintCoreResultMessage } from "@secretlint/types";
import { MAX_SCANNED_LINE_CHARS, type SecretRange } from "./mask-secrets.js";

/** Finds the secrets of lines, one list per line. Lines longer than `MAX_SCANNED_LINE_CHARS` are not scanned. */
export type ScanSecrets = (lines: readonly string[]) => Promise<SecretRange[][]>;

const RULE_PREFIX = "@secretlint/secretlint-rule-";

/**
 * Rules of the recommended preset left out: `filter-comments` would let a PR author switch scanning off with a
 * `secretlint-disable` comment, and private key blocks are masked line by line in mask-secrets.ts, which keeps
 * their markers.
 */
const LEFT_OUT = new Set([`${RULE_PREFIX}filter-comments`, `${RULE_PREFIX}privatekey`]);

/** Options of rules whose defaults scan less than we want. */
const RULE_OPTIONS: Record<string, object> = {
  // AWS access key ids (AKIA…) are reported only with this.
  [`${RULE_PREFIX}aws`]: { enableIDScanRule: true },
};

/** How a rule's finding is named in its mask; a rule not listed is named after its id. */
const KINDS: Record<string, string> = {
  aws: "AWS secret",
  gcp: "GCP key",
  npm: "npm token",
  basicauth: "password in URL",
  slack: "Slack token",
  sendgrid: "SendGrid key",
  shopify: "Shopify token",
  stripe: "Stripe key",
  github: "GitHub token",
  gitlab: "GitLab token",
  grafana: "Grafana token",
  openai: "API key",
  anthropic: "API key",
  groq: "API key",
  huggingface: "Hugging Face token",
  "database-connection-string": "database connection string",
  "hashicorp-vault": "Vault token",
};

/**
 * Lines are handed to secretlint in batches of at most this many characters. Its core compares every finding of a
 * text with every other (quadratic in the findings) and a few of its patterns rescan up to 12,000 characters from each
 * start, so a batch bounds both; the cost of a call (about 0.1 ms) is paid once per batch, not per line.
 */
const BATCH_CHARS = MAX_SCANNED_LINE_CHARS;

/**
 * A scanner using secretlint's recommended rule set (`@secretlint/secretlint-rule-preset-recommend`), the maintained
 * list of token shapes. It is loaded once; scanning is asynchronous but does no I/O.
 */
export function createSecretScanner(): ScanSecrets {
  // Its profiler keeps a performance mark of every call for ever: a leak in a long-lived process.
  secretLintProfiler.setEnabled(false);
  const config: SecretLintCoreConfig = {
    rules: rules
      .filter((rule) => !LEFT_OUT.has(rule.meta.id))
      .map((rule) => ({ id: rule.meta.id, rule, options: RULE_OPTIONS[rule.meta.id] ?? {} })),
  };
  return async (lines) => {
    const found: SecretRange[][] = lines.map(() => []);
    for (const batch of toBatches(lines)) {
      const content = batch.map((index) => lines[index] ?? "").join("\n");
      const result = await lintSource({
        source: { content, filePath: "diff.txt", ext: ".txt", contentType: "text" },
        options: { config, noPhysicFilePath: true },
      });
      for (const message of result.messages) addFinding({ message, batch, lines, found });
    }
    return found;
  };
}

/** Indexes of the lines to scan, grouped so that each group's text is at most `BATCH_CHARS` long. */
function toBatches(lines: readonly string[]): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (const [index, line] of lines.entries()) {
    if (line.length > MAX_SCANNED_LINE_CHARS || line === "") continue;
    if (current.length > 0 && size + line.length + 1 > BATCH_CHARS) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(index);
    size += line.length + 1;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Records a finding on each line of the batch it covers, in that line's own offsets. */
function addFinding(params: {
  message: SecretLintCoreResultMessage;
  batch: number[];
  lines: readonly string[];
  found: SecretRange[][];
}): void {
  const { message, batch, lines, found } = params;
  const [start, end] = message.range;
  const kind = KINDS[message.ruleId.slice(RULE_PREFIX.length)] ?? message.ruleId.slice(RULE_PREFIX.length);
  let offset = 0;
  for (const index of batch) {
    const line = lines[index] ?? "";
    const lineEnd = offset + line.length;
    if (start < lineEnd && end > offset) {
      const from = Math.max(start, offset) - offset;
      const to = extendToTokenEnd(line, Math.min(end, lineEnd) - offset);
      found[index]?.push({ start: from, end: to, kind });
    }
    offset = lineEnd + 1;
  }
}

/** Characters of a token's body: base64, base64url and hex. */
const TOKEN_CHAR = /[A-Za-z0-9+/=_-]/;

/**
 * A finding that ends inside a token is taken to the token's end: a rule that reports the wrong range (the AWS rule
 * reports the secret's length from the start of `aws_secret_access_key = …`) must not leave part of a secret.
 */
function extendToTokenEnd(line: string, end: number): number {
  let at = end;
  while (at < line.length && TOKEN_CHAR.test(line[at] as string)) at++;
  return at;
}
