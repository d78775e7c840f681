import { describe, expect, it } from "vitest";
import { type CountTokens, createTokenCounter, estimateTokens } from "../../../src/review/count-tokens.js";
import { createMasker } from "../../../src/review/create-masker.js";
import { createSecretScanner } from "../../../src/review/create-secret-scanner.js";
import { formatDiff } from "../../../src/review/format-diff.js";
import { maskedSecret } from "../../../src/review/mask-secrets.js";
import { type ChunkPlanRequest, planChunks } from "../../../src/review/plan-chunks.js";
import {
  MAX_DESCRIPTION_TOKENS,
  MAX_TITLE_TOKENS,
  TRUNCATION_MARK,
} from "../../../src/review/prepare-pr-text.js";
import type { PullRequestFile } from "../../../src/review/types.js";
import { addedPatch } from "../../helpers/fakes.js";

/** Fake secrets are assembled at run time so that no scanner takes this file for one holding real credentials. */
const TOKEN = `ghp_${"a1B2c3D4e5F6".repeat(3)}`;
const GITLAB = `glpat-${"a1B2c3D4e5".repeat(2)}`;

const mask = createMasker(createSecretScanner());

function file(path: string, lines: string[], overrides: Partial<PullRequestFile> = {}): PullRequestFile {
  return {
    path,
    status: "added",
    additions: lines.length,
    deletions: 0,
    changes: lines.length,
    patch: addedPatch(lines),
    ...overrides,
  };
}

function requestOf(overrides: Partial<ChunkPlanRequest> = {}): ChunkPlanRequest {
  return {
    files: [file("src/a.ts", ["const a = 1;", "const b = 2;"])],
    pr: { title: "Add a", body: "" },
    maxPatchBytes: 200_000,
    include: [],
    exclude: [],
    maxPrTokens: 400_000,
    maxChunkTokens: 12_000,
    model: "deepseek-v4-flash",
    proModel: "deepseek-v4-pro",
    proPaths: [],
    ...overrides,
  };
}

/** The diff text of every chunk of a plan. */
function sentDiff(plan: Awaited<ReturnType<typeof planChunks>>): string {
  return plan.lanes.flatMap((lane) => lane.chunks.map((chunk) => formatDiff(chunk.files))).join("\n");
}

