import {
  type AppRecord,
  appRecordSchema,
  type FindingIdentity,
  MAX_RECORD_CHARS,
  type ReviewRecord,
} from "./record-schema.js";
import { RECORD_PREFIX, RECORD_SUFFIX } from "./render-record.js";

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The record on the last line of `body`, or undefined. Only that line is looked at, and only when it has exactly
 * the shape `renderRecord` writes: canonical base64url of JSON that the schema accepts. Call it on bodies the
 * app itself authored only; anything else a body holds, anywhere, is never a record.
 */
export function readRecord(body: string | null | undefined): AppRecord | undefined {
  const line = lastLine(body ?? "");
  if (line.length > MAX_RECORD_CHARS || !line.startsWith(RECORD_PREFIX) || !line.endsWith(RECORD_SUFFIX)) {
    return undefined;
  }
  const payload = line.slice(RECORD_PREFIX.length, line.length - RECORD_SUFFIX.length);
  if (!BASE64URL.test(payload)) return undefined;
  const bytes = Buffer.from(payload, "base64url");
  // Node's decoder skips what it cannot read: only the exact encoding of the bytes counts.
  if (bytes.toString("base64url") !== payload) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = appRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The review record of a review (or check run) on `commitId`: a record for another commit is ignored, as it can
 * only be a copy or a forgery.
 */
export function readReviewRecord(
  body: string | null | undefined,
  commitId: string,
): ReviewRecord | undefined {
  const record = readRecord(body);
  return record?.kind === "review" && record.head === commitId ? record : undefined;
}

/** The identity of the finding an inline comment of the app records. */
export function readFindingRecord(body: string | null | undefined): FindingIdentity | undefined {
  const record = readRecord(body);
  return record?.kind === "finding" ? record.finding : undefined;
}

/** `body` without its record line (for quoting a comment elsewhere); unchanged when it has none. */
export function stripRecord(body: string): string {
  if (readRecord(body) === undefined) return body;
  const text = body.trimEnd();
  return text.slice(0, text.lastIndexOf("\n") + 1).trimEnd();
}

function lastLine(body: string): string {
  const text = body.trimEnd();
  return text.slice(text.lastIndexOf("\n") + 1);
}
