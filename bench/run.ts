/**
 * npm run bench — every speed, cost and memory claim as a figure beside its target (issue 13), written to
 * bench/RESULTS.md with the machine, Node.js version, date and exact commands. Not part of `npm test`. No request
 * leaves the machine except `npm pack` of the real diffs on the first run (cached in bench/.cache).
 *
 *   npm run bench                         every section
 *   npm run bench -- --only ack,memory    some sections (their results replace those sections' in RESULTS.md)
 *   npm run bench -- --runs 5             runs per timing figure (median; default 3)
 *   npm run bench -- --no-write           print only
 *
 * Exits 1 when a target is missed or a hostile-input linearity bound does not hold.
 */
import { parseArgs } from "node:util";
import { runEventLoopLag } from "./event-loop-lag.js";
import { runHostileInputBench } from "./hostile-input.js";
import { buildDist } from "./lib/bench-app.js";
import { type Figure, formatTarget, formatValue, meets } from "./lib/figures.js";
import { machine, type SectionResult, writeResults } from "./lib/results.js";
import { runAck } from "./sections/ack.js";
import { runDollars } from "./sections/dollars.js";
import { runEconomics } from "./sections/economics.js";
import { runMemory } from "./sections/memory.js";
import { runThroughput } from "./sections/throughput.js";
import { runWallTime } from "./sections/wall-time.js";

interface Section {
  id: string;
  title: string;
  /** Needs dist/ (runs `node dist/main.js` or the built pipeline). */
  built: boolean;
  run: (options: { runs: number }) => Promise<Figure[]>;
}

const SECTIONS: Section[] = [
  { id: "throughput", title: "1. Pipeline throughput", built: true, run: runThroughput },
  { id: "wall", title: "2. Review wall time against its lower bound", built: true, run: runWallTime },
  { id: "economics", title: "3. Prompt economics", built: false, run: runEconomics },
  { id: "ack", title: "4. Webhook acknowledgement", built: true, run: runAck },
  { id: "dollars", title: "5. Dollars per 1,000 changed lines", built: false, run: runDollars },
  { id: "memory", title: "6. Memory of the app process", built: true, run: runMemory },
  { id: "lag", title: "Event-loop delay while planning", built: false, run: runEventLoopLag },
  {
    id: "hostile",
    title: "Hostile input (linearity)",
    built: false,
    run: async () => {
      const failures = await runHostileInputBench();
      return [{ name: "linearity bounds missed", value: failures, unit: "", target: { op: "<=", value: 0 } }];
    },
  },
];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    runs: { type: "string", default: "3" },
    "no-write": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(
    `usage: npm run bench -- [--only ${SECTIONS.map((s) => s.id).join(",")}] [--runs N] [--no-write]`,
  );
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number of at least 1, got ${values.runs}`);
  process.exit(2);
}
const wanted = values.only?.split(",").map((id) => id.trim()) ?? SECTIONS.map((section) => section.id);
const unknown = wanted.filter((id) => !SECTIONS.some((section) => section.id === id));
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(", ")}; known: ${SECTIONS.map((s) => s.id).join(", ")}`);
  process.exit(2);
}
const selected = SECTIONS.filter((section) => wanted.includes(section.id));
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;

console.log(`${machine().summary}\n`);
if (selected.some((section) => section.built)) {
  console.log("building dist/ (npm run build)");
  buildDist();
}
const results: SectionResult[] = [];
let missed = 0;
for (const section of selected) {
  console.log(`\n## ${section.title}`);
  const started = new Date();
  const loadBefore = machine().load;
  let figures: Figure[];
  try {
    figures = await section.run({ runs });
  } catch (error) {
    console.error(error);
    figures = [
      {
        name: `the section failed: ${(error as Error).message}`,
        value: 1,
        unit: "",
        target: { op: "<=", value: 0 },
      },
    ];
  }
  for (const figure of figures) {
    if (!meets(figure)) missed += 1;
    const target = formatTarget(figure);
    console.log(
      `${figure.name}: ${formatValue(figure.value, figure.unit)}${target === "" ? "" : `  (${target})`}`,
    );
  }
  results.push({
    id: section.id,
    title: section.title,
    command:
      section.id === "hostile" || selected.length === 1
        ? command
        : `npm run bench -- --only ${section.id} --runs ${runs}`,
    date: started.toISOString(),
    load: `${loadBefore} → ${machine().load}`,
    figures,
  });
}
if (!values["no-write"]) {
  const path = writeResults(results, command);
  console.log(`\nwrote ${path}`);
}
console.log(missed === 0 ? "\nEvery target met." : `\n${missed} target(s) MISSED (see above).`);
if (missed > 0) process.exitCode = 1;
