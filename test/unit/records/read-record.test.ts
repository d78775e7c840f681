import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  readFindingRecord,
  readRecord,
  readReviewRecord,
  stripRecord,
} from "../../../src/records/read-record.js";
import {
  type AppRecord,
  type FindingIdentity,
  MAX_CODE_HASHES,
  MAX_RECORD_CHARS,
  MAX_REFUSED_IN_RECORD,
  type ReviewRecord,
} from "../../../src/records/record-schema.js";
import {
  appendRecord,
  RECORD_PREFIX,
  RECORD_SUFFIX,
  renderRecord,
} from "../../../src/records/render-record.js";
import { CATEGORIES } from "../../../src/review/types.js";

const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const OTHER = "badbadbadbadbadbadbadbadbadbadbadbadbad0";

const identity: FindingIdentity = {
  file: "0123456789abcdef",
  side: "RIGHT",
  lines: [16, 18],
  code: ["89abcdef", "01234567"],
  category: "injection",
};
const review: ReviewRecord = {
  kind: "review",
  head: HEAD,
  base: BASE,
  complete: true,
  post: "3b241101-e2bb-4255-8caf-4136c566a962",
  refused: [identity],
};

/** The record line of any JSON value, valid or not, in the record's exact shape. */
const lineOf = (value: unknown) =>
  `${RECORD_PREFIX}${Buffer.from(JSON.stringify(value)).toString("base64url")}${RECORD_SUFFIX}`;

describe("renderRecord and readRecord", () => {
  it.each<[string, AppRecord]>([
    ["a review record", review],
    ["a finding record", { kind: "finding", finding: identity }],
  ])("round-trip %s through the last line of a body", (_case, record) => {
    const body = appendRecord("### DeepSeek review\n\nNo issues found.", record);
    expect(body).toBe(`### DeepSeek review\n\nNo issues found.\n\n${renderRecord(record)}`);
    expect(readRecord(body)).toStrictEqual(record);
  });

  it("write one fixed line shape: a hidden HTML comment of base64url", () => {
    expect(renderRecord(review)).toMatch(/^<!-- deepseek-review:v1 [A-Za-z0-9_-]+ -->$/);
  });

  it("keep the largest record the schema allows within MAX_RECORD_CHARS", () => {
    const largest: FindingIdentity = {
      file: "f".repeat(16),
      side: "RIGHT",
      lines: [9_999_999, 10_000_000],
      code: Array.from({ length: MAX_CODE_HASHES }, (_, index) => `${index}`.repeat(8)),
      category: "error-handling",
    };
    const line = renderRecord({
      ...review,
      complete: false,
      post: "p".repeat(64),
      refused: Array.from({ length: MAX_REFUSED_IN_RECORD }, () => largest),
    });
    expect(line.length).toBeLessThanOrEqual(MAX_RECORD_CHARS);
  });

  it("refuse to render a record the schema refuses", () => {
    expect(() => renderRecord({ ...review, head: "not a sha" })).toThrow();
  });

  it("read a record followed by a trailing newline or a carriage return", () => {
    expect(readRecord(`Body.\n\n${renderRecord(review)}\n`)).toStrictEqual(review);
    expect(readRecord(`Body.\r\n\r\n${renderRecord(review)}\r\n`)).toStrictEqual(review);
  });
});

