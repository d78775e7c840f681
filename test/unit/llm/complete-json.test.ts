import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { completeJson } from "../../../src/llm/complete-json.js";
import {
  AnswerBrokeOffError,
  InvalidAnswerError,
  ModelRequestError,
  TruncatedAnswerError,
} from "../../../src/llm/errors.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "../../../src/llm/types.js";
import type { Logger } from "../../../src/runtime/types.js";

const request: ModelRequest = {
  model: "deepseek-v4-flash",
  messages: [{ role: "user", content: "Review this diff. Answer in json." }],
  maxTokens: 1000,
  temperature: 0,
};

const answerSchema = z.object({ findings: z.array(z.string()) });
const parse = (value: unknown) => answerSchema.parse(value);

function usageOf(completionTokens: number): Usage {
  return { promptCacheHitTokens: 100, promptCacheMissTokens: 20, completionTokens };
}

type Step = Omit<ModelResponse, "usage"> | Error;

/** A model client that plays back `steps` in order; the n-th answer used n completion tokens. */
function createScriptedClient(steps: Step[]): ModelClient & { calls: ModelRequest[] } {
  const calls: ModelRequest[] = [];
  return {
    calls,
    async complete(sent) {
      calls.push(sent);
      const step = steps[calls.length - 1];
      if (step === undefined) {
        throw new Error(`unexpected call ${calls.length}`);
      }
      if (step instanceof Error) {
        throw step;
      }
      return { ...step, usage: usageOf(calls.length) };
    },
  };
}

function createLogger() {
  return {
    debug: vi.fn<Logger["debug"]>(),
    info: vi.fn<Logger["info"]>(),
    warn: vi.fn<Logger["warn"]>(),
    error: vi.fn<Logger["error"]>(),
  };
}

