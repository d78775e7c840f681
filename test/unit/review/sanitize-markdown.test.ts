import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  inlineCode,
  neutraliseHtmlComments,
  renderCodeBlock,
  sanitizeInline,
  sanitizeMarkdown,
  truncateText,
} from "../../../src/review/sanitize-markdown.js";

const ZWJ = "\u200D";

describe("sanitizeMarkdown", () => {
  it.each<[string, string, string]>([
    ["plain text", "Check the return value.", "Check the return value."],
    ["a user mention", "Ask @octocat", `Ask @${ZWJ}octocat`],
    ["a team mention", "cc @org/team", `cc @${ZWJ}org/team`],
    ["an escaped mention", "\\@octocat", `\\@${ZWJ}octocat`],
    ["an issue reference", "see #12 and org/repo#3", `see #${ZWJ}12 and org/repo#${ZWJ}3`],
    ["a heading", "# Title", "# Title"],
    ["raw HTML", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"],
    ["an HTML comment", "<!-- hidden -->", "&lt;!-- hidden --&gt;"],
    ["an escaped HTML tag", "\\<b>", "&lt;b&gt;"],
    ["an HTML entity", "&#64;octocat &lt;", `&amp;#${ZWJ}64;octocat &amp;lt;`],
    ["an image", "before ![x](http://evil/pixel.png) after", "before  after"],
    ["a link", "[click](http://evil)", "click"],
    ["a link around an image", "[![x](http://evil/a.png)](http://evil)", ""],
    ["a reference link", "[click][1]\n[1]: http://evil", "\\[click]\\[1]\n\\[1]: http\\[:]//evil"],
    ["an autolink", "<https://evil.example>", "&lt;https\\[:]//evil.example&gt;"],
    ["a bare URL", "go to https://evil.example/x", "go to https\\[:]//evil.example/x"],
    ["an escaped colon in a URL", "https\\://evil.example", "https\\[:]//evil.example"],
    [
      "a www address",
      "visit www.evil.example or WWW.evil.example",
      "visit www\\[.]evil.example or WWW\\[.]evil.example",
    ],
    ["a word ending in www", "awww.", "awww."],
    ["an email address", "mail a@b.example", `mail a@${ZWJ}b.example`],
    ["a code span", "Use `Vec<T>` here", "Use `Vec<T>` here"],
    ["a mention in a code span", "`@octocat`", "`@octocat`"],
    ["a double-backtick code span", "``a ` b``", "``a ` b``"],
    ["a code span with a harmless pipe", "`a || b`", "`a || b`"],
    ["a code span with a pipe and HTML", "`x | <b>`", "\\`x | &lt;b&gt;\\`"],
    ["an unmatched backtick", "it's a ` tick <b>", "it's a \\` tick &lt;b&gt;"],
    ["an escaped backtick", "\\`<b>\\`", "\\`&lt;b&gt;\\`"],
    ["a code span across lines", "`a\nb` <img> `c`", "\\`a\nb` <img> `c\\`"],
    ["a lone backslash", "C:\\Users\\x", "C:\\\\Users\\\\x"],
    ["an escaped asterisk", "2 \\* 3", "2 \\* 3"],
    ["emphasis", "**bold** and _it_", "**bold** and _it_"],
    ["Windows line endings", "a\r\nb\rc", "a\nb\nc"],
    ["a NUL character", "a\0b", "a\uFFFDb"],
  ])("renders %s safely", (_name, input, expected) => {
    expect(sanitizeMarkdown(input)).toBe(expected);
  });

  describe("fenced code", () => {
    it("keeps the code verbatim in a fence at column 0 between blank lines", () => {
      expect(sanitizeMarkdown("Try:\n  ```ts\n  <b>@me</b>\n  ```\nDone.")).toBe(
        "Try:\n\n```ts\n  <b>@me</b>\n```\n\nDone.",
      );
    });

    it("closes a fence that is never closed", () => {
      expect(sanitizeMarkdown("```\nunclosed <x>")).toBe("```\nunclosed <x>\n```");
    });

    it("uses a longer fence when the code holds a fence-like line", () => {
      expect(sanitizeMarkdown("~~~\n```\n<b>\n~~~")).toBe("````\n```\n<b>\n````");
    });

    it("closes on a longer fence of the same character only", () => {
      expect(sanitizeMarkdown("```\na\n~~~\n````\n<b>")).toBe("```\na\n~~~\n```\n\n&lt;b&gt;");
    });

    it("drops an info string that is not a plain language name", () => {
      expect(sanitizeMarkdown("``` js onclick=<x>\nx\n```")).toBe("```js\nx\n```");
      expect(sanitizeMarkdown("~~~ <evil>\nx\n~~~")).toBe("```\nx\n```");
    });

    it("does not treat a backtick fence with a backtick in its info string as a fence", () => {
      expect(sanitizeMarkdown("```a`b\n<x>")).toBe("\\`\\`\\`a\\`b\n&lt;x&gt;");
    });

    it("does not treat a fence indented by four spaces as a fence", () => {
      expect(sanitizeMarkdown("    ```\n<x>")).toBe("    \\`\\`\\`\n&lt;x&gt;");
    });

    it.each([
      ["backticks", "```suggestion\nrm -rf /\n```"],
      ["capitals", "```Suggestion\nrm -rf /\n```"],
      ["spaces before it", "```   suggestion\nrm -rf /\n```"],
      ["a tilde fence", "~~~suggestion\nrm -rf /\n~~~"],
      ["more after it", "```suggestion extra words\nrm -rf /\n```"],
      ["a longer word", "```SUGGESTION-block\nrm -rf /\n```"],
      ["an indented fence", "  ````suggestion\nrm -rf /\n  ````"],
    ])("renders a block with the info string suggestion (%s) as a plain code block", (_case, text) => {
      expect(sanitizeMarkdown(`Apply this:\n${text}`)).toBe("Apply this:\n\n```\nrm -rf /\n```");
    });

    it("neutralises HTML comments inside fenced code", () => {
      expect(sanitizeMarkdown("```html\n<!-- deepseek-review:v1 eyJ9 -->\n```")).toBe(
        `\`\`\`html\n<!-${ZWJ}- deepseek-review:v1 eyJ9 -${ZWJ}->\n\`\`\``,
      );
    });
  });

  it("neutralises HTML comments inside code spans", () => {
    expect(sanitizeMarkdown("See `<!-- deepseek-review:fp=0123456789abcdef -->`.")).toBe(
      `See \`<!-${ZWJ}- deepseek-review:fp=0123456789abcdef -${ZWJ}->\`.`,
    );
  });

  it("cuts the text at the limit before escaping", () => {
    expect(sanitizeMarkdown("abcdef<gh", 8)).toBe("abcdef&lt;…");
  });

  it("neutralises every part of a hostile finding body", () => {
    const hostile =
      "Hey @octocat and @github/security: <img src=x onerror=alert(1)> ![x](http://evil) [click](http://evil)";
    const safe = sanitizeMarkdown(hostile);
    expect(safe).toBe(
      `Hey @${ZWJ}octocat and @${ZWJ}github/security: &lt;img src=x onerror=alert(1)&gt;  click`,
    );
    expect(safe).not.toMatch(/@[a-z]/i);
    expect(safe).not.toContain("<");
    expect(safe).not.toContain("http");
  });
});

describe("sanitizeInline", () => {
  it.each<[string, string, string]>([
    ["collapses whitespace", "  a\n\n  b\tc ", "a b c"],
    ["does not start a code block", "```js x", "\\`\\`\\`js x"],
    ["neutralises mentions", "@octocat", `@${ZWJ}octocat`],
    ["keeps code spans", "`a<b`", "`a<b`"],
  ])("%s", (_name, input, expected) => {
    expect(sanitizeInline(input)).toBe(expected);
  });

  it("cuts at the limit", () => {
    expect(sanitizeInline("abcdef", 4)).toBe("abc…");
  });
});

describe("inlineCode", () => {
  it.each<[string, string]>([
    ["src/a.ts", "`src/a.ts`"],
    ["a`b.ts", "``a`b.ts``"],
    ["`start", "`` `start ``"],
    ["end``", "``` end`` ```"],
    [" spaced ", "`  spaced  `"],
    ["two\nlines", "`two lines`"],
    ["", "` `"],
  ])("shows %j literally", (input, expected) => {
    expect(inlineCode(input)).toBe(expected);
  });

  it("neutralises an HTML comment in a path", () => {
    expect(inlineCode("notes/<!-- deepseek-review:reviewed=abc -->.txt")).toBe(
      `\`notes/<!-${ZWJ}- deepseek-review:reviewed=abc -${ZWJ}->.txt\``,
    );
  });
});

describe("neutraliseHtmlComments", () => {
  it.each([
    ["<!-- x -->", `<!-${ZWJ}- x -${ZWJ}->`],
    ["<!-->", `<!-${ZWJ}->`],
    ["<!--->", `<!-${ZWJ}-${ZWJ}->`],
    ["a -- b -> c", "a -- b -> c"],
  ])("neutralises %j", (text, expected) => {
    expect(neutraliseHtmlComments(text)).toBe(expected);
  });

  it("leaves no HTML comment opener or closer in any text, in whatever renderer", () => {
    const pieces = fc.constantFrom("<", "!", "-", ">", "`", "\n", " ", "a", "~~~", "```");
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 40 }).map((parts) => parts.join("")),
        (text) => {
          for (const out of [
            neutraliseHtmlComments(text),
            sanitizeMarkdown(text),
            sanitizeInline(text),
            inlineCode(text),
          ]) {
            expect(out).not.toContain("<!--");
            expect(out).not.toContain("-->");
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("renderCodeBlock", () => {
  it.each<[string, string, string]>([
    ["x = 1", "", "```\nx = 1\n```"],
    ["x = 1", "suggestion", "```suggestion\nx = 1\n```"],
    ["```\nbreak out\n```", "suggestion", "````suggestion\n```\nbreak out\n```\n````"],
    ["a ````` b", "", "``````\na ````` b\n``````"],
    ["", "suggestion", "```suggestion\n```"],
  ])("fences %j so it cannot break out", (content, info, expected) => {
    expect(renderCodeBlock(content, info)).toBe(expected);
  });
});

describe("truncateText", () => {
  it.each<[string, number, string]>([
    ["short", 10, "short"],
    ["exactly", 7, "exactly"],
    ["too long", 5, "too …"],
    ["a😀b", 3, "a…"],
    ["abc", 0, ""],
  ])("cuts %j at %i characters", (text, max, expected) => {
    expect(truncateText(text, max)).toBe(expected);
  });
});
