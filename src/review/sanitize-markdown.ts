/**
 * Model output is untrusted: it is rendered here so that posting it can neither notify anyone, nor show HTML,
 * images or links. Outside code, `@` gets a zero-width joiner after it (no mention ever pings), `#` before a digit
 * too (no cross-reference), `&`, `<`, `>` become entities, every `[` is escaped (no link, image or reference can
 * form), links and images are stripped to their text, and bare URLs are defanged (`https[:]//…`, `www[.]…`).
 *
 * Code stays verbatim, because GitHub renders it literally. To be sure GitHub sees the same code as we do:
 * fenced blocks are re-emitted at column 0 between blank lines with a fence longer than any backtick run inside
 * (an unclosed fence is closed), and a code span is only kept when it opens and closes on one line; every other
 * backtick is escaped. A span containing `|` (a table row would split it into cells) is kept only when its text
 * would be harmless as plain text.
 *
 * Nothing rendered here can hide text or pass for the app's own records: `<!--` and `-->` get a zero-width joiner
 * inside code too (prose has no `<` or `>` left), and a fenced block never keeps the info string `suggestion`,
 * so no one-click suggestion comes out of model prose.
 */

const ZWJ = "\u200D";
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const ALPHANUMERIC = /^[\p{L}\p{N}]$/u;
const DIGIT = /^[0-9]$/;
const SIMPLE_INFO = /^[\w+#.-]+$/;
/** Text that would do harm if a table split a code span and GitHub parsed its pieces as plain text. */
const UNSAFE_AS_TEXT = /[<>&[\]`\\@#]|:\/\/|www\./i;

/** Default cap on the model text given to `sanitizeMarkdown`, in characters, before escaping. */
export const MAX_MARKDOWN_CHARS = 10_000;
/** Default cap on the text given to `sanitizeInline`. */
export const MAX_INLINE_CHARS = 1_000;

/**
 * Renders untrusted markdown safely. The input is cut at `maxLength` characters (with `…`) before escaping, so
 * the output can be longer than `maxLength` by the escapes added.
 */
export function sanitizeMarkdown(text: string, maxLength = MAX_MARKDOWN_CHARS): string {
  const lines = truncateText(normaliseNewlines(text), maxLength).split("\n");
  const out: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? "";
    const opener = matchFenceOpener(line);
    index++;
    if (opener === undefined) {
      out.push(sanitizeLine(line));
      continue;
    }
    const content: string[] = [];
    while (index < lines.length && !isFenceCloser(lines[index] ?? "", opener)) {
      content.push(lines[index] ?? "");
      index++;
    }
    index++; // the closing fence, or past the end when the fence was never closed
    if (out.length > 0 && out[out.length - 1] !== "") out.push("");
    out.push(renderCodeBlock(neutraliseHtmlComments(content.join("\n")), opener.info), "");
  }
  return out.join("\n").replace(/^\n+|\n+$/g, "");
}

/** Renders untrusted text for a one-line context (a title, a list entry): whitespace collapsed, no blocks. */
export function sanitizeInline(text: string, maxLength = MAX_INLINE_CHARS): string {
  return sanitizeLine(truncateText(text.replace(/\s+/g, " ").trim(), maxLength));
}

/**
 * A code span showing `text` literally, whatever backticks it holds. Line breaks become spaces; `<!--` and `-->`
 * are neutralised (see `neutraliseHtmlComments`).
 */
export function inlineCode(text: string): string {
  const flat = neutraliseHtmlComments(text.replace(/[\r\n]+/g, " "));
  if (flat === "") return "` `";
  const fence = "`".repeat(longestRun(flat, "`") + 1);
  const needsPadding =
    flat.startsWith("`") ||
    flat.endsWith("`") ||
    (flat.startsWith(" ") && flat.endsWith(" ") && flat.trim() !== "");
  const pad = needsPadding ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block showing `content` verbatim: the fence is longer than any backtick run inside. */
export function renderCodeBlock(content: string, info = ""): string {
  const fence = "`".repeat(Math.max(3, longestRun(content, "`") + 1));
  return content === "" ? `${fence}${info}\n${fence}` : `${fence}${info}\n${content}\n${fence}`;
}

/**
 * `text` with a zero-width joiner inside every `<!--` and `-->`, which then neither open nor close an HTML comment.
 * Code shown in a code span or block looks the same; the app's own record lines are the only HTML comments left.
 */
export function neutraliseHtmlComments(text: string): string {
  return text.replaceAll("<!--", `<!-${ZWJ}-`).replaceAll("-->", `-${ZWJ}->`);
}

/** Cuts `text` to at most `maxLength` characters, ending with `…` when cut; never splits a surrogate pair. */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 0) return "";
  let end = maxLength - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

interface FenceOpener {
  char: "`" | "~";
  length: number;
  info: string;
}

function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
}

