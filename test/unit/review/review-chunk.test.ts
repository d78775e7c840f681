import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import { InvalidAnswerError, ModelRequestError } from "../../../src/llm/errors.js";
import type { ModelClient } from "../../../src/llm/types.js";
import { chunkDiff } from "../../../src/review/chunk-diff.js";
import {
  MAX_CALLS_PER_CHUNK,
  mergeFailures,
  type ReviewChunkParams,
  reviewChunk,
} from "../../../src/review/review-chunk.js";
import type { Chunk } from "../../../src/review/types.js";
import {
  addedPatch,
  answerWith,
  createRecordingLogger,
  createScriptedModel,
  cutOffAnswer,
  filesOf,
  noLimit,
  proseAnswer,
  type RecordingLogger,
  usageOfCall,
} from "../../helpers/fakes.js";
import { renderChunkFile } from "../../helpers/render-chunk.js";

/** One chunk holding every file given as `path → lines of a new file`. */
function chunkOf(files: Record<string, string[]>): Chunk {
  const diffs = Object.entries(files).map(([path, lines]) => parsePatch({ path, patch: addedPatch(lines) }));
  const [chunk, ...rest] = chunkDiff({
    files: diffs.map((diff) => renderChunkFile(diff)),
    maxTokens: 100_000,
  });
  if (chunk === undefined || rest.length > 0) throw new Error("expected exactly one chunk");
  return chunk;
}

function paramsFor(params: {
  chunk: Chunk;
  model: ModelClient;
  log: RecordingLogger;
  splitsLeft?: number;
}): ReviewChunkParams {
  return {
    chunk: params.chunk,
    pr: { title: "Add two helpers", body: "" },
    model: params.model,
    modelId: "deepseek-v4-flash",
    maxOutputTokens: 4_096,
    temperature: 0.1,
    limit: noLimit,
    log: params.log,
    ...(params.splitsLeft === undefined ? {} : { splitsLeft: params.splitsLeft }),
  };
}

function finding(path: string, line: number, title: string) {
  return { path, line, severity: "major", title, body: `${title}, explained.` };
}

const TWO_FILES = {
  "src/a.ts": ["const a = 1;", "const b = 2;"],
  "src/b.ts": ["const c = 3;", "const d = 4;"],
};

describe("mergeFailures", () => {
  it.each([
    { failures: [], merged: [] },
    {
      failures: [{ paths: ["a.ts"], reason: "cut off", retryable: false }],
      merged: [{ paths: ["a.ts"], reason: "cut off", retryable: false }],
    },
    {
      failures: [
        { paths: ["a.ts"], reason: "cut off", retryable: false },
        { paths: ["a.ts", "b.ts"], reason: "cut off", retryable: false },
        { paths: ["c.ts"], reason: "refused", retryable: false },
        { paths: ["b.ts"], reason: "cut off", retryable: false },
      ],
      merged: [
        { paths: ["a.ts", "b.ts"], reason: "cut off", retryable: false },
        { paths: ["c.ts"], reason: "refused", retryable: false },
      ],
    },
    {
      failures: [
        { paths: ["a.ts"], reason: "refused", retryable: false },
        { paths: ["a.ts"], reason: "cut off", retryable: false },
      ],
      merged: [
        { paths: ["a.ts"], reason: "refused", retryable: false },
        { paths: ["a.ts"], reason: "cut off", retryable: false },
      ],
    },
  ])("merges $failures.length failures into $merged.length", ({ failures, merged }) => {
    expect(mergeFailures(failures)).toEqual(merged);
  });
});

