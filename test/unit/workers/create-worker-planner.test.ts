import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTokenCounter } from "../../../src/review/count-tokens.js";
import { createMasker } from "../../../src/review/create-masker.js";
import { createSecretScanner } from "../../../src/review/create-secret-scanner.js";
import { type ChunkPlanRequest, planChunks } from "../../../src/review/plan-chunks.js";
import type { PullRequestFile } from "../../../src/review/types.js";
import { createWorkerPlanner } from "../../../src/workers/create-worker-planner.js";
import { PlanTimeoutError } from "../../../src/workers/plan-timeout-error.js";
import { addedPatch } from "../../helpers/fakes.js";

// The worker runs the TypeScript source, so it needs the same loader the app uses when run from source.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const STAND_IN = new URL("../../helpers/stand-in-plan-worker.ts", import.meta.url);

function fileOf(path: string, lines: number): PullRequestFile {
  const added = Array.from({ length: lines }, (_, i) => `const ${path.replace(/\W/g, "_")}${i} = ${i};`);
  return { path, status: "added", additions: lines, deletions: 0, changes: lines, patch: addedPatch(added) };
}

const request: ChunkPlanRequest = {
  files: [fileOf("src/a.ts", 150), fileOf("docs/b.md", 50), fileOf("src/c.ts", 10), fileOf(".env", 3)],
  pr: { title: "Add a, b and c", body: "token ghp_a1B2c3D4e5F6a1B2c3D4e5F6a1B2c3D4e5F6" },
  maxPatchBytes: 200_000,
  include: [],
  exclude: [],
  maxPrTokens: 2_500,
  maxChunkTokens: 1_500,
  model: "deepseek-v4-flash",
  proModel: "deepseek-v4-pro",
  proPaths: ["src/c.ts"],
};

const withTitle = (title: string): ChunkPlanRequest => ({ ...request, pr: { title, body: "" } });

