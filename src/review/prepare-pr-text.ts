import type { CountTokens } from "./count-tokens.js";
import type { MaskLines } from "./create-masker.js";

/** Most tokens of the PR title sent with every request of the pull request. */
export const MAX_TITLE_TOKENS = 256;
/** Most tokens of the PR description sent with every request of the pull request. */
export const MAX_DESCRIPTION_TOKENS = 1_500;
/** Ends a title or description that was cut. */
export const TRUNCATION_MARK = "…[truncated]";

/** The PR's title and description as every request of the review sends them. */
export interface PrText {
  title: string;
  body: string;
}

/**
 * Masks the title and description, then cuts each to its budget in tokens (not characters: 4,000 private-use
 * characters are 16,000 tokens). Runs once per review, on the planning worker.
 */
export async function preparePrText(
  pr: PrText,
  deps: { countTokens: CountTokens; mask: MaskLines },
): Promise<PrText> {
  const title = (await deps.mask(pr.title.split("\n"))).join("\n");
  const body = (await deps.mask(pr.body.split("\n"))).join("\n");
  return {
    title: cutToTokens(title, MAX_TITLE_TOKENS, deps.countTokens),
    body: cutToTokens(body, MAX_DESCRIPTION_TOKENS, deps.countTokens),
  };
}

/**
 * The start of a text that fits `maxTokens`, with the truncation mark when something was cut. Lines are counted one
 * by one and whole lines kept while they fit; the line that does not fit is cut between words, or, for a single
 * word too long, in proportion. Counting stops at the budget, so the work does not grow with the text.
 */
export function cutToTokens(text: string, maxTokens: number, countTokens: CountTokens): string {
  const lines = text.split("\n");
  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    const last = index === lines.length - 1;
    const cost = countTokens(last ? line : `${line}\n`);
    if (used + cost <= maxTokens) {
      kept.push(line);
      used += cost;
      continue;
    }
    kept.push(cutLine(line, maxTokens - used, countTokens));
    return `${kept.join("\n")}${TRUNCATION_MARK}`;
  }
  return text;
}

/** As many whole words of a line as fit, or the start of its first word when not even that one does. */
function cutLine(line: string, maxTokens: number, countTokens: CountTokens): string {
  if (maxTokens <= 0) return "";
  const words = line.match(/\S+\s*|\s+/g) ?? [];
  let kept = "";
  let used = 0;
  for (const word of words) {
    const cost = countTokens(word);
    if (used + cost > maxTokens) {
      return kept === "" ? cutWord(word, maxTokens, countTokens) : kept.trimEnd();
    }
    kept += word;
    used += cost;
  }
  return kept.trimEnd();
}

/** The start of a word that fits, found by cutting in proportion and halving until it fits (a few counts at most). */
function cutWord(word: string, maxTokens: number, countTokens: CountTokens): string {
  let length = Math.floor((word.length * maxTokens) / Math.max(1, countTokens(word)));
  let cut = safeSlice(word, length);
  while (length > 0 && countTokens(cut) > maxTokens) {
    length = Math.floor(length / 2);
    cut = safeSlice(word, length);
  }
  return cut;
}

/** The first `length` UTF-16 units of a text, without a lone high surrogate at the end. */
function safeSlice(text: string, length: number): string {
  const cut = text.slice(0, length);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
