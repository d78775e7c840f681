import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { type Figure, formatTarget, formatValue, meets } from "./figures.js";

/** The figures of one section of a run. */
export interface SectionResult {
  id: string;
  title: string;
  /** The command that measured them. */
  command: string;
  date: string;
  /** The 1-minute load average before → after the section. */
  load: string;
  figures: Figure[];
  /** Machine and Node.js version it ran on. */
  machine?: string;
}

const JSON_PATH = fileURLToPath(new URL("../results.json", import.meta.url));
const MD_PATH = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
const ORDER = ["throughput", "wall", "economics", "ack", "dollars", "memory", "lag", "hostile"];

/** The machine, as RESULTS.md states it. */
export function machine(): { summary: string; load: string } {
  const cpu = cpus();
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  return {
    summary:
      `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM ` +
      `(${(freemem() / 2 ** 30).toFixed(1)} GiB free), Linux ${release()}, Node.js ${process.version}, load average ${load}`,
    load: load.split(" ")[0] ?? "",
  };
}

/**
 * Merges the sections into bench/results.json (a section run again replaces its earlier figures) and writes
 * bench/RESULTS.md from it. Returns the Markdown file's path.
 */
export function writeResults(sections: SectionResult[], command: string): string {
  const stored: Record<string, SectionResult> = existsSync(JSON_PATH)
    ? (JSON.parse(readFileSync(JSON_PATH, "utf8")) as Record<string, SectionResult>)
    : {};
  const summary = machine().summary;
  for (const section of sections) stored[section.id] = { ...section, machine: summary };
  writeFileSync(JSON_PATH, `${JSON.stringify(stored, null, 2)}\n`);
  const ordered = ORDER.flatMap((id) => stored[id] ?? []);
  const lines = [
    "# Benchmark results",
    "",
    "Written by `npm run bench` (bench/run.ts); every figure is this machine's, measured by the command shown with its",
    "section. Timings are medians of several runs where noise matters. Targets are issue 13's; a miss says MISSED.",
    "Each section states the machine and its 1-minute load average before → after: on a machine shared with other",
    "work (a load above the number of cores), timings are longer than the code alone would take; the throughput",
    "section gives CPU time beside wall time for that reason.",
    `Last command: \`${command}\`.`,
    "",
  ];
  for (const section of ordered) {
    lines.push(
      `## ${section.title}`,
      "",
      `Command: \`${section.command}\` — ${section.date} — ${section.machine ?? ""}; 1-min load ${section.load}.`,
      "",
      "| Figure | Value | Target |",
      "| --- | --- | --- |",
      ...section.figures.map(
        (figure) =>
          `| ${figure.name}${figure.note === undefined ? "" : ` (${figure.note})`} | ${formatValue(figure.value, figure.unit)} | ${
            figure.target === undefined
              ? ""
              : meets(figure)
                ? formatTarget(figure)
                : `**${formatTarget(figure)}**`
          } |`,
      ),
      "",
    );
  }
  writeFileSync(MD_PATH, lines.join("\n"));
  return MD_PATH;
}
