import { stripRecord } from "../records/read-record.js";
import { inlineCode, neutraliseHtmlComments } from "../review/sanitize-markdown.js";
import type { ReviewComment } from "../review/types.js";

const REFUSED_HEADING =
  "#### Comments GitHub did not accept\n\nGitHub refused to place these comments on the diff, so they are listed here:";
const NOT_CHECKED_HEADING =
  "#### Comments not checked\n\nGitHub refused this review, and these comments could not be checked one by one " +
  "within the limit on checks, so they are listed here instead of inline:";

/** The inline comments of a review that did not go inline. */
export interface NotInline {
  /** Refused by GitHub on their own. */
  refused: ReviewComment[];
  /** Not checked one by one within the cap on probes. */
  notChecked: ReviewComment[];
}

/**
 * `body` with the comments that did not go inline listed before its footer (the last `---` rule), refused ones
 * first, within `maxLength` characters: comments that do not fit are counted, not shown; a section is left out if
 * even that does not fit.
 */
export function addNotInlineSections(body: string, verdict: NotInline, maxLength: number): string {
  let budget = maxLength - body.length;
  const sections: string[] = [];
  for (const [heading, comments] of [
    [REFUSED_HEADING, verdict.refused],
    [NOT_CHECKED_HEADING, verdict.notChecked],
  ] as const) {
    const section = fitSection(heading, comments.map(notInlineItem), budget - 2);
    if (section === undefined) continue;
    sections.push(section);
    budget -= section.length + 2;
  }
  if (sections.length === 0) return body;
  const footer = body.lastIndexOf("\n\n---\n");
  const text = sections.join("\n\n");
  return footer === -1 ? `${body}\n\n${text}` : `${body.slice(0, footer)}\n\n${text}${body.slice(footer)}`;
}

/** The section with as many of `items` as fit in `budget` characters; undefined when there are none or none fit. */
function fitSection(heading: string, items: string[], budget: number): string | undefined {
  if (items.length === 0) return undefined;
  let shown = items.length;
  let section = renderSection(heading, items, shown);
  while (shown > 0 && section.length > budget) {
    shown--;
    section = renderSection(heading, items, shown);
  }
  return section.length > budget ? undefined : section;
}

function renderSection(heading: string, items: string[], shown: number): string {
  const omitted = items.length - shown;
  const more =
    omitted === 0 ? [] : [`- …and ${omitted} more, left out to keep this review under GitHub's size limit.`];
  return [heading, ...items.slice(0, shown), ...more].join("\n\n");
}

/** A comment as a list item: its place, then its body without the record, indented. */
function notInlineItem(comment: ReviewComment): string {
  const lines = comment.startLine === undefined ? `${comment.line}` : `${comment.startLine}-${comment.line}`;
  const side = comment.side === "LEFT" ? " (removed lines)" : "";
  const body = neutraliseHtmlComments(stripRecord(comment.body))
    .split("\n")
    .map((line) => (line === "" ? "" : `  ${line}`))
    .join("\n");
  return `- ${inlineCode(`${comment.path}:${lines}`)}${side}${body === "" ? "" : `\n\n${body}`}`;
}