const valid = { content: '{"findings":["a"]}', finishReason: "stop" };
const blank = { content: "   \n  ", finishReason: "stop" };
const notJson = { content: "Here is my review: {findings: []}", finishReason: "stop" };
const wrongShape = { content: '{"findings":"none"}', finishReason: "stop" };
const cutOff = { content: '{"findings":["a', finishReason: "length" };

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("completeJson", () => {
  it("returns the parsed answer of the first attempt when it is valid", async () => {
    const client = createScriptedClient([valid]);

    const result = await completeJson({ client, request, parse });

    expect(result).toEqual({ value: { findings: ["a"] }, usage: [usageOf(1)], attempts: 1 });
    expect(client.calls).toEqual([request]);
  });

  it("asks again after a blank answer and keeps the usage of both attempts", async () => {
    const client = createScriptedClient([blank, valid]);
    const log = createLogger();

    const result = await completeJson({ client, request, parse, log });

    expect(result).toEqual({ value: { findings: ["a"] }, usage: [usageOf(1), usageOf(2)], attempts: 2 });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(
      { attempt: 1, reason: "blank" },
      "unusable model answer, asking again",
    );
  });

  it("asks again when the answer has the wrong shape", async () => {
    const client = createScriptedClient([wrongShape, valid]);

    const result = await completeJson({ client, request, parse });

    expect(result.attempts).toBe(2);
    expect(result.value).toEqual({ findings: ["a"] });
  });

  it.each(["content_filter", "insufficient_system_resource"])(
    "asks again when the finish reason is %s",
    async (finishReason) => {
      const client = createScriptedClient([{ content: '{"findings":[]}', finishReason }, valid]);
      const log = createLogger();

      const result = await completeJson({ client, request, parse, log });

      expect(result).toEqual({ value: { findings: ["a"] }, usage: [usageOf(1), usageOf(2)], attempts: 2 });
      expect(log.warn).toHaveBeenCalledWith(
        { attempt: 1, reason: finishReason },
        "unusable model answer, asking again",
      );
    },
  );

  it("throws InvalidAnswerError with every attempt's usage after three non-JSON answers", async () => {
    const client = createScriptedClient([notJson, notJson, notJson]);
    const log = createLogger();

    const error = await catchError(completeJson({ client, request, parse, log }));

    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect(error).toMatchObject({
      message: "DeepSeek gave no usable answer in 3 attempt(s): not JSON, not JSON, not JSON",
      problems: ["not JSON", "not JSON", "not JSON"],
      usage: [usageOf(1), usageOf(2), usageOf(3)],
      retryable: false,
    });
    expect(client.calls).toHaveLength(3);
    expect(log.warn.mock.calls).toEqual([
      [{ attempt: 1, reason: "not JSON" }, "unusable model answer, asking again"],
      [{ attempt: 2, reason: "not JSON" }, "unusable model answer, asking again"],
    ]);
  });

  it("throws TruncatedAnswerError after the first cut-off answer, never asking the same again", async () => {
    const client = createScriptedClient([cutOff, valid]);

    const error = await catchError(completeJson({ client, request, parse }));

    expect(error).toBeInstanceOf(TruncatedAnswerError);
    expect(error).toMatchObject({ problems: ["cut off"], usage: [usageOf(1)] });
    expect(client.calls).toHaveLength(1);
  });

  it("throws TruncatedAnswerError with every attempt's usage when a cut-off follows an unusable answer", async () => {
    const client = createScriptedClient([blank, cutOff, valid]);

    const error = await catchError(completeJson({ client, request, parse }));

    expect(error).toBeInstanceOf(TruncatedAnswerError);
    expect(error).toMatchObject({ problems: ["blank", "cut off"], usage: [usageOf(1), usageOf(2)] });
    expect(client.calls).toHaveLength(2);
  });

  it("throws TruncatedAnswerError at once when a single allowed attempt is cut off", async () => {
    const client = createScriptedClient([cutOff]);

    const error = await catchError(completeJson({ client, request, parse, maxAttempts: 1 }));

    expect(error).toBeInstanceOf(TruncatedAnswerError);
    expect(client.calls).toHaveLength(1);
  });

  it("lets a request error through with the usage of the attempts before it", async () => {
    const requestError = new ModelRequestError({
      message: "DeepSeek answered HTTP 402",
      userMessage: "the DeepSeek balance is exhausted",
      retryable: false,
      status: 402,
    });
    const client = createScriptedClient([blank, requestError]);

    const error = await catchError(completeJson({ client, request, parse }));

    expect(error).toBe(requestError);
    expect(requestError.usage).toEqual([usageOf(1)]);
    expect(requestError.status).toBe(402);
  });

  describe("when an answer breaks off in transit", () => {
    const estimate: Usage = {
      promptCacheHitTokens: 0,
      promptCacheMissTokens: 60,
      completionTokens: 1000,
      estimated: true,
    };
    const brokeOff = () =>
      new AnswerBrokeOffError({ message: "DeepSeek's answer broke off", usage: [estimate] });

    it("counts its estimated usage, backs off and asks again", async () => {
      const client = createScriptedClient([brokeOff(), valid]);
      const waits: number[] = [];
      const log = createLogger();

      const result = await completeJson({
        client,
        request,
        parse,
        log,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });

      expect(result).toEqual({ value: { findings: ["a"] }, usage: [estimate, usageOf(2)], attempts: 2 });
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(375);
      expect(waits[0]).toBeLessThanOrEqual(500);
      expect(log.warn.mock.calls).toEqual([
        [{ attempt: 1, reason: "broke off", usageEstimated: true }, "unusable model answer, asking again"],
      ]);
    });

    it("backs off longer each time and throws the last break-off with every attempt's usage", async () => {
      const client = createScriptedClient([brokeOff(), blank, brokeOff()]);
      const waits: number[] = [];

      const error = await catchError(
        completeJson({
          client,
          request,
          parse,
          sleep: async (ms) => {
            waits.push(ms);
          },
        }),
      );

      expect(error).toBeInstanceOf(AnswerBrokeOffError);
      expect(error).toMatchObject({
        userMessage: "DeepSeek's answer broke off in transit",
        usage: [estimate, usageOf(2), estimate],
      });
      expect(client.calls).toHaveLength(3);
      // After the first break-off only: a blank answer is asked again at once, and the last attempt is not followed.
      expect(waits).toHaveLength(1);
    });

    it("makes at most maxAttempts calls however often it breaks off", async () => {
      const client = createScriptedClient(Array.from({ length: 10 }, brokeOff));

      const error = await catchError(
        completeJson({ client, request, parse, maxAttempts: 4, sleep: async () => {} }),
      );

      expect(error).toBeInstanceOf(AnswerBrokeOffError);
      expect(client.calls).toHaveLength(4);
      expect((error as AnswerBrokeOffError).usage).toHaveLength(4);
    });
  });

  it("backs off before asking again when DeepSeek ran short of capacity", async () => {
    const client = createScriptedClient([
      { content: "", finishReason: "insufficient_system_resource" },
      valid,
    ]);
    const waits: number[] = [];

    await completeJson({
      client,
      request,
      parse,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    expect(waits).toHaveLength(1);
  });

  it("lets an unexpected error through unchanged", async () => {
    const bug = new TypeError("boom");
    const client = createScriptedClient([bug]);

    await expect(completeJson({ client, request, parse })).rejects.toBe(bug);
  });

  it("never logs the answer's content", async () => {
    const client = createScriptedClient([{ content: "SECRET-CODE", finishReason: "stop" }, valid]);
    const log = createLogger();

    await completeJson({ client, request, parse, log });

    expect(JSON.stringify(log.warn.mock.calls)).not.toContain("SECRET-CODE");
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses maxAttempts %s", async (maxAttempts) => {
    const client = createScriptedClient([]);

    await expect(completeJson({ client, request, parse, maxAttempts })).rejects.toThrow(RangeError);
    expect(client.calls).toHaveLength(0);
  });
});
