import { describe, expect, it } from "vitest";
import { MAX_BODY_CHARS, MAX_TITLE_CHARS, parseFindings } from "../../../src/review/parse-findings.js";
import type { Finding } from "../../../src/review/types.js";

const valid = {
  path: "src/a.ts",
  line: 12,
  severity: "major",
  title: "Unchecked null",
  body: "`user` can be null here.",
};

function parseOne(item: Record<string, unknown>) {
  return parseFindings({ findings: [item] });
}

describe("parseFindings", () => {
  it("maps a valid answer to findings with camelCase fields", () => {
    const result = parseFindings({
      findings: [
        { ...valid, start_line: 10, suggestion: "if (user) {\n  use(user);\n}" },
        { path: "b.py", line: 3, severity: "nit", title: "Typo", body: "" },
      ],
    });
    expect(result).toEqual({
      findings: [
        {
          path: "src/a.ts",
          line: 12,
          startLine: 10,
          severity: "major",
          title: "Unchecked null",
          body: "`user` can be null here.",
          suggestion: "if (user) {\n  use(user);\n}",
        },
        { path: "b.py", line: 3, severity: "nit", title: "Typo", body: "" },
      ],
      dropped: [],
    });
  });

  it("accepts an answer with no findings", () => {
    expect(parseFindings({ findings: [] })).toEqual({ findings: [], dropped: [] });
  });

  it.each<[string, Record<string, unknown>, Finding]>([
    ["a line given as a numeric string", { line: "42" }, { ...valid, line: 42 } as Finding],
    ["a padded numeric string", { line: " 7 " }, { ...valid, line: 7 } as Finding],
    ["a start line given as a string", { start_line: "9" }, { ...valid, startLine: 9 } as Finding],
    ["severity in capitals", { severity: "CRITICAL" }, { ...valid, severity: "critical" } as Finding],
    ["severity with spaces and mixed case", { severity: " Nit " }, { ...valid, severity: "nit" } as Finding],
    ["a start line equal to the line", { start_line: 12 }, valid as Finding],
    ["a start line after the line", { start_line: 15 }, { ...valid, line: 15, startLine: 12 } as Finding],
    ["a null start line", { start_line: null }, valid as Finding],
    ["a null suggestion", { suggestion: null }, valid as Finding],
    ["an empty suggestion", { suggestion: "" }, valid as Finding],
    ["a blank suggestion", { suggestion: "  \n" }, valid as Finding],
    [
      "padded title and body",
      { title: "  Unchecked null\n", body: "\n`user` can be null here.  " },
      valid as Finding,
    ],
    ["unknown extra keys", { confidence: 0.9, category: "bug" }, valid as Finding],
  ])("tolerates %s", (_name, change, expected) => {
    expect(parseOne({ ...valid, ...change })).toEqual({ findings: [expected], dropped: [] });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a zero line", { line: 0 }, "line: Too small: expected number to be >0"],
    ["a negative line", { line: -3 }, "line: Too small: expected number to be >0"],
    ["a fractional line", { line: 4.5 }, "line: Invalid input: expected int, received number"],
    ["a non-numeric line string", { line: "12-14" }, "line: Invalid input: expected number, received string"],
    ["a missing line", { line: undefined }, "line: Invalid input: expected number, received undefined"],
    ["a zero start line", { start_line: 0 }, "start_line: Too small: expected number to be >0"],
    [
      "an unknown severity",
      { severity: "blocker" },
      'severity: Invalid option: expected one of "critical"|"major"|"minor"|"nit"',
    ],
    ["an empty title", { title: "   " }, "title: Too small: expected string to have >=1 characters"],
    ["an empty path", { path: "" }, "path: Too small: expected string to have >=1 characters"],
    ["a body that is not a string", { body: 3 }, "body: Invalid input: expected string, received number"],
  ])("drops an item with %s and says why", (_name, change, reason) => {
    expect(parseOne({ ...valid, ...change })).toEqual({ findings: [], dropped: [{ index: 0, reason }] });
  });

  it("keeps the valid items around a malformed one, with the malformed one's index", () => {
    const result = parseFindings({
      findings: [valid, "not an object", { ...valid, line: 20 }, null],
    });
    expect(result.findings.map((finding) => finding.line)).toEqual([12, 20]);
    expect(result.dropped).toEqual([
      { index: 1, reason: "Invalid input: expected object, received string" },
      { index: 3, reason: "Invalid input: expected object, received null" },
    ]);
  });

  it("never quotes the item's content in the reason", () => {
    const result = parseOne({ ...valid, severity: "SECRET_TOKEN_abc123", title: "" });
    expect(result.dropped[0]?.reason).not.toContain("SECRET_TOKEN_abc123");
  });

  it("cuts a long title and body instead of dropping the finding", () => {
    const result = parseOne({ ...valid, title: "t".repeat(500), body: "b".repeat(10_000) });
    const [finding] = result.findings;
    expect(finding?.title).toBe(`${"t".repeat(MAX_TITLE_CHARS - 1)}…`);
    expect(finding?.title).toHaveLength(200);
    expect(finding?.body).toBe(`${"b".repeat(MAX_BODY_CHARS - 1)}…`);
    expect(finding?.body).toHaveLength(4_000);
  });

  it("leaves out a suggestion too long to show but keeps the finding", () => {
    expect(parseOne({ ...valid, suggestion: "x".repeat(4_001) })).toEqual({ findings: [valid], dropped: [] });
  });

  it("keeps a suggestion's whitespace as written", () => {
    expect(parseOne({ ...valid, suggestion: "  indented();\n" }).findings[0]?.suggestion).toBe(
      "  indented();\n",
    );
  });

  it.each<[string, unknown, string]>([
    [
      "an array",
      [valid],
      'The model\'s answer is not {"findings": [...]}: Invalid input: expected object, received array',
    ],
    [
      "a string",
      "{}",
      'The model\'s answer is not {"findings": [...]}: Invalid input: expected object, received string',
    ],
    [
      "null",
      null,
      'The model\'s answer is not {"findings": [...]}: Invalid input: expected object, received null',
    ],
    [
      "an object without findings",
      { issues: [] },
      'The model\'s answer is not {"findings": [...]}: findings: Invalid input: expected array, received undefined',
    ],
    [
      "findings that are not an array",
      { findings: { 0: valid } },
      'The model\'s answer is not {"findings": [...]}: findings: Invalid input: expected array, received object',
    ],
  ])("throws when the answer is %s, so the caller asks again", (_name, value, message) => {
    expect(() => parseFindings(value)).toThrow(new Error(message));
  });
});

