import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { printable } from "../../../src/cli/cli-report.js";

describe("printable", () => {
  it("leaves no control character but tabs, and no bidirectional override, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const shown = printable(text);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
        expect(shown).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        // One character for one: columns and line numbers stay where they were.
        expect(shown.length).toBe(text.length);
      }),
      { numRuns: 500 },
    );
  });

  it("turns an escape sequence that would retitle the terminal into harmless text", () => {
    expect(printable("ok\u001b]0;owned\u0007 \u001b[31mred")).toBe("ok\uFFFD]0;owned\uFFFD \uFFFD[31mred");
  });

  it("is linear: a megabyte of escapes takes one pass", () => {
    const text = "\u001b[".repeat(500_000);
    expect(printable(text)).toHaveLength(text.length);
  });
});