describe("planChunks", () => {
  it("selects the files, skipping the built-in rules' and the configuration's, with reasons", async () => {
    const plan = await planChunks(
      requestOf({
        files: [
          file("src/a.ts", ["x"]),
          file(".env", ["A=1"]),
          file("docs/b.md", ["y"]),
          file("src/c.ts", ["z"]),
        ],
        exclude: ["docs/**"],
      }),
      { countTokens: estimateTokens, mask },
    );
    expect(plan.kept).toEqual(["src/a.ts", "src/c.ts"]);
    expect(plan.skipped).toEqual([
      { path: ".env", reason: "may contain secrets — never sent to the model" },
      { path: "docs/b.md", reason: "excluded by configuration" },
    ]);
    expect(plan.diffs.map((diff) => diff.path)).toEqual(["src/a.ts", "src/c.ts"]);
  });

  it("lists a patch it cannot parse, with the parser's reason for the log", async () => {
    const broken = { ...file("src/broken.ts", ["x"]), patch: "@@ -1,2 +1,2 @@\n+only one line" };
    const plan = await planChunks(requestOf({ files: [broken] }), { countTokens: estimateTokens, mask });
    expect(plan.skipped).toEqual([{ path: "src/broken.ts", reason: "its patch could not be parsed" }]);
    expect(plan.parseErrors[0]?.path).toBe("src/broken.ts");
  });

  it("plans only the hunks holding a line the pull request did not change at the last review", async () => {
    const patch = ["@@ -1 +1 @@", "-a", "+b", "@@ -50 +50 @@", "-c", "+d"].join("\n");
    // At the last review the pull request already changed a into b; c into d is new.
    const before = [{ ...file("src/a.ts", []), status: "modified" as const, patch: "@@ -1 +1 @@\n-a\n+b" }];
    const plan = await planChunks(
      requestOf({ files: [{ ...file("src/a.ts", []), status: "modified", patch }], before }),
      { countTokens: estimateTokens, mask },
    );
    expect(plan.inScope).toEqual(["src/a.ts"]);
    expect(sentDiff(plan)).toBe("=== FILE: src/a.ts ===\n@@ -50 +50 @@\n      |-c\n   50 |+d\n");
    expect(plan.diffs[0]?.hunks).toHaveLength(2);
  });

  it("plans nothing when the pull request's own changes are those of the last review, moved", async () => {
    const now = ["@@ -10,2 +12,2 @@", " context rewritten by the base", "-a", "+b"].join("\n");
    const before = [
      { ...file("src/a.ts", []), status: "modified" as const, patch: "@@ -1,2 +1,2 @@\n context\n-a\n+b" },
    ];
    const plan = await planChunks(
      requestOf({ files: [{ ...file("src/a.ts", []), status: "modified", patch: now }], before }),
      { countTokens: estimateTokens, mask },
    );
    expect(plan.diffs.map((diff) => diff.path)).toEqual(["src/a.ts"]);
    expect(plan.inScope).toEqual([]);
    expect(plan.lanes.flatMap((lane) => lane.chunks)).toEqual([]);
  });

  it("masks every text it sends: lines, hunk headings, paths and previous paths", async () => {
    const patch = [`@@ -10,1 +10,2 @@ GITHUB_TOKEN = "${TOKEN}"`, " keep", `+const t = "${GITLAB}";`].join(
      "\n",
    );
    const renamed: PullRequestFile = {
      path: `notes/${TOKEN}.txt`,
      previousPath: `old/${GITLAB}.txt`,
      status: "renamed",
      additions: 1,
      deletions: 0,
      changes: 1,
      patch,
    };
    const plan = await planChunks(requestOf({ files: [renamed] }), { countTokens: estimateTokens, mask });
    const sent = sentDiff(plan);

    expect(sent).not.toContain(TOKEN);
    expect(sent).not.toContain(GITLAB);
    expect(sent).toBe(
      [
        `=== FILE: notes/${maskedSecret("GitHub token")}.txt (renamed from old/${maskedSecret("GitLab token")}.txt) ===`,
        `@@ -10 +10,2 @@ GITHUB_TOKEN = "${maskedSecret("GitHub token")}"`,
        "   10 | keep",
        `   11 |+const t = "${maskedSecret("GitLab token")}";`,
        "",
      ].join("\n"),
    );
    // Where comments go is still the real path.
    expect(plan.kept).toEqual([`notes/${TOKEN}.txt`]);
  });

  it("counts every printed line once, and never a whole file or chunk again", async () => {
    const counted: string[] = [];
    const countTokens: CountTokens = (text) => {
      counted.push(text);
      return estimateTokens(text);
    };
    const files = [file("src/a.ts", ["one", "two", "three"]), file("src/b.ts", ["four"])];
    const plan = await planChunks(requestOf({ files, maxChunkTokens: 1_000 }), { countTokens, mask });

    const printed = sentDiff(plan)
      .split("\n")
      .filter((line) => line !== "");
    // Besides the diff: the title and the (empty) description, once each.
    expect(counted.filter((text) => text !== "Add a" && text !== "")).toEqual(
      printed.map((line) => `${line}\n`),
    );
    expect(counted).toHaveLength(printed.length + 2);
    expect(plan.lanes[0]?.chunks[0]?.tokens).toBe(
      printed.reduce((sum, line) => sum + estimateTokens(`${line}\n`), 1),
    );
  });

  it("masks the title and description and cuts them to their budgets in tokens", async () => {
    const countTokens = createTokenCounter();
    // 4,000 private-use characters: 16,000 tokens, though only 4,000 characters.
    const privateUse = Array.from({ length: 8 }, () => "\u{F0000}".repeat(500)).join("\n");
    const plan = await planChunks(
      requestOf({ pr: { title: "\u{F0000}".repeat(1_000), body: `Deploy with ${TOKEN}\n${privateUse}` } }),
      { countTokens, mask },
    );
    expect(countTokens(plan.pr.title.replace(TRUNCATION_MARK, ""))).toBeLessThanOrEqual(MAX_TITLE_TOKENS);
    expect(plan.pr.title.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(countTokens(plan.pr.body.replace(TRUNCATION_MARK, ""))).toBeLessThanOrEqual(
      MAX_DESCRIPTION_TOKENS,
    );
    expect(plan.pr.body.startsWith(`Deploy with ${maskedSecret("GitHub token")}\n`)).toBe(true);
  });

  it("matches hostile configured globs against hostile paths without backtracking", async () => {
    const path = `${"a".repeat(120)}.ts`;
    const plan = await planChunks(
      requestOf({ files: [file(path, ["x"])], exclude: ["*a*a*a*a*a*a*b"], include: ["**"] }),
      { countTokens: estimateTokens, mask },
    );
    expect(plan.kept).toEqual([path]);
  });
});