describe("parseFindings with a category", () => {
  it.each<[string, unknown, Finding["category"]]>([
    ["a known category", "null-safety", "null-safety"],
    ["capitals and spaces", "  Null Safety ", "null-safety"],
    ["underscores", "error_handling", "error-handling"],
    ["an unknown category", "style", undefined],
    ["a category that is not a string", 3, undefined],
    ["a very long string", "logic".repeat(1_000), undefined],
    ["null", null, undefined],
  ])("keeps the finding and reads %s", (_case, category, expected) => {
    const [finding] = parseOne({ ...valid, category }).findings;
    expect(finding?.category).toBe(expected);
    expect(finding !== undefined && "category" in finding).toBe(expected !== undefined);
  });

  it("keeps a finding without a category", () => {
    expect(parseOne(valid).findings[0]).not.toHaveProperty("category");
  });
});

describe("parseFindings with a suggestion over masked code", () => {
  it("keeps the finding but drops the suggestion, which would write the placeholder into the code", () => {
    const { findings } = parseFindings({
      findings: [
        {
          path: "src/a.ts",
          line: 3,
          severity: "critical",
          title: "Hard-coded token",
          body: "Move it to the environment.",
          suggestion: 'const token = "[masked secret: GitHub token]";',
        },
      ],
    });
    expect(findings).toEqual([
      {
        path: "src/a.ts",
        line: 3,
        severity: "critical",
        title: "Hard-coded token",
        body: "Move it to the environment.",
      },
    ]);
  });
});
