import { readFileSync } from "node:fs";
import AjvDraft04Module from "ajv-draft-04";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CliReport } from "../../../src/cli/cli-report.js";
import { renderSarif } from "../../../src/cli/render-sarif.js";
import { CATEGORIES, type Finding, SEVERITIES } from "../../../src/review/types.js";

const AjvDraft04 = AjvDraft04Module.default;
const schema = JSON.parse(
  readFileSync(new URL("../../fixtures/sarif/sarif-2.1.0-rtm.5.json", import.meta.url), "utf8"),
) as object;
const validate = new AjvDraft04({ strict: false, unicodeRegExp: false, logger: false }).compile(schema);

function report(findings: Finding[]): CliReport {
  return {
    source: "main...HEAD",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    model: "deepseek-v4-flash",
    requests: 1,
    usage: { promptCacheHitTokens: 0, promptCacheMissTokens: 10, completionTokens: 5 },
    costUsd: 0,
    filesReviewed: 1,
    skipped: [],
    failures: [],
    findings,
    review: { body: "", comments: [] },
    code: () => [],
  };
}

const findingArbitrary = fc.record(
  {
    path: fc.string({ minLength: 1, maxLength: 80 }),
    line: fc.integer({ min: 1, max: 1_000_000 }),
    startLine: fc.integer({ min: 1, max: 1_000_000 }),
    severity: fc.constantFrom(...SEVERITIES),
    category: fc.constantFrom(...CATEGORIES),
    title: fc.string({ minLength: 1, maxLength: 200 }),
    body: fc.string({ maxLength: 400 }),
    suggestion: fc.string({ maxLength: 200 }),
  },
  { requiredKeys: ["path", "line", "severity", "title", "body"] },
);

describe("renderSarif", () => {
  it("gives a log that validates against SARIF 2.1.0 whatever the findings hold", () => {
    fc.assert(
      fc.property(fc.array(findingArbitrary, { maxLength: 8 }), (findings) => {
        const log = renderSarif(report(findings), { version: "0.1.0" });
        const valid = validate(log);
        if (!valid) throw new Error(JSON.stringify(validate.errors?.slice(0, 3)));
        const results = log.runs[0]?.results ?? [];
        expect(results).toHaveLength(findings.length);
        for (const [index, result] of results.entries()) {
          const region = result.locations?.[0]?.physicalLocation?.region;
          expect(region?.startLine).toBeLessThanOrEqual(region?.endLine ?? 0);
          expect(region?.endLine).toBe(Math.max(findings[index]?.line ?? 0, region?.startLine ?? 0));
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ["critical", "error"],
    ["major", "error"],
    ["minor", "warning"],
    ["nit", "note"],
  ] as const)("gives a %s finding the level %s", (severity, level) => {
    const log = renderSarif(report([{ path: "a.ts", line: 3, severity, title: "t", body: "b" }]), {
      version: "0.1.0",
    });
    expect(log.runs[0]?.results?.[0]?.level).toBe(level);
    // No category: the rule of "other".
    expect(log.runs[0]?.results?.[0]?.ruleId).toBe("deepseek-review/other");
  });

  it("keeps a path a relative URI: spaces, percent signs and non-ASCII encoded, slashes kept", () => {
    const log = renderSarif(
      report([{ path: "docs/a b/100%/ü.md", line: 1, severity: "nit", title: "t", body: "" }]),
      { version: "0.1.0" },
    );
    expect(log.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(
      "docs/a%20b/100%25/%C3%BC.md",
    );
  });
});
