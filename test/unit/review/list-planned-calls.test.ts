import { describe, expect, it } from "vitest";
import { promptTokenBound } from "../../../src/llm/prompt-token-bound.js";
import { buildMessages } from "../../../src/review/build-prompt.js";
import { listPlannedCalls } from "../../../src/review/list-planned-calls.js";
import type { Chunk } from "../../../src/review/types.js";

const chunk = (tokens: number): Chunk => ({ files: [], tokens });
const pr = { title: "Tidy", body: "A description ".repeat(50) };

describe("listPlannedCalls", () => {
  it("plans one call per chunk on its lane's model: the chunk's tokens plus the bound of what every request repeats", () => {
    const fixed = promptTokenBound(buildMessages({ pr, chunk: chunk(0), instructions: "Be strict." }));

    const calls = listPlannedCalls({
      plan: {
        lanes: [
          { model: "deepseek-v4-flash", files: [], chunks: [chunk(1_000), chunk(2_000)] },
          { model: "deepseek-v4-pro", files: [], chunks: [chunk(500)] },
        ],
      },
      pr,
      settings: { maxOutputTokens: 4_096, instructions: "Be strict." },
    });

    expect(calls).toEqual([
      { model: "deepseek-v4-flash", promptTokens: fixed + 1_000, maxOutputTokens: 4_096 },
      { model: "deepseek-v4-flash", promptTokens: fixed + 2_000, maxOutputTokens: 4_096 },
      { model: "deepseek-v4-pro", promptTokens: fixed + 500, maxOutputTokens: 4_096 },
    ]);
  });
});
