import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import { createTokenCounter } from "../../../src/review/count-tokens.js";
import { planChunks } from "../../../src/review/plan-chunks.js";
import { createWorkerPlanner } from "../../../src/workers/create-worker-planner.js";

// The worker runs the TypeScript source, so it needs the same loader the app uses when run from source.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

function diffOf(path: string, lines: number) {
  const added = Array.from({ length: lines }, (_, i) => `+const ${path.replace(/\W/g, "_")}${i} = ${i};`);
  return parsePatch({ path, patch: `@@ -0,0 +1,${lines} @@\n${added.join("\n")}` });
}

const request = {
  diffs: [diffOf("src/a.ts", 150), diffOf("docs/b.md", 50), diffOf("src/c.ts", 10)],
  maxPrTokens: 2_500,
  maxChunkTokens: 1_500,
  model: "deepseek-v4-flash",
  proModel: "deepseek-v4-pro",
  proPaths: ["src/c.ts"],
};

describe("createWorkerPlanner", () => {
  let planner: ReturnType<typeof createWorkerPlanner> | undefined;
  afterEach(async () => {
    await planner?.close();
  });

  it("plans on a worker thread exactly as on the main thread", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    const fromWorker = await planner(request);
    expect(fromWorker).toEqual(planChunks({ ...request, countTokens: createTokenCounter() }));
    expect(fromWorker.lanes.map((lane) => lane.model)).toEqual(["deepseek-v4-flash", "deepseek-v4-pro"]);
    expect(fromWorker.overBudget.map((file) => file.path)).toEqual(["docs/b.md"]);
  });

  it("answers concurrent requests each with its own plan", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    const [one, two] = await Promise.all([
      planner({ ...request, proPaths: [] }),
      planner({ ...request, diffs: [diffOf("src/z.ts", 5)], proPaths: [] }),
    ]);
    expect(one?.kept).toEqual(["src/a.ts", "src/c.ts"]);
    expect(two?.kept).toEqual(["src/z.ts"]);
  });

  it("rejects when planning fails, and keeps working afterwards", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    await expect(planner({ ...request, maxChunkTokens: 0 })).rejects.toThrow(/^Chunk planning failed: /);
    expect((await planner(request)).kept).toHaveLength(2);
  });
});
