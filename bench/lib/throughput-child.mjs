// One throughput measurement in a fresh process, so that its peak resident memory is its own: the built pipeline
// (dist/) plans a pull request as the app does — select, parse, mask, render, count, budget, chunk on the planning
// worker thread, warmed first — and the main thread builds every request's prompt, `runs` times. Prints one JSON
// line. Run by bench/sections/throughput.ts:
//   node bench/lib/throughput-child.mjs <files.json> <runs>
import { readFileSync } from "node:fs";
import { buildMessages } from "../../dist/review/build-prompt.js";
import { createWorkerPlanner } from "../../dist/workers/create-worker-planner.js";

const [input, runsArg] = process.argv.slice(2);
const files = JSON.parse(readFileSync(input, "utf8"));
const runs = Number(runsArg ?? 3);
const plan = createWorkerPlanner({ workers: 1 });
const request = {
  files,
  pr: { title: "A pull request", body: "What it changes." },
  // Everything is planned: no file skipped for its size, no budget cut (the pipeline's cost on the whole diff).
  maxPatchBytes: 1e9,
  include: [],
  exclude: [],
  maxPrTokens: 1e9,
  maxChunkTokens: 12_000,
  model: "deepseek-v4-flash",
  proModel: "deepseek-v4-pro",
  proPaths: [],
};
// Loading the tokenizer and secret rules is start-up (warm-up), not planning.
await plan.warm();
const rssLoaded = readStatus().now;
const times = [];
const cpuTimes = [];
let result;
for (let run = 0; run < runs; run += 1) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const planned = await plan(request);
  let promptChars = 0;
  let chunks = 0;
  for (const lane of planned.lanes) {
    for (const chunk of lane.chunks) {
      chunks += 1;
      for (const message of buildMessages({ pr: planned.pr, chunk })) promptChars += message.content.length;
    }
  }
  times.push(performance.now() - started);
  const used = process.cpuUsage(cpu);
  cpuTimes.push((used.user + used.system) / 1000);
  result = {
    chunks,
    promptChars,
    diffTokens: planned.lanes.reduce((sum, lane) => sum + lane.chunks.reduce((s, c) => s + c.tokens, 0), 0),
    kept: planned.kept.length,
    skipped: planned.skipped.length,
  };
}
const changedLines = files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
console.log(
  JSON.stringify({ ...result, times, cpuTimes, changedLines, rssLoaded, peakRss: readStatus().peak }),
);
await plan.close();

function readStatus() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { now: kb("VmRSS"), peak: kb("VmHWM") };
}
