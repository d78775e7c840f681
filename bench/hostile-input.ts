/**
 * Hostile input against everything that reads a pull request before the model is called: secret masking, glob
 * matching, the title and description budget, and a whole plan with a 199 KB line. Each figure is measured here; the
 * "before" figures run the old code's patterns (copied from main at 2fe2739) or picomatch on the same input.
 * Linearity is asserted loosely: 4× the input must take less than 8× the time.
 */
import picomatch from "picomatch";
import { buildMessages } from "../src/review/build-prompt.js";
import { splitChunk } from "../src/review/chunk-diff.js";
import { createTokenCounter } from "../src/review/count-tokens.js";
import { createMasker } from "../src/review/create-masker.js";
import { createSecretScanner } from "../src/review/create-secret-scanner.js";
import { maskSecretLines } from "../src/review/mask-secrets.js";
import { compileGlob, compileGlobs, MAX_GLOBS } from "../src/review/match-globs.js";
import { planChunksInline } from "../src/review/plan-chunks.js";
import { MAX_DESCRIPTION_TOKENS, MAX_TITLE_TOKENS, preparePrText } from "../src/review/prepare-pr-text.js";

/** The old key-line pattern and JWT rule, exactly as they were: quadratic on the inputs below. */
const OLD_KEY_LINE = /^[\s"'`+,;]*([A-Za-z0-9+/=]*)(?:\\n)?[\s"'`+,;]*$/;
const OLD_JWT = /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g;
const BEGIN = ["-----BEGIN", "PRIVATE", "KEY-----"].join(" ");
const END = ["-----END", "PRIVATE", "KEY-----"].join(" ");

/** Median milliseconds of `runs` runs of `task`. */
function time(task: () => unknown, runs = 5): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    task();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? 0;
}

async function timeAsync(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

const ms = (value: number) =>
  value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value).toLocaleString("en-US")} ms`;

let failures = 0;
/** Loosely asserts linear growth: 4× the input in less than 8× the time (times under 1 ms count as 1 ms). */
function assertLinear(label: string, small: number, large: number): void {
  const ratio = Math.max(large, 1) / Math.max(small, 1);
  const ok = ratio < 8;
  if (!ok) failures++;
  console.log(
    `  ${ok ? "ok  " : "FAIL"} ${label}: 4× input took ${ratio.toFixed(1)}× the time (bound: < 8×)`,
  );
}

/** The hostile lines of issue 8, each as the lines of one hunk. */
const HOSTILE: { label: string; lines: (size: number) => string[]; old: (lines: string[]) => unknown }[] = [
  {
    label: "spaces before an END marker",
    lines: (size) => [`${" ".repeat(size)}!${END}`],
    old: (lines) => OLD_KEY_LINE.exec((lines[0] ?? "").slice(0, (lines[0] ?? "").indexOf("-----END"))),
  },
  {
    label: "quotes before an END marker",
    lines: (size) => [`${"'".repeat(size)}!${END}`],
    old: (lines) => OLD_KEY_LINE.exec((lines[0] ?? "").slice(0, (lines[0] ?? "").indexOf("-----END"))),
  },
  {
    label: "a BEGIN line, then tabs and #",
    lines: (size) => [BEGIN, `${"\t".repeat(size)}#`],
    old: (lines) => OLD_KEY_LINE.exec(lines[1] ?? ""),
  },
  {
    label: '"eyJ-" repeated',
    lines: (size) => ["eyJ-".repeat(size / 4)],
    old: (lines) => (lines[0] ?? "").match(OLD_JWT),
  },
];

