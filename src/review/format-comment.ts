import {
  neutraliseHtmlComments,
  renderCodeBlock,
  sanitizeInline,
  sanitizeMarkdown,
} from "./sanitize-markdown.js";
import { type Finding, SEVERITIES, type Severity } from "./types.js";

const SEVERITY_LABELS: Record<Severity, string> = {
  critical: "🔴 Critical",
  major: "🟠 Major",
  minor: "🟡 Minor",
  nit: "🔵 Nit",
};

/** The emoji and word shown for a severity, e.g. `🔴 Critical`. */
export function severityLabel(severity: Severity): string {
  return SEVERITY_LABELS[severity];
}

/** The severity an inline comment's body opens with (`formatCommentBody`'s heading), if it does. */
export function severityOfCommentBody(body: string): Severity | undefined {
  return SEVERITIES.find((severity) => body.startsWith(`**${severityLabel(severity)} — `));
}

/** The note under a suggestion that is shown as plain code because applying it breaks the file's syntax. */
export const SUGGESTION_BREAKS_SYNTAX =
  "Not offered as a one-click change: applied to the file, this suggestion leaves it unparsable. Check it before using it.";

export interface FormatCommentBodyParams {
  /** The finding as placed: `line` is the line the comment is on. */
  finding: Finding;
  /**
   * `block`: a ```suggestion block GitHub can apply; `plain`: an ordinary code block labelled "Suggested change",
   * for when applying it would replace the wrong lines; `none`: the suggestion is left out.
   */
  suggestion: "block" | "plain" | "none";
  /** The line the model pointed at, when the comment was moved to a nearby line. */
  movedFrom?: number;
}

/**
 * The body of one inline comment: a bold severity and title, the explanation, the suggestion, and a note when the
 * comment was moved. Model text is sanitised. The only one-click suggestion is the structured one, on `block`: it
 * goes verbatim (it must apply byte for byte) inside a fence it cannot close; a `plain` one is neutralised like
 * any other code.
 */
export function formatCommentBody(params: FormatCommentBodyParams): string {
  const { finding } = params;
  const parts = [`**${severityLabel(finding.severity)} — ${sanitizeInline(finding.title)}**`];
  const body = sanitizeMarkdown(finding.body);
  if (body !== "") parts.push(body);
  if (finding.suggestion !== undefined && params.suggestion !== "none") {
    const code = finding.suggestion.replace(/\r?\n$/, "");
    parts.push(
      params.suggestion === "block"
        ? renderCodeBlock(code, "suggestion")
        : `**Suggested change:**\n\n${renderCodeBlock(neutraliseHtmlComments(code))}`,
    );
    if (params.suggestion === "plain" && finding.suggestionBreaksSyntax === true) {
      parts.push(`_${SUGGESTION_BREAKS_SYNTAX}_`);
    }
  }
  if (params.movedFrom !== undefined) {
    parts.push(`_(comment placed on line ${finding.line}; the model pointed at line ${params.movedFrom})_`);
  }
  return parts.join("\n\n");
}
