import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applySuggestion, checkSuggestions, fitIndentation } from "../../../src/review/check-suggestions.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { SUGGESTION_BREAKS_SYNTAX } from "../../../src/review/format-comment.js";
import { reviewPullRequest } from "../../../src/review/review-pull-request.js";
import type { PullRequestInfo } from "../../../src/review/types.js";
import { createSyntaxParser } from "../../../src/syntax/create-syntax-parser.js";
import {
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  noLimit,
  pullRequestFile,
  reviewSettings,
} from "../../helpers/fakes.js";

const parser = createSyntaxParser();

const SOURCE =
  "export function load(id: number) {\n  if (id < 0) {\n    throw new Error('bad id');\n  }\n  return id;\n}\n";

describe("applySuggestion", () => {
  it("replaces the range's lines, as GitHub applies a suggestion", () => {
    const lines = ["a", "b", "c", "d"];
    expect(applySuggestion({ lines, ending: "\n", start: 2, end: 3, replacement: "x\ny\nz\n" })).toBe(
      "a\nx\ny\nz\nd\n",
    );
    expect(applySuggestion({ lines, ending: "", start: 4, end: 4, replacement: "D" })).toBe("a\nb\nc\nD");
  });
});

describe("fitIndentation", () => {
  it.each([
    [
      "re-indents a suggestion whose lines lost their indentation",
      ["    return id;"],
      "return id + 1;",
      "    return id + 1;",
    ],
    [
      "keeps a suggestion that kept its indentation",
      ["    return id;"],
      "    return id + 1;",
      "    return id + 1;",
    ],
    ["keeps relative indentation", ["  if (a) {"], "if (b) {\n  run();", "  if (b) {\n    run();"],
    ["leaves blank lines alone", ["\tx();"], "x();\n\ny();", "\tx();\n\n\ty();"],
    ["does nothing when the replaced code is not indented", ["x();"], "y();", "y();"],
  ])("%s", (_name, replaced, suggestion, expected) => {
    expect(fitIndentation({ replaced, suggestion })).toBe(expected);
  });

  it("only ever adds the replaced line's indentation to each line", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("", "  ", "\t"), (suggestion, indent) => {
        const fitted = fitIndentation({ replaced: [`${indent}x`], suggestion });
        const before = suggestion.split("\n");
        const after = fitted.split("\n");
        expect(after).toHaveLength(before.length);
        after.forEach((line, index) => {
          expect([before[index], `${indent}${before[index]}`]).toContain(line);
        });
      }),
    );
  });
});

describe("checkSuggestions", () => {
  it("flags a suggestion that breaks a file that parsed, and keeps one that parses", async () => {
    const result = await checkSuggestions(
      {
        files: [
          {
            path: "src/load.ts",
            text: SOURCE,
            suggestions: [
              { id: 1, start: 2, end: 2, replacement: "  if (!Number.isInteger(id) || id < 0) {" },
              { id: 2, start: 2, end: 2, replacement: "  if (!Number.isInteger(id) || id < 0 {" },
            ],
          },
        ],
      },
      { parser },
    );
    expect(result).toEqual({ breaking: [2] });
  });

  it("flags nothing in a file that did not parse before, or that it has no grammar for", async () => {
    const result = await checkSuggestions(
      {
        files: [
          {
            path: "src/broken.ts",
            text: "function (\n",
            suggestions: [{ id: 1, start: 1, end: 1, replacement: "{{{" }],
          },
          { path: "notes.md", text: "# a\n", suggestions: [{ id: 2, start: 1, end: 1, replacement: "((" }] },
          { path: "src/load.ts", text: SOURCE, suggestions: [{ id: 3, start: 9, end: 9, replacement: "(" }] },
        ],
      },
      { parser },
    );
    expect(result).toEqual({ breaking: [] });
  });
});

describe("reviewPullRequest with suggestions", () => {
  const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";
  const pr: PullRequestInfo = {
    owner: "octo",
    repo: "hello",
    number: 7,
    title: "Check ids",
    body: "",
    headSha: HEAD_SHA,
    baseSha: "fedcba9876543210fedcba9876543210fedcba98",
  };
  const file = pullRequestFile({
    path: "src/load.ts",
    patch:
      "@@ -1,6 +1,6 @@\n export function load(id: number) {\n-  if (id === undefined) {\n+  if (id < 0) {\n     throw new Error('bad id');\n   }\n   return id;\n }",
  });

  async function review(suggestion: string) {
    const github = createRecordingGateway({
      headSha: HEAD_SHA,
      files: [file],
      contents: { "src/load.ts": SOURCE },
    });
    await reviewPullRequest({
      pr,
      github,
      model: createScriptedModel([
        answerWith([
          {
            path: "src/load.ts",
            line: 2,
            severity: "major",
            title: "NaN passes",
            body: "NaN is not below 0.",
            suggestion,
          },
        ]),
      ]),
      settings: reviewSettings(),
      limit: noLimit,
      countTokens: estimateTokens,
      log: createRecordingLogger(),
    });
    return github.reviews[0]?.comments[0]?.body ?? "";
  }

  it("posts a suggestion that parses as a one-click change, re-indented to the line it replaces", async () => {
    const body = await review("if (!Number.isInteger(id) || id < 0) {");
    expect(body).toContain("```suggestion\n  if (!Number.isInteger(id) || id < 0) {\n```");
    expect(body).not.toContain(SUGGESTION_BREAKS_SYNTAX);
  });

  it("posts a suggestion that breaks the file as a plain code block with a note", async () => {
    const body = await review("  if (!Number.isInteger(id) || id < 0 {");
    expect(body).not.toContain("```suggestion");
    expect(body).toContain("**Suggested change:**");
    expect(body).toContain(SUGGESTION_BREAKS_SYNTAX);
  });
});
