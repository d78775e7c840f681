/** How much of a reply is read for a dismissal: the phrase is said early or not at all. */
export const MAX_DISMISSAL_CHARS = 2_000;

/**
 * What a person writes to say a finding is not to be fixed. Matched as whole words, case-insensitively, after
 * punctuation is turned into spaces (so "Won't fix." and "WONTFIX!" match, "fixed" and "unintended" do not).
 */
export const DISMISSAL_PHRASES = [
  "won't fix",
  "wont fix",
  "wontfix",
  "will not fix",
  "false positive",
  "not a bug",
  "intended",
  "intentional",
  "by design",
] as const;

/** Words that turn a phrase after them around ("not intended"): that reply dismisses nothing. */
const NEGATIONS = new Set(["not", "never", "isn't", "wasn't"]);
const PHRASE_WORDS = DISMISSAL_PHRASES.map((phrase) => ({ phrase, words: phrase.split(" ") }));

/**
 * The dismissal phrase `text` says, or undefined. Linear in the text read (at most MAX_DISMISSAL_CHARS): one pass
 * to normalise, then a scan of the words against the short fixed list.
 */
export function matchDismissal(text: string): string | undefined {
  const words = normalise(text.slice(0, MAX_DISMISSAL_CHARS));
  for (let index = 0; index < words.length; index++) {
    for (const { phrase, words: parts } of PHRASE_WORDS) {
      if (!parts.every((part, offset) => words[index + offset] === part)) continue;
      const before = words[index - 1];
      if (phrase !== "not a bug" && before !== undefined && NEGATIONS.has(before)) continue;
      return phrase;
    }
  }
  return undefined;
}

/** Lower-case words, apostrophes kept (curly ones made straight), every other non-letter a separator. */
function normalise(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, " ")
    .split(" ")
    .filter((word) => word !== "");
}
