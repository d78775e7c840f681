/** Tags that delimit data in the user message; their occurrences inside that data are neutralised. */
export const DELIMITER_TAGS = [
  "repository_instructions",
  "pr_title",
  "pr_description",
  "changed_files",
  "code_context",
  "diff",
  "findings_to_check",
] as const;

/**
 * `<` that opens or closes one of the tags, with optional whitespace and `/`. Linear: whitespace, then at most one
 * `/` and its whitespace, so no split of a run of spaces is tried twice (the old `\s*\/?\s*` tried them all).
 */
const DELIMITER = new RegExp(`<(?=\\s*(?:\\/\\s*)?(?:${DELIMITER_TAGS.join("|")})\\b)`, "gi");

/** Keeps untrusted text from opening or closing one of the user message's delimiters: `</diff>` → `<\/diff>`. */
export function neutraliseDelimiters(text: string): string {
  return text.replace(DELIMITER, "<\\");
}
