import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const PEM_BEGIN = "-----BEGIN ";
const PEM_END = "-----END ";
/** Characters of base64 text (standard alphabet), with the line breaks and spaces a copy may carry. */
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;
/** Base64 lines of a PEM body are 64 characters (RFC 7468). */
const PEM_LINE_CHARS = 64;

/** Why a private key cannot be used; the message names the variable and never holds key material. */
export class PrivateKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrivateKeyError";
  }
}

/**
 * The GitHub App's private key from `PRIVATE_KEY` (PEM, with real or literal `\n` line breaks, or the PEM base64-encoded;
 * surrounding quotes such as `docker run --env-file` keeps are removed) or from the file `PRIVATE_KEY_PATH` names,
 * checked by parsing it, as a PKCS#1 PEM. Undefined when neither variable is set.
 */
export function readPrivateKey(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const text = env.PRIVATE_KEY;
  const path = env.PRIVATE_KEY_PATH;
  if (isSet(text) && isSet(path)) {
    throw new PrivateKeyError("PRIVATE_KEY and PRIVATE_KEY_PATH are both set: keep only one of them");
  }
  if (isSet(text)) return parsePrivateKey(text, "PRIVATE_KEY");
  if (isSet(path)) return parsePrivateKey(readKeyFile(resolve(cwd, path)), `PRIVATE_KEY_PATH (${path})`);
  return undefined;
}

/** Parses a private key given as PEM or base64 PEM; `source` names where it came from in the error. */
export function parsePrivateKey(value: string, source: string): string {
  const pem = toPem(stripQuotes(value.trim(), source), source);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new PrivateKeyError(
      `${source} is not a readable private key: use the .pem file GitHub gave for the App, unchanged ` +
        "(or set PRIVATE_KEY_PATH to that file)",
    );
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new PrivateKeyError(
      `${source} is an ${key.asymmetricKeyType ?? "unknown"} key; GitHub App keys are RSA: use the App's .pem file`,
    );
  }
  return key.export({ type: "pkcs1", format: "pem" }).toString();
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "does not exist"
        : code === "EISDIR"
          ? "is a directory"
          : `cannot be read (${code})`;
    throw new PrivateKeyError(`PRIVATE_KEY_PATH is ${path}, which ${reason}`);
  }
}

/**
 * Removes one pair of quotes around the whole value (`docker run --env-file` keeps the quotes Probot writes). A PEM or
 * base64 text never holds a quote, so a value with further quotes inside is not guessed at.
 */
function stripQuotes(value: string, source: string): string {
  const first = value[0];
  if (first !== '"' && first !== "'") return value;
  const inner = value.slice(1, -1);
  if (value.length < 2 || value.at(-1) !== first || inner.includes(first)) {
    throw new PrivateKeyError(
      `${source} starts with a quote that does not enclose the whole key: remove the quotes`,
    );
  }
  return inner.trim();
}

/** A PEM with real line breaks, from PEM text (literal `\n`, or none at all) or base64-encoded PEM. */
function toPem(value: string, source: string): string {
  if (value.includes(PEM_BEGIN)) return rewrapPem(value.replaceAll("\\n", "\n"));
  if (BASE64_TEXT.test(value)) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (decoded.includes(PEM_BEGIN)) return rewrapPem(decoded.replaceAll("\\n", "\n"));
  }
  throw new PrivateKeyError(
    `${source} is not a private key: expected the App's .pem file contents (-----BEGIN RSA PRIVATE KEY-----…), ` +
      "or that file base64-encoded",
  );
}

/**
 * Rebuilds the PEM around its base64 body, 64 characters a line, so a key whose line breaks were lost or turned into
 * spaces on the way still parses. The begin and end lines are kept as they are.
 */
function rewrapPem(text: string): string {
  const begin = text.indexOf(PEM_BEGIN);
  const beginLineEnd = text.indexOf("-----", begin + PEM_BEGIN.length);
  const end = text.indexOf(PEM_END, beginLineEnd);
  const endLineEnd = end < 0 ? -1 : text.indexOf("-----", end + PEM_END.length);
  if (beginLineEnd < 0 || end < 0 || endLineEnd < 0) return text;
  const header = text.slice(begin, beginLineEnd + 5);
  const footer = text.slice(end, endLineEnd + 5);
  const body = text.slice(beginLineEnd + 5, end).replace(/\s+/g, "");
  const lines: string[] = [];
  for (let at = 0; at < body.length; at += PEM_LINE_CHARS) lines.push(body.slice(at, at + PEM_LINE_CHARS));
  return `${header}\n${lines.join("\n")}\n${footer}\n`;
}