function benchMasking(): void {
  console.log("\nSecret masking, one hostile line scanned in full (no length limit), median of 5:");
  const unlimited = { maxLineChars: Number.POSITIVE_INFINITY };
  for (const input of HOSTILE) {
    const sizes = [10_000, 40_000, 80_000, 199_000];
    const after = sizes.map((size) => time(() => maskSecretLines(input.lines(size), unlimited)));
    // The old patterns only up to 40,000 characters: 80,000 took 4.1 s and 199 KB 86.7 s per the issue.
    const before = [10_000, 20_000, 40_000].map((size) => time(() => input.old(input.lines(size)), 1));
    console.log(
      `  ${input.label}: now ${sizes.map((size, i) => `${size / 1000}k ${ms(after[i] ?? 0)}`).join(", ")}` +
        ` | old pattern ${[10, 20, 40].map((k, i) => `${k}k ${ms(before[i] ?? 0)}`).join(", ")}`,
    );
    const small = input.lines(400_000);
    const large = input.lines(1_600_000);
    assertLinear(
      `masking ${input.label}, 400k → 1.6M characters`,
      time(() => maskSecretLines(small, unlimited), 9),
      time(() => maskSecretLines(large, unlimited), 9),
    );
  }
  const lines = Array.from(
    { length: 25_000 },
    (_, i) => `  const value${i} = compute(${i}, "text") + offset;`,
  );
  const many = [...lines, ...lines, ...lines, ...lines];
  assertLinear(
    "masking ordinary code, 25,000 → 100,000 lines",
    time(() => maskSecretLines(lines), 9),
    time(() => maskSecretLines(many), 9),
  );
}

/**
 * secretlint's own patterns on what slows them down: its GitHub installation-token pattern rescans up to 12,000
 * characters from every `ghs_1_`, and its core compares every finding with every other. Lines are capped at 4,000
 * characters and handed over in batches of at most 4,000, which bounds both.
 */
async function benchSecretlint(): Promise<void> {
  console.log("\nsecretlint's rules through the app's masker (lines capped and batched):");
  const mask = createMasker(createSecretScanner());
  await mask(["warm up"]);
  const inputs: [string, (kb: number) => string[]][] = [
    [
      "many fake installation tokens (ghs_1_a.)",
      (kb) => Array.from({ length: kb * 40 }, () => "ghs_1_a.ghs_1_a.ghs_1_a."),
    ],
    [
      "4,000-character lines of ghs_1_ starts",
      (kb) => Array.from({ length: kb / 4 }, () => "ghs_1_".repeat(667).slice(0, 4_000)),
    ],
  ];
  for (const [label, lines] of inputs) {
    await mask(lines(200));
    const small = await timeAsync(() => mask(lines(200)));
    const large = await timeAsync(() => mask(lines(800)));
    console.log(`  ${label}: 200 KB ${ms(small)}, 800 KB ${ms(large)}`);
    assertLinear(`secretlint, ${label}, 200 → 800 KB`, small, large);
  }
}

function benchGlobs(): void {
  console.log("\nGlobs from the repository configuration against paths from the pull request:");
  const glob = "*a*a*a*a*a*a*b";
  const theirs = picomatch(glob, { dot: true });
  const paths = [30, 40, 50].map((length) => "a".repeat(length));
  const old = paths.map((path) => time(() => theirs(path), 1));
  console.log(
    `  picomatch (before), ${glob}: ${paths.map((path, i) => `${path.length} chars ${ms(old[i] ?? 0)}`).join(", ")} (120 chars: 49.2 s per the issue)`,
  );
  const long = [120, 30_000, 480_000, 1_920_000].map((length) => "a".repeat(length));
  // Each run compiles the glob afresh: no cache carries over from a shorter path.
  const now = long.map((path) => time(() => compileGlob(glob)(path), 15));
  console.log(
    `  now: ${long.map((path, i) => `${path.length.toLocaleString("en-US")} chars ${ms(now[i] ?? 0)}`).join(", ")}`,
  );
  assertLinear("one glob, 480,000 → 1,920,000-character path", now[2] ?? 0, now[3] ?? 0);

  const files = Array.from({ length: 3_000 }, (_, i) => `src/module${i % 50}/sub/file${i}.ts`);
  const excludes = Array.from({ length: MAX_GLOBS }, (_, i) => `generated/**/part${i}/**/*.{js,ts}`);
  const matches = compileGlobs(excludes);
  const listed = time(() => files.map(matches), 3);
  const twoThousand = picomatch(
    Array.from({ length: 2_000 }, (_, i) => `generated/**/part${i}/**/*.{js,ts}`),
    { dot: true },
  );
  const before = time(() => files.map((path) => twoThousand(path)), 1);
  console.log(
    `  ${MAX_GLOBS} globs (the cap) × 3,000 files: ${ms(listed)} | picomatch, 2,000 globs × 3,000 files: ${ms(before)} (20,000 globs: 34.6 s per the issue)`,
  );
  const hostile = Array.from({ length: MAX_GLOBS }, (_, i) => `${"*a".repeat(90)}*b${i}`.slice(0, 200));
  const hostileMatches = compileGlobs(hostile);
  const hostilePaths = Array.from({ length: 3_000 }, (_, i) => `${"a".repeat(120)}${i}`);
  console.log(
    `  worst case within the caps (${MAX_GLOBS} star-heavy globs of 200 chars × 3,000 120-char paths): ${ms(time(() => hostilePaths.map(hostileMatches), 1))}`,
  );
}

