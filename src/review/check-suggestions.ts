import type { SyntaxParser } from "../syntax/create-syntax-parser.js";
import { splitLines } from "./extract-context.js";

/** A suggestion to try: it replaces new-file lines `start` to `end` of its file. */
export interface SuggestionToCheck {
  id: number;
  start: number;
  end: number;
  replacement: string;
}

export interface SuggestionCheckRequest {
  files: { path: string; text: string; suggestions: SuggestionToCheck[] }[];
}

export interface SuggestionCheckResult {
  /** Ids of the suggestions that make a file that parsed fail to parse. */
  breaking: number[];
}

/**
 * Applies each suggestion on its own to its file's content at the head and parses the result with the file's
 * grammar. A suggestion breaks the file when the file parsed without error before and not after. A file the app
 * cannot parse (no grammar, too large, too slow, already broken) breaks nothing: there is nothing to compare with.
 */
export async function checkSuggestions(
  request: SuggestionCheckRequest,
  deps: { parser: SyntaxParser },
): Promise<SuggestionCheckResult> {
  const breaking: number[] = [];
  for (const file of request.files) {
    const before = await deps.parser.analyse({ path: file.path, text: file.text });
    if (before === undefined || before.hasError) continue;
    const lines = splitLines(file.text);
    const ending = file.text.endsWith("\n") ? "\n" : "";
    for (const suggestion of file.suggestions) {
      if (suggestion.start < 1 || suggestion.end > lines.length || suggestion.start > suggestion.end)
        continue;
      const text = applySuggestion({ lines, ending, ...suggestion });
      const after = await deps.parser.analyse({ path: file.path, text });
      if (after?.hasError === true) breaking.push(suggestion.id);
    }
  }
  return { breaking };
}

/** The file's text with lines `start` to `end` (1-based, inclusive) replaced by `replacement`, as GitHub applies it. */
export function applySuggestion(params: {
  lines: readonly string[];
  ending: string;
  start: number;
  end: number;
  replacement: string;
}): string {
  const { lines, start, end } = params;
  const replacement = params.replacement.replace(/\r?\n$/, "");
  const kept = [...lines.slice(0, start - 1), ...splitLines(`${replacement}\n`), ...lines.slice(end)];
  return `${kept.join("\n")}${params.ending}`;
}

/**
 * A suggestion re-indented to the lines it replaces: when its first non-blank line is not indented and the first
 * replaced line is, each non-blank line gets that line's indentation (nested lines keep theirs on top). Otherwise
 * it is returned as it is (the model kept the indentation, or the replaced code has none).
 */
export function fitIndentation(params: { replaced: readonly string[]; suggestion: string }): string {
  const indent = /^[ \t]*/.exec(params.replaced[0] ?? "")?.[0] ?? "";
  if (indent === "") return params.suggestion;
  const lines = params.suggestion.split("\n");
  const first = lines.find((line) => line.trim() !== "");
  if (first === undefined || /^[ \t]/.test(first)) return params.suggestion;
  return lines.map((line) => (line.trim() === "" ? line : `${indent}${line}`)).join("\n");
}
