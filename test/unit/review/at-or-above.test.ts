import { describe, expect, it } from "vitest";
import { atOrAbove } from "../../../src/review/at-or-above.js";

const findings = [{ severity: "nit" }, { severity: "major" }, { severity: "minor" }] as const;

describe("atOrAbove", () => {
  it.each([
    ["critical", []],
    ["major", ["major"]],
    ["minor", ["major", "minor"]],
    ["nit", ["nit", "major", "minor"]],
    ["none", []],
  ] as const)("with %s keeps %j", (failOn, kept) => {
    expect(atOrAbove(findings, failOn).map((finding) => finding.severity)).toEqual(kept);
  });
});
