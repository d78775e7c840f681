import { describe, expect, it } from "vitest";
import { createMasker } from "../../../src/review/create-masker.js";
import { createSecretScanner } from "../../../src/review/create-secret-scanner.js";
import { MAX_SCANNED_LINE_CHARS, maskedSecret, tooLongToScan } from "../../../src/review/mask-secrets.js";

/** Fake secrets are assembled at run time so that no scanner takes this file for one holding real credentials. */
function fake(prefix: string, length: number, alphabet = "a1B2c3D4e5F6g7H8i9J0k"): string {
  return prefix + alphabet.repeat(Math.ceil(length / alphabet.length)).slice(0, length);
}

const mask = createMasker(createSecretScanner());

describe("createMasker with secretlint's rules", () => {
  it.each<[string, string, string]>([
    ["a GitLab token", `const t = "${fake("glpat-", 20)}";`, `const t = "${maskedSecret("GitLab token")}";`],
    ["an Anthropic key", `key: ${fake("sk-ant-api03-", 93)}AA`, `key: ${maskedSecret("API key")}`],
    [
      "a Hugging Face token",
      `HF=${fake("hf_", 34, "abcdefghijABCDEFGHIJ")}`,
      `HF=${maskedSecret("Hugging Face token")}`,
    ],
    ["a Shopify token", `x ${fake("shpat_", 32)}`, `x ${maskedSecret("Shopify token")}`],
  ])("masks %s, a shape the app's own rules do not know", async (_, line, expected) => {
    expect(await mask([line])).toEqual([expected]);
  });

  it("leaves no part of an AWS secret key, whose rule reports a range starting at the name", async () => {
    const secret = fake("", 40, "wJalrXUtnFEMIK7MDENGbPxRfiCY");
    const [masked] = await mask([`aws_secret_access_key = ${secret}`]);
    expect(masked).not.toContain(secret.slice(-20));
    expect(masked).toContain("[masked secret:");
  });

  it("cannot be switched off by a secretlint-disable comment in the diff", async () => {
    const token = fake("glpat-", 20);
    const lines = ["// secretlint-disable", `const t = "${token}";`, "// secretlint-enable"];
    expect((await mask(lines)).join("\n")).not.toContain(token);
  });

  it("keeps every line, masks a line too long to scan whole, and scans the lines after it", async () => {
    const long = "x".repeat(MAX_SCANNED_LINE_CHARS + 1);
    const token = fake("glpat-", 20);
    expect(await mask(["a", long, `t=${token}`])).toEqual([
      "a",
      maskedSecret(tooLongToScan(long.length)),
      `t=${maskedSecret("GitLab token")}`,
    ]);
  });

  it("masks independent lines (paths, headings) one by one", async () => {
    const token = fake("ghp_", 36);
    expect(
      await mask([`src/${token}.ts`, "@@ fn", "-----BEGIN PRIVATE KEY-----"], { independent: true }),
    ).toEqual([`src/${maskedSecret("GitHub token")}.ts`, "@@ fn", "-----BEGIN PRIVATE KEY-----"]);
  });

  // One call of secretlint compares every finding with every other: 200 KB of fake tokens in one text took 6.7 s.
  it("scans 200 KB of fake tokens in batches, keeping every line", async () => {
    const lines = Array.from({ length: 8_000 }, () => "ghs_1_a.ghs_1_a.ghs_1_a.");
    const masked = await mask(lines);
    expect(masked).toHaveLength(lines.length);
    expect(masked.every((line) => line.includes("[masked secret:"))).toBe(true);
  });

  it("leaves no performance marks behind (secretlint's profiler is off)", async () => {
    performance.clearMarks();
    await mask([`t=${fake("glpat-", 20)}`]);
    expect(performance.getEntriesByType("mark").filter((mark) => mark.name.includes("@core"))).toEqual([]);
  });
});
