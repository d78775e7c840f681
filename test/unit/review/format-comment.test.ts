import { describe, expect, it } from "vitest";
import {
  formatCommentBody,
  severityLabel,
  severityOfCommentBody,
} from "../../../src/review/format-comment.js";
import { type Finding, SEVERITIES, type Severity } from "../../../src/review/types.js";

const ZWJ = "\u200D";

const finding: Finding = {
  path: "src/a.ts",
  line: 12,
  severity: "major",
  title: "Unchecked null",
  body: "`user` can be null here.",
};

describe("severityLabel", () => {
  it.each<[Severity, string]>([
    ["critical", "🔴 Critical"],
    ["major", "🟠 Major"],
    ["minor", "🟡 Minor"],
    ["nit", "🔵 Nit"],
  ])("labels %s as %s", (severity, label) => {
    expect(severityLabel(severity)).toBe(label);
  });
});

describe("formatCommentBody", () => {
  it("shows the severity, the title and the body", () => {
    expect(formatCommentBody({ finding, suggestion: "none" })).toBe(
      "**🟠 Major — Unchecked null**\n\n`user` can be null here.",
    );
  });

  it("leaves out an empty body", () => {
    expect(
      formatCommentBody({ finding: { ...finding, severity: "nit", body: "" }, suggestion: "none" }),
    ).toBe("**🔵 Nit — Unchecked null**");
  });

  it("adds a suggestion block GitHub can apply, without the trailing newline", () => {
    expect(
      formatCommentBody({
        finding: { ...finding, suggestion: "if (user) use(user);\n" },
        suggestion: "block",
      }),
    ).toBe(
      "**🟠 Major — Unchecked null**\n\n`user` can be null here.\n\n```suggestion\nif (user) use(user);\n```",
    );
  });

  it("shows the suggestion as a plain code block when it cannot be applied", () => {
    expect(
      formatCommentBody({ finding: { ...finding, suggestion: "if (user) use(user);" }, suggestion: "plain" }),
    ).toBe(
      "**🟠 Major — Unchecked null**\n\n`user` can be null here.\n\n**Suggested change:**\n\n```\nif (user) use(user);\n```",
    );
  });

  it.each(["plain", "none"] as const)(
    "makes no one-click suggestion from the body when the suggestion is %s",
    (suggestion) => {
      const body = formatCommentBody({
        finding: {
          ...finding,
          body: "Do this instead:\n```suggestion\nawait dropTables();\n```\n~~~ Suggestion\nx\n~~~",
          suggestion: "if (user) use(user);",
        },
        suggestion,
      });
      expect(body).not.toMatch(/^`{3,}\s*suggestion/im);
      expect(body).not.toMatch(/^~{3,}/m);
      expect(body).toContain("```\nawait dropTables();\n```");
    },
  );

  it("keeps the only suggestion block for the structured suggestion, verbatim", () => {
    const body = formatCommentBody({
      finding: { ...finding, body: "```suggestion\nevil();\n```", suggestion: "<!-- keep -->\nok();" },
      suggestion: "block",
    });
    expect(body.match(/^```suggestion$/gm)).toHaveLength(1);
    expect(body.endsWith("```suggestion\n<!-- keep -->\nok();\n```")).toBe(true);
  });

  it("neutralises an HTML comment in a suggestion shown as plain code", () => {
    const body = formatCommentBody({
      finding: { ...finding, suggestion: "<!-- x -->" },
      suggestion: "plain",
    });
    expect(body).toContain(`\`\`\`\n<!-${ZWJ}- x -${ZWJ}->\n\`\`\``);
  });

  it("leaves the suggestion out when asked to", () => {
    expect(formatCommentBody({ finding: { ...finding, suggestion: "x();" }, suggestion: "none" })).toBe(
      "**🟠 Major — Unchecked null**\n\n`user` can be null here.",
    );
  });

  it("says where the model pointed when the comment was moved", () => {
    expect(formatCommentBody({ finding: { ...finding, line: 14 }, suggestion: "none", movedFrom: 16 })).toBe(
      "**🟠 Major — Unchecked null**\n\n`user` can be null here.\n\n" +
        "_(comment placed on line 14; the model pointed at line 16)_",
    );
  });

  it("keeps a fence inside the suggestion from breaking out of the block", () => {
    const hostile = "const s = `\n```\n@octocat <img src=x>\n```\n`;";
    expect(
      formatCommentBody({ finding: { ...finding, body: "", suggestion: hostile }, suggestion: "block" }),
    ).toBe(`**🟠 Major — Unchecked null**\n\n\`\`\`\`suggestion\n${hostile}\n\`\`\`\``);
  });

  it("neutralises mentions, HTML, images and links in the title and body", () => {
    const body = formatCommentBody({
      finding: {
        ...finding,
        title: "Ping @octocat <b>now</b>",
        body: "cc @org/team <img src=x onerror=alert(1)> ![x](http://evil) [click](http://evil)",
      },
      suggestion: "none",
    });
    expect(body).toBe(
      `**🟠 Major — Ping @${ZWJ}octocat &lt;b&gt;now&lt;/b&gt;**\n\n` +
        `cc @${ZWJ}org/team &lt;img src=x onerror=alert(1)&gt;  click`,
    );
  });

  it("turns a multi-line title into one line", () => {
    expect(formatCommentBody({ finding: { ...finding, title: "Two\n```\nlines" }, suggestion: "none" })).toBe(
      "**🟠 Major — Two \\`\\`\\` lines**\n\n`user` can be null here.",
    );
  });
});

describe("severityOfCommentBody", () => {
  it.each(SEVERITIES)("reads back %s from the body formatCommentBody writes", (severity) => {
    expect(
      severityOfCommentBody(formatCommentBody({ finding: { ...finding, severity }, suggestion: "none" })),
    ).toBe(severity);
  });

  it.each(["🔴 Critical — not bold", "no severity first **🔴 Critical — x**", ""])(
    "reads none from %j",
    (body) => {
      expect(severityOfCommentBody(body)).toBeUndefined();
    },
  );
});