function matchFenceOpener(line: string): FenceOpener | undefined {
  const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
  const fence = match?.[1];
  if (fence === undefined) return undefined;
  const rest = match?.[2] ?? "";
  const char = fence.startsWith("`") ? "`" : "~";
  if (char === "`" && rest.includes("`")) return undefined;
  const language = rest.trim().split(/\s+/)[0] ?? "";
  // Only the finding's structured suggestion, placed where it applies, may become a one-click suggestion.
  const safe = SIMPLE_INFO.test(language) && !/^suggestion/i.test(language);
  return { char, length: fence.length, info: safe ? language : "" };
}

function isFenceCloser(line: string, opener: FenceOpener): boolean {
  const fence = /^ {0,3}(`+|~+)[ \t]*$/.exec(line)?.[1] ?? "";
  return fence.startsWith(opener.char) && fence.length >= opener.length;
}

/** One line of prose: code spans kept verbatim, everything between them escaped. */
function sanitizeLine(line: string): string {
  let out = "";
  let proseStart = 0;
  let index = 0;
  while (index < line.length) {
    const char = line[index];
    if (char === "\\" && isAsciiPunctuation(line[index + 1])) {
      index += 2;
      continue;
    }
    if (char !== "`") {
      index++;
      continue;
    }
    const run = runLengthAt(line, index);
    const close = findClosingRun(line, index + run, run);
    if (close !== -1 && isSafeCodeSpan(line.slice(index + run, close))) {
      out +=
        sanitizeText(line.slice(proseStart, index)) + neutraliseHtmlComments(line.slice(index, close + run));
      index = close + run;
      proseStart = index;
      continue;
    }
    index += run; // literal backticks: escaped with the prose around them
  }
  return out + sanitizeText(line.slice(proseStart));
}

function isSafeCodeSpan(content: string): boolean {
  return !content.includes("|") || !UNSAFE_AS_TEXT.test(content);
}

interface TextChar {
  char: string;
  escaped: boolean;
}

/** Prose between code spans, on one line. */
function sanitizeText(raw: string): string {
  const chars = decodeEscapes(stripLinksAndImages(raw));
  let out = "";
  for (let index = 0; index < chars.length; index++) {
    const current = chars[index] as TextChar;
    if (current.char === ":" && chars[index + 1]?.char === "/" && chars[index + 2]?.char === "/") {
      out += "\\[:]//";
      index += 2;
      continue;
    }
    if (startsWww(chars, index)) {
      out += `${chars
        .slice(index, index + 3)
        .map((one) => one.char)
        .join("")}\\[.]`;
      index += 3;
      continue;
    }
    out += encodeChar(current);
    if (current.char === "@") out += ZWJ;
    if (current.char === "#" && DIGIT.test(chars[index + 1]?.char ?? "")) out += ZWJ;
  }
  return out;
}

function stripLinksAndImages(text: string): string {
  return text.replace(/(?<!\\)!\[[^\]]*\]\([^)]*\)/g, "").replace(/(?<![\\!])\[([^\]]*)\]\([^)]*\)/g, "$1");
}

function decodeEscapes(text: string): TextChar[] {
  const chars: TextChar[] = [];
  const units = Array.from(text);
  for (let index = 0; index < units.length; index++) {
    const char = units[index] as string;
    const next = units[index + 1];
    if (char === "\\" && next !== undefined && isAsciiPunctuation(next)) {
      chars.push({ char: next, escaped: true });
      index++;
    } else {
      chars.push({ char, escaped: false });
    }
  }
  return chars;
}

function encodeChar({ char, escaped }: TextChar): string {
  switch (char) {
    case "&":
      return "&amp;";
    case "<":
      return "&lt;";
    case ">":
      return "&gt;";
    case "[":
      return "\\[";
    case "`":
      return "\\`";
    case "\\":
      return "\\\\";
    default:
      return escaped ? `\\${char}` : char;
  }
}

function startsWww(chars: TextChar[], index: number): boolean {
  const word = chars
    .slice(index, index + 4)
    .map((one) => one.char)
    .join("");
  if (word.toLowerCase() !== "www.") return false;
  const before = chars[index - 1]?.char;
  return before === undefined || !ALPHANUMERIC.test(before);
}

function isAsciiPunctuation(char: string | undefined): boolean {
  return char !== undefined && ASCII_PUNCTUATION.test(char);
}

function runLengthAt(text: string, start: number): number {
  let end = start;
  while (text[end] === "`") end++;
  return end - start;
}

/** Start of the next backtick run of exactly `length` at or after `from`, or -1. */
function findClosingRun(text: string, from: number, length: number): number {
  let index = from;
  while (index < text.length) {
    if (text[index] !== "`") {
      index++;
      continue;
    }
    const run = runLengthAt(text, index);
    if (run === length) return index;
    index += run;
  }
  return -1;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const one of text) {
    current = one === char ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}