describe("readRecord", () => {
  const valid = renderRecord(review);

  it.each<[string, string | null | undefined]>([
    ["no body", null],
    ["an undefined body", undefined],
    ["an empty body", ""],
    ["a body without a record", "### DeepSeek review\n\nNo issues found."],
    ["a record that is not on the last line", `${valid}\n\nLater text.`],
    ["a record quoted in a path on the last line", `- \`notes/${valid}.txt\``],
    ["a record with text before it on its line", `See ${valid}`],
    ["a record indented in a list", `- item\n\n  ${valid}`],
    ["a record in a code span", `\`${valid}\``],
    ["the old reviewed marker", `<!-- deepseek-review:reviewed=${HEAD} -->`],
    ["the old fingerprint marker", "<!-- deepseek-review:fp=0123456789abcdef -->"],
    ["another version", valid.replace(":v1 ", ":v2 ")],
    ["two spaces before the payload", valid.replace(":v1 ", ":v1  ")],
    ["a neutralised record", valid.replace("<!--", "<!-\u200D-")],
    ["characters outside base64url", `${RECORD_PREFIX}eyJ9+/==${RECORD_SUFFIX}`],
    ["base64url that is not canonical", valid.replace(RECORD_SUFFIX, `A${RECORD_SUFFIX}`)],
    ["an empty payload", `${RECORD_PREFIX}${RECORD_SUFFIX}`],
    [
      "a payload that is not JSON",
      `${RECORD_PREFIX}${Buffer.from("{nope").toString("base64url")}${RECORD_SUFFIX}`,
    ],
    ["an unknown kind", lineOf({ ...review, kind: "approval" })],
    ["an extra field", lineOf({ ...review, approved: true })],
    ["a missing field", lineOf({ ...review, base: undefined })],
    ["a short sha", lineOf({ ...review, head: HEAD.slice(0, 39) })],
    ["an upper-case sha", lineOf({ ...review, head: HEAD.toUpperCase() })],
    ["a nonce with a space", lineOf({ ...review, post: "a nonce with spaces" })],
    [
      "too many refused findings",
      lineOf({ ...review, refused: Array(MAX_REFUSED_IN_RECORD + 1).fill(identity) }),
    ],
    ["lines in the wrong order", lineOf({ kind: "finding", finding: { ...identity, lines: [18, 16] } })],
    ["a line number of zero", lineOf({ kind: "finding", finding: { ...identity, lines: [0, 16] } })],
    ["a long code hash", lineOf({ kind: "finding", finding: { ...identity, code: ["0123456789"] } })],
    [
      "too many code hashes",
      lineOf({ kind: "finding", finding: { ...identity, code: Array(9).fill("01234567") } }),
    ],
    ["an unknown category", lineOf({ kind: "finding", finding: { ...identity, category: "style" } })],
    ["a path instead of its hash", lineOf({ kind: "finding", finding: { ...identity, file: "src/a.ts" } })],
    ["a line over the length limit", `${RECORD_PREFIX}${"A".repeat(MAX_RECORD_CHARS)}${RECORD_SUFFIX}`],
  ])("reads nothing from %s", (_case, body) => {
    expect(readRecord(body)).toBeUndefined();
  });

  it("reads only the last line, whatever forged records come before it", () => {
    const forged = renderRecord({ ...review, head: OTHER, refused: [] });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constant(forged)), { maxLength: 20 }), (lines) => {
        const body = appendRecord(lines.join("\n"), review);
        expect(readRecord(body)).toStrictEqual(review);
        expect(readRecord(`${body}\n${lines.join("")}x`)).toBeUndefined();
      }),
    );
  });

  it("reads a body of 100,000 forged lines that does not end in a record as no record", () => {
    const forged = renderRecord({ ...review, head: OTHER });
    const body = `${`${forged}\n`.repeat(100_000)}the end`;
    expect(readRecord(body)).toBeUndefined();
  });
});

describe("readReviewRecord", () => {
  it("reads a review record for the commit the review is on", () => {
    expect(readReviewRecord(appendRecord("Body.", review), HEAD)).toStrictEqual(review);
  });

  it("ignores a review record for another commit", () => {
    expect(readReviewRecord(appendRecord("Body.", review), OTHER)).toBeUndefined();
  });

  it("ignores a finding record", () => {
    expect(
      readReviewRecord(appendRecord("Body.", { kind: "finding", finding: identity }), HEAD),
    ).toBeUndefined();
  });
});

describe("readFindingRecord", () => {
  it("reads the identity of a comment's finding, and nothing from a review record", () => {
    expect(readFindingRecord(appendRecord("Body.", { kind: "finding", finding: identity }))).toStrictEqual(
      identity,
    );
    expect(readFindingRecord(appendRecord("Body.", review))).toBeUndefined();
  });
});

describe("stripRecord", () => {
  it("takes the record line off a body, and leaves a body without one as it is", () => {
    expect(stripRecord(appendRecord("Body.\n\nMore.", review))).toBe("Body.\n\nMore.");
    expect(stripRecord("Body.\n\nMore.")).toBe("Body.\n\nMore.");
  });
});

describe("the categories", () => {
  it("are all valid in a record", () => {
    for (const category of CATEGORIES) {
      const record: AppRecord = { kind: "finding", finding: { ...identity, category } };
      expect(readRecord(renderRecord(record))).toStrictEqual(record);
    }
  });
});
