import { afterAll, describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import type { ModelRequest } from "../../../src/llm/types.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { type ReviewSettings, reviewPullRequest } from "../../../src/review/review-pull-request.js";
import type { PullRequestFile, PullRequestInfo } from "../../../src/review/types.js";
import {
  API_KEY,
  addedRowsOf,
  badInputJson,
  CODE_TOKEN,
  generatedAddedPatch,
  generatedFiles,
  generatedLine,
  INSTALLATION_TOKEN,
} from "../../helpers/bad-input.js";
import {
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  diffOf,
  filesOf,
  type ModelScript,
  noLimit,
  pullRequestFile,
  type RecordingLogger,
  reviewSettings,
} from "../../helpers/fakes.js";
import { budgetTokensOf } from "../../helpers/render-chunk.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";

const pr: PullRequestInfo = {
  owner: "octo",
  repo: "hello",
  number: 7,
  title: "Bad input",
  body: "Exercises what GitHub can send.",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

/** Every logger of this file, checked in `afterAll` for code under review and secrets. */
const loggers: RecordingLogger[] = [];

async function review(params: {
  files: PullRequestFile[];
  settings?: Partial<ReviewSettings>;
  script?: ModelScript;
  pr?: Partial<PullRequestInfo>;
}) {
  const github = createRecordingGateway({ headSha: HEAD_SHA, files: params.files });
  const model = createScriptedModel(params.script ?? (() => answerWith([])));
  const log = createRecordingLogger();
  loggers.push(log);
  const outcome = await reviewPullRequest({
    pr: { ...pr, ...params.pr },
    github,
    model,
    settings: reviewSettings(params.settings),
    limit: noLimit,
    countTokens: estimateTokens,
    log,
  });
  const [posted] = github.reviews;
  if (posted === undefined || github.reviews.length !== 1) throw new Error("expected exactly one review");
  return { outcome, posted, requests: model.requests, log };
}

/**
 * Estimated diff tokens of every request together, measured as max_pr_tokens measures them: file block by file
 * block (the blank line between two blocks of a chunk is not part of the budget).
 */
function tokensSent(requests: readonly ModelRequest[]): number {
  return requests
    .flatMap((request) => diffOf(request).split(/\n(?==== FILE: )/))
    .reduce((sum, block) => sum + estimateTokens(block), 0);
}

/** The paths of the files a request showed the model, renamed files by their new path. */
function pathsOf(request: ModelRequest): string[] {
  return filesOf(request).map((header) => header.replace(/ \(renamed from .+\)$/, ""));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

afterAll(() => {
  const entries = loggers.flatMap((log) => log.entries);
  expect(entries.length).toBeGreaterThan(0);
  const quiet = entries.filter((entry) => entry.level === "debug" || entry.level === "info");
  expect(JSON.stringify(quiet)).not.toContain(CODE_TOKEN);
  for (const secret of [API_KEY, INSTALLATION_TOKEN]) expect(JSON.stringify(entries)).not.toContain(secret);
});

describe("reviewPullRequest on bad input", () => {
  describe("files GitHub sends without a patch", () => {
    it.each<[string, PullRequestFile, string]>([
      [
        "a binary file",
        { path: "assets/logo.png", status: "added", additions: 0, deletions: 0, changes: 0 },
        "binary or no patch from GitHub",
      ],
      [
        "a text file too large for GitHub to show",
        { path: "data/big.sql", status: "modified", additions: 90_000, deletions: 10, changes: 90_010 },
        "binary or no patch from GitHub",
      ],
      [
        "a removed file",
        { path: "src/gone.ts", status: "removed", additions: 0, deletions: 40, changes: 40 },
        "removed",
      ],
      [
        "a file renamed without changes",
        {
          path: "src/new-home.ts",
          previousPath: "src/old-home.ts",
          status: "renamed",
          additions: 0,
          deletions: 0,
          changes: 0,
        },
        "renamed without changes",
      ],
    ])("lists %s as skipped with its reason and calls no model", async (_name, file, reason) => {
      const { posted, requests, outcome } = await review({ files: [file] });

      expect(requests).toEqual([]);
      expect(posted.comments).toEqual([]);
      expect(posted.body).toContain("Nothing was sent to the model: the only changed file was skipped.");
      expect(posted.body).toContain(`- \`${file.path}\`: ${reason}`);
      expect(outcome).toMatchObject({ status: "posted", requests: 0, filesSkipped: 1 });
    });

    it("reviews the files that have a patch and lists the others", async () => {
      const text = pullRequestFile({ path: "src/a.ts", patch: generatedAddedPatch(3) });
      const binary: PullRequestFile = {
        path: "assets/font.woff2",
        status: "added",
        additions: 0,
        deletions: 0,
        changes: 0,
      };
      const { posted, requests } = await review({ files: [binary, text] });

      expect(requests.map(filesOf)).toEqual([["src/a.ts"]]);
      expect(posted.body).toContain("- `assets/font.woff2`: binary or no patch from GitHub");
      expect(posted.body).toContain("Reviewed 1 file");
    });
  });

  describe("a single-file diff of 30,000 added lines", () => {
    const LINES = 30_000;
    const huge = pullRequestFile({ path: "src/huge.ts", patch: generatedAddedPatch(LINES) });

    it("is over the default 200 KB and skipped by size, with no model call", async () => {
      expect(Buffer.byteLength(huge.patch ?? "", "utf8")).toBeGreaterThan(200_000);

      const { posted, requests } = await review({ files: [huge] });

      expect(requests).toEqual([]);
      expect(posted.body).toContain("- `src/huge.ts`: larger than 200 KB of diff");
    });

    it("with a raised maxFilePatchBytes, is chunked and every line is reviewed exactly once within max_pr_tokens", async () => {
      const settings = { maxFilePatchBytes: 3_000_000, maxPrTokens: 2_000_000, maxChunkTokens: 12_000 };
      const { posted, requests, outcome } = await review({ files: [huge], settings });

      const rows = requests.flatMap(addedRowsOf);
      expect(rows).toHaveLength(LINES);
      expect(new Set(rows).size).toBe(LINES);
      expect(rows).toEqual(range(1, LINES).map((line) => `src/huge.ts:${line}`));
      for (const request of requests) {
        expect(estimateTokens(diffOf(request))).toBeLessThanOrEqual(settings.maxChunkTokens);
      }
      expect(tokensSent(requests)).toBeLessThanOrEqual(settings.maxPrTokens);
      expect(requests.length).toBe(outcome.requests);
      expect(requests.length).toBeGreaterThanOrEqual(
        Math.ceil(tokensSent(requests) / settings.maxChunkTokens),
      );
      expect(posted.body).toContain("No issues found in 1 file.");
    });

    it("with a raised maxFilePatchBytes but a smaller max_pr_tokens, is listed as over budget and no model is called", async () => {
      const { posted, requests } = await review({
        files: [huge],
        settings: { maxFilePatchBytes: 3_000_000, maxPrTokens: 400_000 },
      });

      expect(requests).toEqual([]);
      expect(posted.body).toContain(
        "- `src/huge.ts`: not reviewed: over the per-PR budget of 400,000 tokens (max_pr_tokens)",
      );
    });
  });

  describe("a diff of over 20,000 lines across 250 files", () => {
    const files = generatedFiles({ count: 250, linesEach: 90 });
    const maxPrTokens = 100_000;
    const perFile = budgetTokensOf({
      path: files[0]?.path ?? "",
      hunks: parsePatch(files[0] as { path: string; patch: string }).hunks,
    });
    const kept = Math.floor(maxPrTokens / perFile);

    it("reviews files up to max_pr_tokens, each line once, and lists every other file as over budget", async () => {
      expect(files.reduce((sum, file) => sum + file.additions, 0)).toBe(22_500);

      const { posted, requests, outcome } = await review({ files, settings: { maxPrTokens } });

      const rows = requests.flatMap(addedRowsOf);
      const reviewed = files.slice(0, kept);
      expect(rows).toEqual(reviewed.flatMap((file) => range(1, 90).map((line) => `${file.path}:${line}`)));
      expect(tokensSent(requests)).toBeLessThanOrEqual(maxPrTokens);
      expect(outcome).toMatchObject({ filesReviewed: kept, filesSkipped: 250 - kept });
      expect(posted.body).toContain(`Reviewed ${kept} files`);
      expect(posted.body).toContain(`Skipped ${250 - kept} files`);
      for (const file of files.slice(kept)) {
        expect(posted.body).toContain(
          `- \`${file.path}\`: not reviewed: over the per-PR budget of 100,000 tokens (max_pr_tokens)`,
        );
      }
    });
  });

  describe("patches with odd bytes", () => {
    type OddPatch = { patch: string; right?: number[]; left?: number[]; skipped?: string };
    const table = Object.entries(badInputJson<Record<string, OddPatch>>("odd-patches.json"));
    const parsed = table.filter(([, odd]) => odd.skipped === undefined);
    const unparsable = table.filter(([, odd]) => odd.skipped !== undefined);
    const fileOf = (name: string, odd: OddPatch) =>
      pullRequestFile({ path: `src/odd/${name.replace(/\W+/g, "-")}.ts`, patch: odd.patch });
    const oddPatch = (name: string): OddPatch => {
      const odd = table.find(([one]) => one === name)?.[1];
      if (odd === undefined) throw new Error(`no odd patch named ${name}`);
      return odd;
    };

    it.each(parsed)("parses a patch with %s into the right line map", (_name, odd) => {
      const diff = parsePatch({ path: "src/odd.ts", patch: odd.patch });

      expect([...diff.right.keys()]).toEqual(odd.right);
      expect([...diff.left.keys()]).toEqual(odd.left);
    });

    it("keeps the bytes of every line as they were sent", () => {
      const lineOf = (name: string) =>
        parsePatch({ path: "a", patch: oddPatch(name).patch }).hunks[0]?.lines[1];

      expect(lineOf("NUL bytes")?.content).toBe('const b = "x\u0000\u0000y";');
      expect(lineOf("invalid surrogates")?.content).toBe('const lone = "\ud800";');
      expect(lineOf("CRLF line endings")).toEqual({ kind: "del", content: "const b = 2;\r", oldLine: 2 });
      expect(lineOf("a lone CR inside a line")).toEqual({
        kind: "add",
        content: 'const s = "a\rc";',
        newLine: 1,
      });
    });

    it.each(unparsable)("throws on a patch with %s instead of guessing lines", (_name, odd) => {
      expect(() => parsePatch({ path: "src/odd.ts", patch: odd.patch })).toThrow(/Cannot parse the patch/);
    });

    it("reviews the parsable ones, lists the others with their reason, and places comments on the right lines", async () => {
      const files = table.map(([name, odd]) => fileOf(name, odd));
      const crlf = fileOf("CRLF line endings", oddPatch("CRLF line endings")).path;
      const surrogates = fileOf("invalid surrogates", oddPatch("invalid surrogates")).path;
      const finding = (path: string, line: number) => ({
        path,
        line,
        severity: "minor",
        title: "t",
        body: "b",
      });

      const { posted, requests, log } = await review({
        files,
        script: () => answerWith([finding(crlf, 2), finding(surrogates, 4), finding(crlf, 9)]),
      });

      expect(requests).toHaveLength(1);
      expect(filesOf(requests[0] as ModelRequest)).toEqual(
        parsed.map(([name, odd]) => fileOf(name, odd).path),
      );
      expect(diffOf(requests[0] as ModelRequest)).not.toContain("\r");
      expect(posted.comments.map(({ path, line, side }) => ({ path, line, side }))).toEqual([
        { path: crlf, line: 2, side: "RIGHT" },
        { path: surrogates, line: 4, side: "RIGHT" },
      ]);
      expect(posted.body).toContain("line 9 is not part of the diff");
      for (const [name, odd] of unparsable) {
        expect(posted.body).toContain(`- \`${fileOf(name, odd).path}\`: ${odd.skipped}`);
      }
      expect(log.withMessage("patch not parsed").map((entry) => entry.level)).toEqual(
        unparsable.map(() => "warn"),
      );
    });
  });

  describe("renamed files", () => {
    const renamed = pullRequestFile({
      path: "src/new-name.ts",
      previousPath: "lib/old-name.ts",
      status: "renamed",
      patch: `@@ -1,2 +1,3 @@\n const a = 1;\n+${generatedLine(2)}\n const c = 3;`,
    });

    it("reviews a renamed file with changes under its new path and comments on the new path", async () => {
      const { posted, requests } = await review({
        files: [renamed],
        script: () =>
          answerWith([
            { path: "src/new-name.ts", line: 2, severity: "major", title: "On the new path", body: "b" },
            { path: "lib/old-name.ts", line: 2, severity: "major", title: "On the old path", body: "b" },
          ]),
      });

      expect(diffOf(requests[0] as ModelRequest)).toContain(
        "=== FILE: src/new-name.ts (renamed from lib/old-name.ts) ===",
      );
      expect(posted.comments.map(({ path, line }) => ({ path, line }))).toEqual([
        { path: "src/new-name.ts", line: 2 },
      ]);
      expect(posted.body).toContain("file is not in the diff");
      expect(posted.body).toContain("- `src/new-name.ts`");
    });

    it("lists a file renamed without changes as such next to a renamed file with changes", async () => {
      const moved: PullRequestFile = {
        path: "docs/guide.md",
        previousPath: "guide.md",
        status: "renamed",
        additions: 0,
        deletions: 0,
        changes: 0,
      };
      const { posted, requests } = await review({ files: [moved, renamed] });

      expect(requests.map(pathsOf)).toEqual([["src/new-name.ts"]]);
      expect(posted.body).toContain("- `docs/guide.md`: renamed without changes");
    });
  });

  describe("an empty pull request", () => {
    it("posts a short review that says nothing was sent to the model, and calls none", async () => {
      const { posted, requests, outcome } = await review({ files: [], pr: { changedFiles: 0 } });

      expect(requests).toEqual([]);
      expect(posted.comments).toEqual([]);
      expect(posted.body.split("\n\n").slice(0, 2)).toEqual([
        "### DeepSeek review",
        "Nothing was sent to the model: the pull request has no changed lines to review.",
      ]);
      expect(outcome).toMatchObject({ status: "posted", requests: 0, filesReviewed: 0, filesSkipped: 0 });
    });
  });

  describe("more changed files than GitHub lists", () => {
    const listed = generatedFiles({ count: 3_000, linesEach: 1 });

    it.each([
      [3_500, "GitHub lists at most 3,000 files of a pull request: 500 changed files were not reviewed."],
      [3_001, "GitHub lists at most 3,000 files of a pull request: 1 changed file was not reviewed."],
      [12_345, "GitHub lists at most 3,000 files of a pull request: 9,345 changed files were not reviewed."],
    ])("with %i changed files, says how many were not reviewed", async (changedFiles, note) => {
      const { posted } = await review({ files: listed, pr: { changedFiles } });

      expect(posted.body).toContain(note);
    });

    it.each<[string, number | undefined, number]>([
      ["the count equals the list", 3_000, 3_000],
      ["GitHub gave no count", undefined, 3_000],
      ["a short list has an older, larger count", 40, 12],
    ])("adds no such note when %s", async (_name, changedFiles, count) => {
      const { posted } = await review({
        files: listed.slice(0, count),
        pr: changedFiles === undefined ? {} : { changedFiles },
      });

      expect(posted.body).not.toContain("GitHub lists at most");
    });

    it("still keeps the model's input within max_pr_tokens", async () => {
      const maxPrTokens = 5_000;
      const { posted, requests } = await review({
        files: listed,
        pr: { changedFiles: 3_500 },
        settings: { maxPrTokens, maxChunkTokens: 2_000 },
      });

      expect(tokensSent(requests)).toBeLessThanOrEqual(maxPrTokens);
      expect(requests.length).toBeLessThanOrEqual(3);
      expect(posted.body).toContain("500 changed files were not reviewed.");
    });
  });
});