async function benchPrText(): Promise<void> {
  console.log("\nTitle and description budget (private-use characters of 4 tokens apiece):");
  const countTokens = createTokenCounter();
  // A 256-character title and a description of 4,000 in lines of 500: the old cut (256 and 4,000 code points)
  // let both through whole.
  const title256 = "\u{F0000}".repeat(256);
  const description = Array.from({ length: 8 }, () => "\u{F0000}".repeat(500)).join("\n");
  const before = countTokens(title256) + countTokens(description);
  const { title, body } = await preparePrText(
    { title: title256, body: description },
    { countTokens, mask: createMasker() },
  );
  console.log(
    `  before (cut at 256 and 4,000 characters): ${before.toLocaleString("en-US")} tokens per request | now: ${(countTokens(title) + countTokens(body)).toLocaleString("en-US")} tokens (budgets ${MAX_TITLE_TOKENS} + ${MAX_DESCRIPTION_TOKENS})`,
  );
}

async function benchHostilePlan(): Promise<void> {
  console.log("\nA pull request with one 199 KB hostile line (spaces then an END marker):");
  const countTokens = createTokenCounter();
  const line = `${" ".repeat(199_000)}!${END}`;
  const files = [
    {
      path: "src/key.ts",
      status: "added" as const,
      additions: 2,
      deletions: 0,
      changes: 2,
      patch: `@@ -0,0 +1,2 @@\n+${line}\n+const next = 1;`,
    },
  ];
  const plan = planChunksInline(countTokens);
  const request = {
    files,
    pr: { title: "t", body: "" },
    maxPatchBytes: 1_000_000,
    include: [],
    exclude: [],
    maxPrTokens: 400_000,
    maxChunkTokens: 12_000,
    model: "deepseek-v4-flash",
    proModel: "deepseek-v4-pro",
    proPaths: [],
  };
  await plan({ ...request, files: [] });
  let planned: Awaited<ReturnType<typeof plan>> | undefined;
  const planning = await timeAsync(async () => {
    planned = await plan(request);
  });
  const chunk = planned?.lanes[0]?.chunks[0];
  if (chunk === undefined) throw new Error("expected a chunk");
  const mainThread = time(() => {
    buildMessages({ pr: planned?.pr ?? { title: "", body: "" }, chunk });
    splitChunk(chunk);
  });
  console.log(
    `  plan (worker's work): ${ms(planning)} (before: 86.7 s) | buildMessages + splitChunk on the main thread: ${ms(mainThread)} (before: 48.8 s)`,
  );
}

export async function runHostileInputBench(): Promise<number> {
  benchMasking();
  await benchSecretlint();
  benchGlobs();
  await benchPrText();
  await benchHostilePlan();
  console.log(failures === 0 ? "\nEvery linearity bound held." : `\n${failures} linearity bound(s) missed.`);
  return failures;
}
