import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DISMISSAL_PHRASES,
  MAX_DISMISSAL_CHARS,
  matchDismissal,
} from "../../../src/threads/match-dismissal.js";

describe("matchDismissal", () => {
  it.each([
    ["Won't fix", "won't fix"],
    ["won’t fix — we never pass empty arrays", "won't fix"],
    ["WONTFIX!", "wontfix"],
    ["wont-fix", "wont fix"],
    ["This is a false positive.", "false positive"],
    ["False\npositive", "false positive"],
    ["Intended.", "intended"],
    ["that's intentional", "intentional"],
    ["Not a bug: the caller checks first", "not a bug"],
    ["It is like that by design", "by design"],
    ["We will not fix this", "will not fix"],
  ])("hears %j as a dismissal (%s)", (text, phrase) => {
    expect(matchDismissal(text)).toBe(phrase);
  });

  it.each([
    "Fixed in the next commit, thanks",
    "This was not intended, good catch",
    "never intended that",
    "unintended side effect indeed",
    "I'll fix it",
    "won't be fixed? I think we should fix it",
    "falsely positive",
    "",
  ])("hears no dismissal in %j", (text) => {
    expect(matchDismissal(text)).toBeUndefined();
  });

  it("reads only the first MAX_DISMISSAL_CHARS characters of a hostile reply, whatever its size", () => {
    const long = `${"a ".repeat(MAX_DISMISSAL_CHARS)}won't fix`;
    expect(matchDismissal(long)).toBeUndefined();
    expect(matchDismissal(`won't fix ${"x".repeat(5_000_000)}`)).toBe("won't fix");
  });

  it("finds any listed phrase wherever it stands among other words, in any case", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DISMISSAL_PHRASES),
        fc.array(fc.constantFrom("ok", "so", "really", "yes", "this", "is"), { maxLength: 20 }),
        fc.array(fc.constantFrom("ok", "so", "really", "yes", "this", "is"), { maxLength: 20 }),
        fc.boolean(),
        (phrase, before, after, upper) => {
          const text = [...before, upper ? phrase.toUpperCase() : phrase, ...after].join(" ");
          expect(matchDismissal(text)).toBe(phrase);
        },
      ),
    );
  });

  it("never throws and answers a listed phrase or nothing, on any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3_000 }), (text) => {
        const found = matchDismissal(text);
        expect(found === undefined || (DISMISSAL_PHRASES as readonly string[]).includes(found)).toBe(true);
      }),
    );
  });
});
