import { describe, expect, it } from "vitest";
import { parseReviewCommand, type ReviewCommand } from "../../../src/jobs/parse-review-command.js";

describe("parseReviewCommand", () => {
  it.each<[string, string, ReviewCommand]>([
    ["a bare /review", "/review", { kind: "review" }],
    ["/review pro", "/review pro", { kind: "pro" }],
    ["/review with an upper-case argument", "/review Pro", { kind: "pro" }],
    ["/review and a tab before the argument", "/review\tpro", { kind: "pro" }],
    ["an upper-case command with extra spaces", "/REVIEW  Help ", { kind: "help" }],
    ["/review followed by more lines", "/review\nmore lines", { kind: "review" }],
    ["a first line ending in CRLF", "/review pro\r\nthanks", { kind: "pro" }],
    ["a body that starts with a byte order mark", "\uFEFF/review", { kind: "review" }],
    ["a first line indented with spaces", "   /review help", { kind: "help" }],
    ["an unknown argument", "/review foo bar", { kind: "unknown", argument: "foo bar" }],
    ["an unknown argument in upper case", "/review NOW", { kind: "unknown", argument: "now" }],
    [
      "an unknown argument longer than 40 characters",
      `/review ${"x".repeat(39)}yz and more`,
      { kind: "unknown", argument: `${"x".repeat(39)}y` },
    ],
  ])("reads %s", (_name, body, expected) => {
    expect(parseReviewCommand(body)).toEqual(expected);
  });

  it.each([
    ["a longer word that starts with /review", "/reviewer"],
    ["/review later in the first line", "please /review"],
    ["/review on the second line only", "thanks!\n/review"],
    ["an empty comment", ""],
    ["a comment of blank lines", "\n\n"],
    ["review without the slash", "review"],
  ])("finds no command in %s", (_name, body) => {
    expect(parseReviewCommand(body)).toBeUndefined();
  });
});
