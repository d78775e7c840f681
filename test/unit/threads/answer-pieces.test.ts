import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ANSWER_TAGS,
  asAnswerData,
  buildAnswerMessages,
  MAX_ANSWER_INPUT_CHARS,
  parseAnswer,
} from "../../../src/threads/build-answer-messages.js";
import { CONTEXT_LINES, codeAround } from "../../../src/threads/code-around.js";
import { mentionsApp } from "../../../src/threads/mentions-app.js";

describe("mentionsApp", () => {
  it.each([
    ["@deepseek-review why?", true],
    ["hey @DeepSeek-Review, why?", true],
    ["(@deepseek-review)", true],
    ["@deepseek-review[bot] why?", true],
    ["ask @deepseek-review-other", false],
    ["mail x@deepseek-review.test", false],
    ["thanks @deepseek-review.", true],
    ["a@deepseek-review", false],
    ["deepseek-review without the at", false],
    ["", false],
  ])("%j → %s", (body, expected) => {
    expect(mentionsApp(body, "deepseek-review")).toBe(expected);
  });

  it("is linear on a hostile run of near-mentions", () => {
    const body = "@deepseek-revie".repeat(200_000);
    expect(mentionsApp(body, "deepseek-review")).toBe(false);
    expect(mentionsApp(`${body} @deepseek-review`, "deepseek-review")).toBe(true);
  });
});

describe("asAnswerData", () => {
  it.each(ANSWER_TAGS.flatMap((tag) => [`</${tag}>`, `< / ${tag} >`, `<${tag.toUpperCase()}>`]))(
    "neutralises %j",
    (text) => {
      expect(asAnswerData(text)).toMatch(/^<\\/);
    },
  );

  it("cuts hostile sizes to MAX_ANSWER_INPUT_CHARS and marks the cut", () => {
    const data = asAnswerData("x".repeat(5_000_000));
    expect(data.length).toBe(MAX_ANSWER_INPUT_CHARS + "…[truncated]".length);
  });

  it("never lets data close the section it sits in", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom("</question>", "</ question>", "<\\/question>", "a", " ", "<", "/", "question>"),
          {
            maxLength: 60,
          },
        ),
        (pieces) => {
          const messages = buildAnswerMessages({
            context: { kind: "mention", title: "t", description: "d" },
            question: pieces.join(""),
          });
          const user = messages[1]?.content ?? "";
          const inside = user.slice(
            user.indexOf("<question>\n") + "<question>\n".length,
            user.lastIndexOf("\n</question>"),
          );
          expect(inside).not.toMatch(/<\s*\/\s*question\b/i);
        },
      ),
    );
  });
});

describe("buildAnswerMessages", () => {
  it("keeps the system prompt constant and puts the finding, code and question in their sections", () => {
    const messages = buildAnswerMessages({
      context: { kind: "thread", finding: "Loop past the end", path: "src/a.js", code: "@@ hunk" },
      question: "why?",
    });
    const again = buildAnswerMessages({
      context: { kind: "mention", title: "x", description: "" },
      question: "other",
    });
    expect(messages[0]).toEqual(again[0]);
    expect(messages[1]?.content).toContain("<finding>\nLoop past the end\n</finding>");
    expect(messages[1]?.content).toContain("<code>\n@@ hunk\n</code>");
    expect(messages[1]?.content).toContain("<question>\nwhy?\n</question>");
    expect(again[1]?.content).toContain("<pr_description>\n(no description)\n</pr_description>");
  });
});

describe("parseAnswer", () => {
  it.each([[{ answer: "  Yes.  " }, "Yes."]])("reads %j", (value, expected) => {
    expect(parseAnswer(value)).toBe(expected);
  });
  it.each([null, {}, { answer: "" }, { answer: 3 }, "text"])("refuses %j", (value) => {
    expect(() => parseAnswer(value)).toThrow();
  });
});

describe("codeAround", () => {
  const file = Array.from({ length: 100 }, (_, index) => `line ${index + 1}`).join("\n");

  it("shows the hunk, then CONTEXT_LINES numbered lines each side of the line", () => {
    const code = codeAround({ diffHunk: "@@ -1 +1 @@", file, line: 50 });
    const shown = code.split("\n\n")[1]?.split("\n") ?? [];
    expect(shown[0]).toBe(`${50 - CONTEXT_LINES}| line ${50 - CONTEXT_LINES}`);
    expect(shown.at(-1)).toBe(`${50 + CONTEXT_LINES}| line ${50 + CONTEXT_LINES}`);
  });

  it.each([
    [1, 1, 1 + CONTEXT_LINES],
    [100, 100 - CONTEXT_LINES, 100],
    [500, undefined, undefined],
  ])("stays inside the file around line %i", (line, first, last) => {
    const code = codeAround({ diffHunk: "@@", file, line });
    const shown = code.split("\n\n")[1]?.split("\n");
    if (first === undefined) expect(shown).toBeUndefined();
    else {
      expect(shown?.[0]?.startsWith(`${first}|`)).toBe(true);
      expect(shown?.at(-1)?.startsWith(`${last}|`)).toBe(true);
    }
  });

  it("shows the hunk alone when the file could not be read", () => {
    expect(codeAround({ diffHunk: "@@ -1 +1 @@\n+x", line: 3 })).toBe("@@ -1 +1 @@\n+x");
  });
});
