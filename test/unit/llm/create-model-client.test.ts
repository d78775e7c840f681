import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { createModelClient } from "../../../src/llm/create-model-client.js";
import { AnswerBrokeOffError, ModelRequestError } from "../../../src/llm/errors.js";
import { promptTokenBound } from "../../../src/llm/prompt-token-bound.js";
import type { ModelRequest } from "../../../src/llm/types.js";

const BASE_URL = "https://deepseek.test";
const API_KEY = "sk-test-0123456789abcdef";

function readFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/llm/${name}`, import.meta.url), "utf8"));
}

const request: ModelRequest = {
  model: "deepseek-v4-flash",
  messages: [
    { role: "system", content: "You review code. Answer in json." },
    { role: "user", content: "Review this diff." },
  ],
  maxTokens: 4096,
  temperature: 0,
};

function createClient(maxRetries = 0, timeoutMs = 5_000) {
  return createModelClient({ apiKey: API_KEY, baseURL: BASE_URL, timeoutMs, maxRetries });
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("createModelClient", () => {
  describe("complete", () => {
    it("sends a JSON-mode request with thinking disabled and the API key as a bearer token", async () => {
      let sentBody: unknown;
      let sentAuthorization: unknown;
      nock(BASE_URL)
        .matchHeader("authorization", (value) => {
          sentAuthorization = value;
          return true;
        })
        .post("/chat/completions", (body) => {
          sentBody = body;
          return true;
        })
        .reply(200, readFixture("answer-valid.json"));

      await createClient().complete(request);

      expect(sentBody).toEqual({
        model: "deepseek-v4-flash",
        messages: [
          { role: "system", content: "You review code. Answer in json." },
          { role: "user", content: "Review this diff." },
        ],
        max_tokens: 4096,
        temperature: 0,
        response_format: { type: "json_object" },
        stream: false,
        thinking: { type: "disabled" },
      });
      expect(sentAuthorization).toBe(`Bearer ${API_KEY}`);
    });

    it("returns the content, the finish reason and DeepSeek's cache usage", async () => {
      nock(BASE_URL).post("/chat/completions").reply(200, readFixture("answer-valid.json"));

      const response = await createClient().complete(request);

      expect(response).toEqual({
        content:
          '{"findings":[{"path":"src/math.ts","line":12,"severity":"major","title":"Division by zero when the list is empty","body":"`average([])` divides by `items.length`, which is 0, and returns NaN."}]}',
        finishReason: "stop",
        usage: { promptCacheHitTokens: 4096, promptCacheMissTokens: 1024, completionTokens: 186 },
      });
    });

    it("reads cached_tokens as hits and the rest of the prompt as misses when the cache fields are absent", async () => {
      nock(BASE_URL).post("/chat/completions").reply(200, readFixture("answer-without-cache-fields.json"));

      const response = await createClient().complete(request);

      expect(response.usage).toEqual({
        promptCacheHitTokens: 2048,
        promptCacheMissTokens: 952,
        completionTokens: 12,
      });
    });

    it("counts the whole prompt as misses when no cache information is given at all", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(200, {
          choices: [{ index: 0, message: { role: "assistant", content: "{}" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 700, completion_tokens: 5, total_tokens: 705 },
        });

      const response = await createClient().complete(request);

      expect(response.usage).toEqual({
        promptCacheHitTokens: 0,
        promptCacheMissTokens: 700,
        completionTokens: 5,
      });
    });

    it.each([
      ["a blank answer", "answer-blank.json", "   \n  ", "stop"],
      [
        "a non-JSON answer",
        "answer-not-json.json",
        'Here is my review in JSON:\n```json\n{"findings": []}\n```',
        "stop",
      ],
      [
        "a cut-off answer",
        "answer-cut-off.json",
        '{"findings":[{"path":"src/math.ts","line":12,"severity":"major","title":"Division by zero when the list is empty","body":"`average([])` divides by',
        "length",
      ],
    ])("passes %s through unchanged", async (_name, fixture, content, finishReason) => {
      nock(BASE_URL).post("/chat/completions").reply(200, readFixture(fixture));

      const response = await createClient().complete(request);

      expect(response.content).toBe(content);
      expect(response.finishReason).toBe(finishReason);
    });

    it("returns an empty content when the answer has no choices", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(200, {
          choices: [],
          usage: {
            prompt_tokens: 10,
            completion_tokens: 0,
            prompt_cache_hit_tokens: 0,
            prompt_cache_miss_tokens: 10,
          },
        });

      const response = await createClient().complete(request);

      expect(response).toEqual({
        content: "",
        finishReason: "",
        usage: { promptCacheHitTokens: 0, promptCacheMissTokens: 10, completionTokens: 0 },
      });
    });

    it("returns an empty content when the message content is null", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(200, {
          choices: [
            { index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter" },
          ],
          usage: {
            prompt_tokens: 10,
            completion_tokens: 0,
            prompt_cache_hit_tokens: 4,
            prompt_cache_miss_tokens: 6,
          },
        });

      const response = await createClient().complete(request);

      expect(response.content).toBe("");
      expect(response.finishReason).toBe("content_filter");
    });

    it("rejects a body that is not a chat completion with a request error", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(200, "<html>proxy login</html>", { "content-type": "text/html" });

      const error = await catchError(createClient().complete(request));

      expect(error).toBeInstanceOf(ModelRequestError);
      expect(error).toMatchObject({ retryable: false, userMessage: "DeepSeek sent an unexpected response" });
    });
  });

  describe("when DeepSeek answers with an error status", () => {
    it.each([
      [400, false, "DeepSeek rejected the request as invalid"],
      [401, false, "DeepSeek rejected the API key"],
      [402, false, "the DeepSeek balance is exhausted"],
      [403, false, "DeepSeek refused access to the model"],
      [404, false, "DeepSeek does not know the model or the address"],
      [408, true, "DeepSeek did not answer in time"],
      [409, true, "DeepSeek request failed (HTTP 409)"],
      [422, false, "DeepSeek rejected the request as invalid"],
      [429, true, "DeepSeek rate limit"],
      [500, true, "DeepSeek server error"],
      [503, true, "DeepSeek server error"],
    ])(
      "maps HTTP %i to a request error with retryable %s and the message %j",
      async (status, retryable, userMessage) => {
        nock(BASE_URL)
          .post("/chat/completions")
          .reply(status, { error: { message: "Something went wrong", type: "error", code: null } });

        const error = await catchError(createClient().complete(request));

        expect(error).toBeInstanceOf(ModelRequestError);
        expect(error).toMatchObject({ status, retryable, userMessage, usage: [] });
      },
    );

    it("keeps DeepSeek's explanation of an invalid request in the message", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(400, {
          error: { message: "Prompt must contain the word 'json'", type: "invalid_request_error" },
        });

      const error = await catchError(createClient().complete(request));

      expect((error as Error).message).toBe(
        "DeepSeek answered HTTP 400: Prompt must contain the word 'json'",
      );
    });

    it("never repeats the API key from an authentication error", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(401, {
          error: { message: `Incorrect API key provided: ${API_KEY}`, type: "authentication_error" },
        });

      const error = await catchError(createClient().complete(request));

      expect((error as Error).message).toBe("DeepSeek answered HTTP 401");
      expect(JSON.stringify(error)).not.toContain(API_KEY);
    });
  });

  // nock 15 cannot fake these with fetch (`replyWithError` never settles; `delay` plus abort crashes undici),
  // so these tests hand the client a stand-in `fetch`.
  describe("when the connection fails", () => {
    it("reports a retryable request error naming the socket error", async () => {
      const refusingFetch: typeof fetch = async () => {
        const socketError = Object.assign(new Error("connect ECONNREFUSED 203.0.113.7:443"), {
          code: "ECONNREFUSED",
        });
        throw new TypeError("fetch failed", { cause: socketError });
      };
      const client = createModelClient({
        apiKey: API_KEY,
        baseURL: BASE_URL,
        timeoutMs: 5_000,
        maxRetries: 0,
        fetch: refusingFetch,
      });

      const error = await catchError(client.complete(request));

      expect(error).toBeInstanceOf(ModelRequestError);
      expect(error).toMatchObject({
        message: "DeepSeek connection failed: connect ECONNREFUSED 203.0.113.7:443 (ECONNREFUSED)",
        retryable: true,
        userMessage: "DeepSeek did not answer in time",
      });
      expect((error as ModelRequestError).status).toBeUndefined();
    });

    it("reports a timeout as a retryable request error", async () => {
      const silentFetch: typeof fetch = (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        });
      const client = createModelClient({
        apiKey: API_KEY,
        baseURL: BASE_URL,
        timeoutMs: 50,
        maxRetries: 0,
        fetch: silentFetch,
      });

      const error = await catchError(client.complete(request));

      expect(error).toBeInstanceOf(ModelRequestError);
      expect(error).toMatchObject({
        message: "DeepSeek request timed out",
        retryable: true,
        userMessage: "DeepSeek did not answer in time",
      });
    });
  });

  describe("with maxRetries 1", () => {
    it("succeeds when a 503 is followed by an answer", async () => {
      nock(BASE_URL)
        .post("/chat/completions")
        .reply(503, { error: { message: "Service overloaded" } }, { "retry-after-ms": "1" })
        .post("/chat/completions")
        .reply(200, readFixture("answer-valid.json"));

      const response = await createClient(1).complete(request);

      expect(response.finishReason).toBe("stop");
      expect(response.usage).toEqual({
        promptCacheHitTokens: 4096,
        promptCacheMissTokens: 1024,
        completionTokens: 186,
      });
    });
  });
});

describe("createModelClient retries", () => {
  /** A client whose waits are recorded instead of slept. */
  function createRecordingClient(maxRetries: number, maxRetryAfterMs?: number) {
    const waits: number[] = [];
    const client = createModelClient({
      apiKey: API_KEY,
      baseURL: BASE_URL,
      timeoutMs: 5_000,
      maxRetries,
      ...(maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs }),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    return { client, waits };
  }

  const overloaded = { error: { message: "Server overloaded" } };

  it("waits out a retry-after of 90 s, which the openai SDK would replace by its own backoff", async () => {
    nock(BASE_URL)
      .post("/chat/completions")
      .reply(429, overloaded, { "retry-after": "90" })
      .post("/chat/completions")
      .reply(200, readFixture("answer-valid.json"));
    const { client, waits } = createRecordingClient(2);

    const response = await client.complete(request);

    expect(response.finishReason).toBe("stop");
    expect(waits).toEqual([90_000]);
  });

  it("reads retry-after as an HTTP date", async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    nock(BASE_URL)
      .post("/chat/completions")
      .reply(503, overloaded, { "retry-after": at })
      .post("/chat/completions")
      .reply(200, readFixture("answer-valid.json"));
    const { client, waits } = createRecordingClient(1);

    await client.complete(request);

    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(27_000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
  });

  it("prefers retry-after-ms to retry-after", async () => {
    nock(BASE_URL)
      .post("/chat/completions")
      .reply(429, overloaded, { "retry-after-ms": "1500", "retry-after": "20" })
      .post("/chat/completions")
      .reply(200, readFixture("answer-valid.json"));
    const { client, waits } = createRecordingClient(1);

    await client.complete(request);

    expect(waits).toEqual([1_500]);
  });

  it("fails at once, saying how long, when DeepSeek asks to wait longer than maxRetryAfterMs", async () => {
    nock(BASE_URL).post("/chat/completions").reply(429, overloaded, { "retry-after": "300" });
    const { client, waits } = createRecordingClient(2, 120_000);

    const error = await catchError(client.complete(request));

    expect(waits).toEqual([]);
    expect(error).toBeInstanceOf(ModelRequestError);
    expect(error).toMatchObject({
      status: 429,
      retryable: false,
      userMessage: "DeepSeek asked to wait 300 s, longer than the app waits (120 s)",
      message:
        "DeepSeek answered HTTP 429; DeepSeek asked to wait 300 s, more than DEEPSEEK_MAX_RETRY_AFTER_MS (120000 ms)",
    });
  });

  it("backs off exponentially with jitter when no wait is asked for, and stops after maxRetries", async () => {
    nock(BASE_URL).post("/chat/completions").times(3).reply(500, overloaded);
    const { client, waits } = createRecordingClient(2);

    const error = await catchError(client.complete(request));

    expect(error).toMatchObject({ status: 500, userMessage: "DeepSeek server error" });
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(375);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(750);
    expect(waits[1]).toBeLessThanOrEqual(1_000);
  });

  it("does not retry an answer that broke off: it was billed, and is thrown with its estimated usage", async () => {
    nock(BASE_URL)
      .post("/chat/completions")
      .reply(200, '{"id":"chatcmpl-1","choices":[', { "content-type": "application/json" });
    const { client, waits } = createRecordingClient(2);

    const error = await catchError(client.complete(request));

    expect(error).toBeInstanceOf(AnswerBrokeOffError);
    expect(waits).toEqual([]);
    expect(error).toMatchObject({
      retryable: true,
      userMessage: "DeepSeek's answer broke off in transit",
      usage: [
        {
          promptCacheHitTokens: 0,
          promptCacheMissTokens: promptTokenBound(request.messages),
          completionTokens: request.maxTokens,
          estimated: true,
        },
      ],
    });
  });

  it("estimates and marks the usage of an answer that reports none", async () => {
    nock(BASE_URL)
      .post("/chat/completions")
      .reply(200, {
        choices: [
          { index: 0, message: { role: "assistant", content: '{"findings":[]}' }, finish_reason: "stop" },
        ],
      });
    const { client } = createRecordingClient(0);

    const response = await client.complete(request);

    expect(response.usage).toEqual({
      promptCacheHitTokens: 0,
      promptCacheMissTokens: promptTokenBound(request.messages),
      completionTokens: '{"findings":[]}'.length,
      estimated: true,
    });
  });
});

describe("promptTokenBound", () => {
  it("counts every UTF-8 byte as a token, plus the chat template's tokens", () => {
    const ascii = promptTokenBound([{ role: "user", content: "abcd" }]);
    const supplementary = promptTokenBound([{ role: "user", content: "\u{F0000}" }]);

    expect(supplementary - ascii).toBe(0);
    expect(
      promptTokenBound([{ role: "user", content: "é" }]) - promptTokenBound([{ role: "user", content: "" }]),
    ).toBe(2);
  });
});