describe("reviewChunk", () => {
  describe("when the answer for the whole chunk is cut off", () => {
    it("splits at once, asks about each half and returns the findings of both", async () => {
      const log = createRecordingLogger();
      const model = createScriptedModel((request, call) => {
        const files = filesOf(request).join(",");
        if (files === "src/a.ts,src/b.ts") return cutOffAnswer(usageOfCall(call));
        if (files === "src/a.ts")
          return answerWith([finding("src/a.ts", 1, "First half")], usageOfCall(call));
        if (files === "src/b.ts")
          return answerWith([finding("src/b.ts", 2, "Second half")], usageOfCall(call));
        throw new Error(`unexpected files ${files}`);
      });

      const review = await reviewChunk(paramsFor({ chunk: chunkOf(TWO_FILES), model, log }));

      expect(model.requests.map(filesOf)).toEqual([["src/a.ts", "src/b.ts"], ["src/a.ts"], ["src/b.ts"]]);
      expect(review).toEqual({
        findings: [
          {
            path: "src/a.ts",
            line: 1,
            severity: "major",
            title: "First half",
            body: "First half, explained.",
          },
          {
            path: "src/b.ts",
            line: 2,
            severity: "major",
            title: "Second half",
            body: "Second half, explained.",
          },
        ],
        usage: [usageOfCall(1), usageOfCall(2), usageOfCall(3)],
        failures: [],
        answered: 2,
      });
      expect(log.withMessage("answer cut off; splitting the chunk")).toEqual([
        {
          level: "warn",
          obj: { paths: ["src/a.ts", "src/b.ts"], tokens: expect.any(Number) },
          msg: "answer cut off; splitting the chunk",
        },
      ]);
    });
  });

  describe("when every answer is cut off", () => {
    it.each([
      { lines: 4, splitsLeft: undefined, limit: "single lines", calls: 1 + 2 + 4 },
      { lines: 4, splitsLeft: 1, limit: "1 split", calls: 1 + 2 },
      { lines: 4, splitsLeft: 0, limit: "no split", calls: 1 },
      // 16 lines would need 4 halvings; the default allows 2, so a chunk cut off every time costs 7 calls.
      { lines: 16, splitsLeft: undefined, limit: "2 splits", calls: 1 + 2 + 4 },
    ])(
      "fails $lines lines after $calls calls, split down to $limit",
      async ({ lines, splitsLeft, calls }) => {
        const half = Array.from({ length: lines / 2 }, (_, index) => `const v${index} = ${index};`);
        const log = createRecordingLogger();
        const model = createScriptedModel((_request, call) => cutOffAnswer(usageOfCall(call)));

        const review = await reviewChunk(
          paramsFor({
            chunk: chunkOf({ "src/a.ts": half, "src/b.ts": half }),
            model,
            log,
            ...(splitsLeft === undefined ? {} : { splitsLeft }),
          }),
        );

        expect(model.requests).toHaveLength(calls);
        // The halves are asked concurrently, so their usage comes in piece order, not call order.
        const byCall = [...review.usage].sort((a, b) => a.completionTokens - b.completionTokens);
        expect(byCall).toEqual(Array.from({ length: calls }, (_, index) => usageOfCall(index + 1)));
        expect({ ...review, usage: [] }).toEqual({
          findings: [],
          usage: [],
          failures: [
            {
              paths: ["src/a.ts", "src/b.ts"],
              reason: "the model's answer was cut off even for the smallest piece",
              retryable: false,
            },
          ],
          answered: 0,
        });
      },
    );
  });

  describe("when more halvings are allowed than calls", () => {
    it(`makes no more than ${MAX_CALLS_PER_CHUNK} calls and names the pieces it could not ask about`, async () => {
      const lines = Array.from({ length: 8 }, (_, index) => `const v${index} = ${index};`);
      const log = createRecordingLogger();
      const model = createScriptedModel((_request, call) => cutOffAnswer(usageOfCall(call)));

      const review = await reviewChunk(
        paramsFor({ chunk: chunkOf({ "src/a.ts": lines, "src/b.ts": lines }), model, log, splitsLeft: 4 }),
      );

      expect(model.requests).toHaveLength(MAX_CALLS_PER_CHUNK);
      expect(review.usage).toHaveLength(MAX_CALLS_PER_CHUNK);
      expect(review.answered).toBe(0);
      expect(review.failures.map((failure) => failure.reason)).toContain(
        "this part of the diff reached its ceiling of 7 model calls",
      );
      expect(review.failures.flatMap((failure) => failure.paths).sort()).toEqual(["src/a.ts", "src/b.ts"]);
    });

    it("counts re-asks of unusable answers against the same bound", async () => {
      const log = createRecordingLogger();
      // The whole chunk: prose, prose, then cut off (3 calls); each half: prose every time (3 calls each, 9 in all).
      const model = createScriptedModel((request, call) =>
        filesOf(request).length === 2 && call === 3
          ? cutOffAnswer(usageOfCall(call))
          : proseAnswer(usageOfCall(call)),
      );

      const review = await reviewChunk(paramsFor({ chunk: chunkOf(TWO_FILES), model, log }));

      expect(model.requests).toHaveLength(MAX_CALLS_PER_CHUNK);
      expect(review.answered).toBe(0);
      // The halves are asked side by side, so both run out of calls before their third answer.
      expect(review.failures).toEqual([
        {
          paths: ["src/a.ts", "src/b.ts"],
          reason: "this part of the diff reached its ceiling of 7 model calls",
          retryable: false,
        },
      ]);
    });
  });

  describe("when one half of a split chunk is answered and the other is refused", () => {
    it("returns the answered half's findings and the other half's failure", async () => {
      const log = createRecordingLogger();
      const model = createScriptedModel((request, call) => {
        const files = filesOf(request).join(",");
        if (files === "src/a.ts") return answerWith([], usageOfCall(call));
        if (files === "src/b.ts") {
          return new ModelRequestError({
            message: "DeepSeek answered HTTP 402",
            userMessage: "the DeepSeek balance is exhausted",
            retryable: false,
            status: 402,
          });
        }
        return cutOffAnswer(usageOfCall(call));
      });

      const review = await reviewChunk(paramsFor({ chunk: chunkOf(TWO_FILES), model, log }));

      expect(review).toEqual({
        findings: [],
        usage: [usageOfCall(1), usageOfCall(2)],
        failures: [{ paths: ["src/b.ts"], reason: "the DeepSeek balance is exhausted", retryable: false }],
        answered: 1,
      });
    });
  });

  describe("when DeepSeek rejects the API key", () => {
    it("fails the chunk with the plain reason and asks only once", async () => {
      const log = createRecordingLogger();
      const model = createScriptedModel([
        new ModelRequestError({
          message: "DeepSeek answered HTTP 401",
          userMessage: "DeepSeek rejected the API key",
          retryable: false,
          status: 401,
        }),
      ]);

      const review = await reviewChunk(paramsFor({ chunk: chunkOf(TWO_FILES), model, log }));

      expect(model.requests).toHaveLength(1);
      expect(review).toEqual({
        findings: [],
        usage: [],
        failures: [
          { paths: ["src/a.ts", "src/b.ts"], reason: "DeepSeek rejected the API key", retryable: false },
        ],
        answered: 0,
      });
      expect(log.withMessage("chunk not reviewed")).toEqual([
        {
          level: "warn",
          obj: {
            paths: ["src/a.ts", "src/b.ts"],
            err: { name: "ModelRequestError", message: "DeepSeek answered HTTP 401" },
          },
          msg: "chunk not reviewed",
        },
      ]);
    });
  });

  describe("when the answer is not JSON three times", () => {
    it("fails the chunk and keeps the usage of all three attempts", async () => {
      const log = createRecordingLogger();
      const model = createScriptedModel((_request, call) => proseAnswer(usageOfCall(call)));

      const review = await reviewChunk(paramsFor({ chunk: chunkOf(TWO_FILES), model, log }));

      expect(review).toEqual({
        findings: [],
        usage: [usageOfCall(1), usageOfCall(2), usageOfCall(3)],
        failures: [
          {
            paths: ["src/a.ts", "src/b.ts"],
            reason: "the model did not return a usable answer",
            retryable: false,
          },
        ],
        answered: 0,
      });
      expect(log.withMessage("chunk not reviewed")[0]?.obj).toEqual({
        paths: ["src/a.ts", "src/b.ts"],
        err: {
          name: "InvalidAnswerError",
          message: new InvalidAnswerError({ problems: ["not JSON", "not JSON", "not JSON"], usage: [] })
            .message,
        },
      });
    });
  });

  describe("when some findings are malformed", () => {
    it("drops each one with a warning that quotes none of its text", async () => {
      const log = createRecordingLogger();
      const model = createScriptedModel([
        answerWith([
          finding("src/a.ts", 1, "Kept first"),
          {
            path: "src/a.ts",
            line: "the second one",
            severity: "major",
            title: "Leaks hunter2",
            body: "password = 'hunter2'",
          },
          { path: "src/b.ts", line: 2, severity: "blocker", title: "Calls eval", body: "eval(userInput)" },
          finding("src/b.ts", 1, "Kept last"),
        ]),
      ]);

      const review = await reviewChunk(paramsFor({ chunk: chunkOf(TWO_FILES), model, log }));

      expect(review.findings.map((one) => one.title)).toEqual(["Kept first", "Kept last"]);
      expect(log.withMessage("finding dropped")).toEqual([
        {
          level: "warn",
          obj: {
            paths: ["src/a.ts", "src/b.ts"],
            index: 1,
            reason: "line: Invalid input: expected number, received string",
          },
          msg: "finding dropped",
        },
        {
          level: "warn",
          obj: {
            paths: ["src/a.ts", "src/b.ts"],
            index: 2,
            reason: 'severity: Invalid option: expected one of "critical"|"major"|"minor"|"nit"',
          },
          msg: "finding dropped",
        },
      ]);
      const logged = JSON.stringify(log.entries);
      for (const text of ["hunter2", "Leaks", "eval", "userInput"]) expect(logged).not.toContain(text);
    });
  });
});
