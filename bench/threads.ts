/**
 * The work one review run does on threads at its bounds, and the text readers of replies at hostile sizes: every
 * figure is measured here, on this machine, without network.
 *   npm run bench:threads
 * Linearity is asserted loosely (4× the input in less than 8× the time); exits 1 when it does not hold.
 */
import { renderRecord } from "../src/records/render-record.js";
import { asAnswerData } from "../src/threads/build-answer-messages.js";
import { decideThread } from "../src/threads/decide-thread.js";
import { headCodeOf } from "../src/threads/head-code-of.js";
import { matchDismissal } from "../src/threads/match-dismissal.js";
import { mentionsApp } from "../src/threads/mentions-app.js";
import { MAX_THREAD_COMMENTS, MAX_THREADS_READ, type ReviewThread } from "../src/threads/types.js";

const BOT = "deepseek-review[bot]";
/** GitHub's longest comment body. */
const MAX_BODY = 65_536;

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
const ms = (value: number) => (value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`);
let failures = 0;
function assertLinear(label: string, small: number, large: number): void {
  const ratio = Math.max(large, 1) / Math.max(small, 1);
  if (ratio >= 8) failures++;
  console.log(
    `  ${ratio < 8 ? "ok  " : "FAIL"} ${label}: 4× input took ${ratio.toFixed(1)}× the time (bound: < 8×)`,
  );
}

/** The app's thread with `comments` comments of `size` characters of near-dismissals by a person. */
function thread(index: number, comments: number, size: number): ReviewThread {
  const record = renderRecord({
    kind: "finding",
    finding: {
      file: "0123456789abcdef",
      side: "RIGHT",
      lines: [7, 7],
      code: ["aaaaaaaa"],
      category: "logic",
    },
  });
  const hostile = "won wont fix false not a positive ".repeat(Math.ceil(size / 34)).slice(0, size);
  return {
    id: `PRRT_${index}`,
    isResolved: false,
    isOutdated: true,
    path: "src/a.js",
    line: null,
    truncated: false,
    comments: [
      { id: 1, author: BOT, authorIsBot: true, body: `x\n\n${record}`, createdAt: "", thumbsDownBy: [] },
      ...Array.from({ length: comments - 1 }, (_, at) => ({
        id: at + 2,
        author: "octocat",
        authorIsBot: false,
        body: hostile,
        createdAt: "",
        thumbsDownBy: [],
      })),
    ],
  };
}

console.log(
  `Threads of one run at the bounds: ${MAX_THREADS_READ} threads × ${MAX_THREAD_COMMENTS} comments of ${MAX_BODY.toLocaleString("en-US")} characters`,
);
const headCode = headCodeOf({
  files: [
    {
      path: "src/a.js",
      status: "modified",
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: "@@ -1,0 +1,1 @@\n+x",
    },
  ],
  complete: true,
});
const decideAll = (threads: ReviewThread[]) => () =>
  threads.map((one) => decideThread({ thread: one, botLogin: BOT, headCode }));
const full = Array.from({ length: MAX_THREADS_READ }, (_, index) =>
  thread(index, MAX_THREAD_COMMENTS, MAX_BODY),
);
// Linearity is checked from the bound up (200 → 800 threads): below it, caches make the smaller input look cheap.
const fourTimes = Array.from({ length: MAX_THREADS_READ * 4 }, (_, index) =>
  thread(index, MAX_THREAD_COMMENTS, MAX_BODY),
);
// Warm up first: the first pass compiles the code paths and would make the smaller input look slow.
decideAll(full)();
const fullMs = time(decideAll(full), 5);
/** Ten passes, so that the smaller input takes long enough to time. */
const tenPasses = (threads: ReviewThread[]) => () => {
  for (let pass = 0; pass < 10; pass++) decideAll(threads)();
};
console.log(`  decideThread over every thread: ${ms(fullMs)}`);
assertLinear("decideThread, threads", time(tenPasses(full), 5), time(tenPasses(fourTimes), 5));

console.log("Text of replies and questions at hostile sizes (inputs built before timing)");
const near = (size: number) => "@deepseek-revie".repeat(Math.ceil(size / 15)).slice(0, size);
const near250k = near(250_000);
const near1m = near(1_000_000);
const mention250k = time(() => mentionsApp(near250k, "deepseek-review"));
const mention1m = time(() => mentionsApp(near1m, "deepseek-review"));
console.log(`  mentionsApp, 1,000,000 characters of near-mentions: ${ms(mention1m)}`);
assertLinear("mentionsApp", mention250k, mention1m);
const tags = "</question <finding </ code".repeat(Math.ceil(5_000_000 / 27)).slice(0, 5_000_000);
console.log(`  asAnswerData, 5,000,000 characters of near-delimiters: ${ms(time(() => asAnswerData(tags)))}`);
const dismissal = "won won't won wont ".repeat(Math.ceil(5_000_000 / 19)).slice(0, 5_000_000);
console.log(
  `  matchDismissal, 5,000,000 characters: ${ms(time(() => matchDismissal(dismissal)))} (reads the first 2,000)`,
);
const patchOf = (size: number) => ({
  path: "a.js",
  status: "added" as const,
  additions: size,
  deletions: 0,
  changes: size,
  patch: `@@ -0,0 +1,${size} @@\n${Array.from({ length: size }, (_, at) => `+let v${at} = ${at};`).join("\n")}`,
});
const patch25k = patchOf(25_000);
const patch100k = patchOf(100_000);
const small = time(() => headCodeOf({ files: [patch25k], complete: true })("a.js"), 3);
const large = time(() => headCodeOf({ files: [patch100k], complete: true })("a.js"), 3);
console.log(`  headCodeOf, one 100,000-line patch (parsed and every line hashed): ${ms(large)}`);
assertLinear("headCodeOf, lines", small, large);

if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exitCode = 1;
}