describe("createWorkerPlanner", () => {
  let planner: ReturnType<typeof createWorkerPlanner> | undefined;
  afterEach(async () => {
    await planner?.close();
    planner = undefined;
  });

  it("plans on a worker thread exactly as on the main thread", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    const fromWorker = await planner(request);
    const deps = { countTokens: createTokenCounter(), mask: createMasker(createSecretScanner()) };
    expect(fromWorker).toEqual(await planChunks(request, deps));
    expect(fromWorker.lanes.map((lane) => lane.model)).toEqual(["deepseek-v4-flash", "deepseek-v4-pro"]);
    expect(fromWorker.overBudget.map((file) => file.path)).toEqual(["docs/b.md"]);
    expect(fromWorker.skipped.map((file) => file.path)).toEqual([".env"]);
    expect(fromWorker.pr.body).toBe("token [masked secret: GitHub token]");
  });

  it("warms the first worker before the first plan, which then starts no thread and loads nothing", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX], workers: 2 });
    expect(planner.stats()).toEqual({ started: 0, ready: 0, running: 0 });
    await planner.warm();
    // The worker says ready only after it has loaded the tokenizer and run the secret rules once.
    expect(planner.stats()).toEqual({ started: 1, ready: 1, running: 1 });
    expect(await planner(request)).toEqual(await planner(request));
    expect(planner.stats()).toEqual({ started: 1, ready: 1, running: 1 });
  });

  it("starts a second worker only while plans overlap, and stops it once idle; the first stays", async () => {
    planner = createWorkerPlanner({
      execArgv: ["--import", TSX],
      workerUrl: STAND_IN,
      workers: 2,
      idleMs: 300,
    });
    await planner.warm();
    const titles = await Promise.all(
      ["a", "b", "c"].map(async (title) => (await planner?.(withTitle(title)))?.pr.title),
    );
    expect(titles).toEqual(["a", "b", "c"]);
    expect(planner.stats()).toMatchObject({ started: 2, running: 2 });
    await vi.waitFor(() => expect(planner?.stats().running).toBe(1), { timeout: 5_000, interval: 50 });
    expect((await planner(withTitle("d"))).pr.title).toBe("d");
    expect(planner.stats()).toMatchObject({ started: 2, running: 1 });
  });

  it("starts the first worker's successor at once when it is stopped, so it is warm before the next plan", async () => {
    planner = createWorkerPlanner({
      execArgv: ["--import", TSX],
      workerUrl: STAND_IN,
      workers: 1,
      timeoutMs: 1_500,
    });
    await planner.warm();
    expect(planner.stats()).toEqual({ started: 1, ready: 1, running: 1 });
    await expect(planner(withTitle("spin"))).rejects.toBeInstanceOf(PlanTimeoutError);
    expect(planner.stats()).toMatchObject({ started: 2, running: 1 });
    await planner.warm();
    expect((await planner(withTitle("after"))).pr.title).toBe("after");
    expect(planner.stats()).toEqual({ started: 2, ready: 2, running: 1 });
  });

  it("rejects when planning fails, and keeps working afterwards", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    await expect(planner({ ...request, maxChunkTokens: 0 })).rejects.toThrow(/^Chunk planning failed: /);
    expect((await planner(request)).kept).toHaveLength(2);
  });

  describe("with several plans at once", () => {
    it("answers each plan with its own result", async () => {
      planner = createWorkerPlanner({ execArgv: ["--import", TSX], workerUrl: STAND_IN, workers: 2 });
      const plans = await Promise.all(["a", "b", "c", "d", "e"].map((title) => planner?.(withTitle(title))));
      expect(plans.map((plan) => plan?.pr.title)).toEqual(["a", "b", "c", "d", "e"]);
    });

    it("lets other plans finish while one is stuck, then stops the stuck one at the time limit", async () => {
      planner = createWorkerPlanner({
        execArgv: ["--import", TSX],
        workerUrl: STAND_IN,
        workers: 2,
        timeoutMs: 4_000,
      });
      const order: string[] = [];
      const stuck = planner(withTitle("spin")).then(
        () => order.push("spin answered"),
        (error: unknown) => {
          order.push(error instanceof PlanTimeoutError ? "spin timed out" : "spin failed");
          expect((error as PlanTimeoutError).timeoutMs).toBe(4_000);
        },
      );
      const others = ["a", "b", "c"].map((title) =>
        planner?.(withTitle(title)).then(() => order.push(title)),
      );
      await Promise.all([stuck, ...others]);
      expect(order).toEqual(["a", "b", "c", "spin timed out"]);
    });

    it("replaces a stopped worker: the next plan is answered", async () => {
      planner = createWorkerPlanner({
        execArgv: ["--import", TSX],
        workerUrl: STAND_IN,
        workers: 1,
        timeoutMs: 1_500,
      });
      await expect(planner(withTitle("spin"))).rejects.toBeInstanceOf(PlanTimeoutError);
      expect((await planner(withTitle("after"))).pr.title).toBe("after");
    });

    it("fails a request that cannot be sent to a worker, and answers the next", async () => {
      planner = createWorkerPlanner({ execArgv: ["--import", TSX], workerUrl: STAND_IN, workers: 1 });
      const unsendable = { ...withTitle("x"), exclude: [() => "a function"] } as unknown as ChunkPlanRequest;
      await expect(planner(unsendable)).rejects.toThrow(/could not be cloned/);
      expect((await planner(withTitle("next"))).pr.title).toBe("next");
    });

    it("fails only the plan whose worker crashed", async () => {
      planner = createWorkerPlanner({ execArgv: ["--import", TSX], workerUrl: STAND_IN, workers: 1 });
      const crashed = planner(withTitle("crash"));
      const next = planner(withTitle("next"));
      await expect(crashed).rejects.toThrow("stand-in worker crashed");
      expect((await next).pr.title).toBe("next");
    });
  });

  it("says the plan timed out in a message that names the setting", () => {
    expect(new PlanTimeoutError(60_000).message).toBe(
      "Planning the pull request took longer than 60 s (REVIEW_PLAN_TIMEOUT_MS): it is too expensive to plan, so it was not reviewed",
    );
  });
});
