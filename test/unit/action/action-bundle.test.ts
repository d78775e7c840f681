import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ACTION_BUNDLE, buildAction } from "../../../scripts/build-action.js";

describe("the Action's committed bundle", () => {
  it("is what `npm run build:action` makes from the sources now (run it and commit dist/action when this fails)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deepseek-review-bundle-"));
    try {
      const fresh = join(dir, "index.js");
      await buildAction(fresh);
      const committed = readFileSync(ACTION_BUNDLE);
      const rebuilt = readFileSync(fresh);
      // Not toEqual on 10 MB: a short message says what to do.
      expect(committed.equals(rebuilt), "dist/action/index.js is stale: run npm run build:action").toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("is the entry of action.yml, on Node 24, with the inputs the README documents", () => {
    const action = parse(readFileSync(new URL("../../../action.yml", import.meta.url), "utf8")) as {
      runs: { using: string; main: string };
      inputs: Record<string, { required?: boolean }>;
      outputs: Record<string, unknown>;
    };
    expect(action.runs).toEqual({ using: "node24", main: "dist/action/index.js" });
    expect(Object.keys(action.inputs)).toEqual([
      "deepseek-api-key",
      "model",
      "config-path",
      "fail-on",
      "max-pr-tokens",
      "github-token",
    ]);
    expect(action.inputs["deepseek-api-key"]?.required).toBe(true);
    expect(Object.keys(action.outputs)).toEqual(["findings", "cost-usd", "review-id"]);
  });
});
