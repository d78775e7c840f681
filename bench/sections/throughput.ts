import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Figure, MB, median } from "../lib/figures.js";
import { generatedDiff } from "../lib/generate-diffs.js";
import { CACHE_DIR, labelOf, loadRealDiff, REAL_DIFFS } from "../lib/real-diffs.js";

const CHILD = fileURLToPath(new URL("../lib/throughput-child.mjs", import.meta.url));

/**
 * 1. Pipeline throughput: parse → skip → mask → chunk → prompt on the real diffs and a generated 100,000-line diff,
 * each in a fresh process (`node bench/lib/throughput-child.mjs`: the built pipeline, planning on the app's warmed
 * planning worker, prompts built on the main thread), median of `runs` runs, each in its own process (peak RSS: the highest). No file is skipped for its size and no
 * budget cuts the plan: the whole diff is planned. Peak RSS is the process's (both threads).
 */
export async function runThroughput(params: { runs: number }): Promise<Figure[]> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const inputs = [
    ...REAL_DIFFS.map((diff) => ({ label: labelOf(diff), files: loadRealDiff(diff), target: false })),
    { label: "generated 100,000 lines", files: generatedDiff(100_000), target: true },
  ];
  const figures: Figure[] = [];
  for (const input of inputs) {
    const path = join(CACHE_DIR, `throughput-${input.label.replace(/\W+/g, "-")}.json`);
    writeFileSync(path, JSON.stringify(input.files));
    // One fresh process per run: the planning worker remembers the token counts of the pieces it has seen, so a
    // second plan of the same diff in one process would be faster than a first plan ever is.
    const result = {
      times: [] as number[],
      cpuTimes: [] as number[],
      peakRss: 0,
      rssLoaded: 0,
      changedLines: 0,
      chunks: 0,
      diffTokens: 0,
    };
    for (let run = 0; run < params.runs; run += 1) {
      const output = execFileSync(process.execPath, [CHILD, path, "1"], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
      });
      const one = JSON.parse(output.trim().split("\n").at(-1) as string) as {
        times: number[];
        cpuTimes: number[];
        changedLines: number;
        chunks: number;
        diffTokens: number;
        peakRss: number;
        rssLoaded: number;
      };
      result.times.push(...one.times);
      result.cpuTimes.push(...one.cpuTimes);
      result.peakRss = Math.max(result.peakRss, one.peakRss);
      result.rssLoaded = Math.max(result.rssLoaded, one.rssLoaded);
      ({ changedLines: result.changedLines, chunks: result.chunks, diffTokens: result.diffTokens } = one);
    }
    const ms = median(result.times);
    const note = `${result.changedLines.toLocaleString("en-US")} changed lines, ${result.chunks} chunks, ${result.diffTokens.toLocaleString("en-US")} diff tokens; runs ${result.times.map((t) => Math.round(t)).join(", ")} ms wall, ${result.cpuTimes.map((t) => Math.round(t)).join(", ")} ms CPU (both threads)`;
    console.log(`  ${input.label}: ${note}`);
    figures.push(
      {
        name: `${input.label}: planning + prompts`,
        value: ms,
        unit: "ms",
        ...(input.target ? { target: { op: "<" as const, value: 2_000 } } : {}),
        note,
      },
      { name: `${input.label}: throughput`, value: result.changedLines / (ms / 1000), unit: "lines/s" },
      {
        name: `${input.label}: peak RSS (planning worker + main thread)`,
        value: result.peakRss / MB,
        unit: "MB",
        ...(input.target ? { target: { op: "<" as const, value: 300 } } : {}),
        note: `${Math.round(result.rssLoaded / MB)} MB once the tokenizer and secret rules are loaded`,
      },
    );
  }
  return figures;
}
