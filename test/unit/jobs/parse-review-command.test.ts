import { describe, expect, it } from "vitest";
import { parseReviewCommand, type ReviewCommand } from "../../../src/jobs/parse-review-command.js";

describe("parseReviewCommand", () => {
  it.each<[string, string, ReviewCommand]>([
    ["a bare /review", "/review", { kind: "review", model: "default", force: false }],
    ["/review pro", "/review pro", { kind: "review", model: "pro", force: false }],
    ["/review with an upper-case argument", "/review Pro", { kind: "review", model: "pro", force: false }],
    ["/review and a tab before the argument", "/review\tpro", { kind: "review", model: "pro", force: false }],
    ["an upper-case command with extra spaces", "/REVIEW  Help ", { kind: "help" }],
    [
      "/review followed by more lines",
      "/review\nmore lines",
      { kind: "review", model: "default", force: false },
    ],
    ["a first line ending in CRLF", "/review pro\r\nthanks", { kind: "review", model: "pro", force: false }],
    [
      "a body that starts with a byte order mark",
      "\uFEFF/review",
      { kind: "review", model: "default", force: false },
    ],
    ["a first line indented with spaces", "   /review help", { kind: "help" }],
    ["/review force", "/review force", { kind: "review", model: "default", force: true }],
    ["/review pro force", "/review pro force", { kind: "review", model: "pro", force: true }],
    ["/review force pro", "/review FORCE pro", { kind: "review", model: "pro", force: true }],
    ["/review pause", "/review pause", { kind: "pause" }],
    ["/review resume", "/review Resume", { kind: "resume" }],
    ["a repeated word", "/review pro pro", { kind: "unknown", argument: "pro pro" }],
    ["help with more words", "/review help me", { kind: "unknown", argument: "help me" }],
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
    ["a first line too long to be a command", `/review ${"x".repeat(300)}`],
  ])("finds no command in %s", (_name, body) => {
    expect(parseReviewCommand(body)).toBeUndefined();
  });
});
