import { type AppRecord, appRecordSchema, MAX_RECORD_CHARS } from "./record-schema.js";

/** How every record line starts; `v1` is the format's version. */
export const RECORD_PREFIX = "<!-- deepseek-review:v1 ";
export const RECORD_SUFFIX = " -->";

/**
 * The hidden line that records `record`: `<!-- deepseek-review:v1 <base64url of its JSON> -->`. Base64url keeps
 * the line to one fixed shape whatever the record holds. Throws on a record the schema refuses (a bug).
 */
export function renderRecord(record: AppRecord): string {
  const checked = appRecordSchema.parse(record);
  const line = `${RECORD_PREFIX}${Buffer.from(JSON.stringify(checked), "utf8").toString("base64url")}${RECORD_SUFFIX}`;
  if (line.length > MAX_RECORD_CHARS) {
    throw new Error(`Internal error: a ${record.kind} record of ${line.length} characters is over the limit`);
  }
  return line;
}

/**
 * `body` with `record` as its last line, after a blank line. The record must stay last: nothing may be appended
 * after it, and `body` must be rendered safely (no `<!--` of its own), as every renderer of the app does.
 */
export function appendRecord(body: string, record: AppRecord): string {
  const text = body.trimEnd();
  const line = renderRecord(record);
  return text === "" ? line : `${text}\n\n${line}`;
}
