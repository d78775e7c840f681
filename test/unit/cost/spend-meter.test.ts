import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeCost } from "../../../src/cost/compute-cost.js";
import { CallRefusedError } from "../../../src/cost/limit-reached.js";
import { DEFAULT_PRICES, type PriceTable } from "../../../src/cost/prices.js";
import { createSpendMeter, type PlannedCall } from "../../../src/cost/spend-meter.js";
import { createSpendWindows } from "../../../src/cost/spend-windows.js";
import { AnswerBrokeOffError } from "../../../src/llm/errors.js";
import { promptTokenBound } from "../../../src/llm/prompt-token-bound.js";
import type { ModelRequest, Usage } from "../../../src/llm/types.js";
import { createDeferred, createScriptedModel, cutOffAnswer, type ModelStep } from "../../helpers/fakes.js";

const FLASH = "deepseek-v4-flash";
const PRO = "deepseek-v4-pro";

function requestOf(model: string, promptChars: number, maxTokens = 4_096): ModelRequest {
  return {
    model,
    messages: [{ role: "user", content: "x".repeat(promptChars) }],
    maxTokens,
    temperature: 0.1,
  };
}

function usage(hit: number, miss: number, completion: number): Usage {
  return { promptCacheHitTokens: hit, promptCacheMissTokens: miss, completionTokens: completion };
}

/** The most a request can cost at Flash's default rates. */
function worstOf(request: ModelRequest): number {
  return computeCost({
    usage: usage(0, promptTokenBound(request.messages), request.maxTokens),
    model: request.model,
    at: new Date(),
    prices: DEFAULT_PRICES,
  });
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("createSpendMeter", () => {
  it("prices each answer at the time it arrives and adds it up per model in the plan's order", async () => {
    const prices: PriceTable = {
      ...DEFAULT_PRICES,
      [FLASH]: {
        cacheHit: 0.028,
        cacheMiss: 0.14,
        output: 0.28,
        windows: [{ start: "16:30", end: "00:30", cacheHit: 0.007, cacheMiss: 0.035, output: 0.07 }],
      },
    };
    let clock = new Date("2026-03-02T16:29:00Z");
    const meter = createSpendMeter({ prices, now: () => clock });
    await meter.admitPlan([
      { model: PRO, promptTokens: 10, maxOutputTokens: 10 },
      { model: FLASH, promptTokens: 10, maxOutputTokens: 10 },
    ]);
    const model = meter.wrap(
      createScriptedModel([
        { content: "{}", finishReason: "stop", usage: usage(1_000_000, 0, 0) },
        { content: "{}", finishReason: "stop", usage: usage(1_000_000, 0, 0) },
      ]),
    );

    await model.complete(requestOf(FLASH, 10));
    clock = new Date("2026-03-02T16:31:00Z");
    await model.complete(requestOf(FLASH, 10));

    const totals = meter.totals();
    expect(totals.costUsd).toBeCloseTo(0.028 + 0.007, 12);
    expect(totals.requests).toBe(2);
    expect(totals.models.map((one) => [one.model, one.requests])).toEqual([
      [PRO, 0],
      [FLASH, 2],
    ]);
  });

  it("counts an answer that broke off at its estimate, and says how many were estimated", async () => {
    const estimate: Usage = { ...usage(0, 5_000, 4_096), estimated: true };
    const meter = createSpendMeter({ prices: DEFAULT_PRICES });
    const model = meter.wrap(
      createScriptedModel([new AnswerBrokeOffError({ message: "broke off", usage: [estimate] })]),
    );

    await expect(model.complete(requestOf(FLASH, 10))).rejects.toBeInstanceOf(AnswerBrokeOffError);

    expect(meter.totals()).toMatchObject({
      requests: 1,
      usage: usage(0, 5_000, 4_096),
      estimatedRequests: 1,
      costUsd: expect.closeTo((5_000 * 0.14 + 4_096 * 0.28) / 1e6, 12),
    });
  });

  describe("with a ceiling of dollars per review", () => {
    it("refuses the plan up front when even its estimate passes the ceiling, and then every call", async () => {
      const model = createScriptedModel([]);
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCostUsd: 0.5 } });
      // 34 chunks of 12,000 diff tokens plus 11,000 of fixed prompt on Pro, 4,096 output each: about $1.85.
      const plan: PlannedCall[] = Array.from({ length: 34 }, () => ({
        model: PRO,
        promptTokens: 23_000,
        maxOutputTokens: 4_096,
      }));

      const reached = await meter.admitPlan(plan);
      const error = await catchError(meter.wrap(model).complete(requestOf(PRO, 10)));

      expect(reached).toEqual({
        scope: "review",
        unit: "usd",
        ceiling: 0.5,
        setting: "REVIEW_MAX_COST_USD",
        estimate: { needed: expect.closeTo((34 * (23_000 * 1.74 + 4_096 * 3.48)) / 1e6, 9), left: 0.5 },
      });
      expect(error).toBeInstanceOf(CallRefusedError);
      expect((error as CallRefusedError).userMessage).toBe(
        "not sent to the model: this review may cost up to $1.85, over its ceiling of $0.50 (`REVIEW_MAX_COST_USD`)",
      );
      expect(model.requests).toHaveLength(0);
      expect(meter.totals()).toMatchObject({ requests: 0, costUsd: 0, limitReached: reached });
    });

    it("refuses a call that could pass the ceiling, counting the worst case of every call in flight", async () => {
      const request = requestOf(FLASH, 40_000);
      const worst = worstOf(request);
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCostUsd: 2.5 * worst } });
      const answers = [createDeferred<ModelStep>(), createDeferred<ModelStep>()];
      const model = meter.wrap(
        createScriptedModel((_request, call) => answers[call - 1]?.promise ?? cutOffAnswer()),
      );

      const first = model.complete(request);
      const second = model.complete(request);
      const third = await catchError(model.complete(request));

      expect(third).toBeInstanceOf(CallRefusedError);
      expect((third as CallRefusedError).userMessage).toBe(
        `this review reached its ceiling of $${(2.5 * worst).toFixed(2)} (\`REVIEW_MAX_COST_USD\`)`,
      );
      answers[0]?.resolve(cutOffAnswer(usage(0, 10_000, 4_096)));
      answers[1]?.resolve(cutOffAnswer(usage(0, 10_000, 4_096)));
      await Promise.all([first, second]);
    });

    it("never lets a model that always answers at max_tokens spend past the ceiling", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 60_000 }),
          fc.integer({ min: 1, max: 8_192 }),
          fc.double({ min: 0.001, max: 0.2, noNaN: true }),
          fc.constantFrom(FLASH, PRO),
          async (promptChars, maxTokens, ceiling, modelId) => {
            const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCostUsd: ceiling } });
            // DeepSeek bills at most one token per byte: the worst answer the meter must still bound.
            const model = meter.wrap(
              createScriptedModel((request) =>
                cutOffAnswer(usage(0, promptTokenBound(request.messages), maxTokens)),
              ),
            );
            const calls = Array.from({ length: 30 }, () =>
              model.complete(requestOf(modelId, promptChars, maxTokens)).catch((error: unknown) => error),
            );
            await Promise.all(calls);
            expect(meter.totals().costUsd).toBeLessThanOrEqual(ceiling + 1e-12);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe("with a ceiling of calls per review", () => {
    it("refuses the plan when it needs more calls than the ceiling", async () => {
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCalls: 3 } });

      const reached = await meter.admitPlan(
        Array.from({ length: 4 }, () => ({ model: FLASH, promptTokens: 1, maxOutputTokens: 1 })),
      );

      expect(reached).toMatchObject({ unit: "calls", ceiling: 3, estimate: { needed: 4, left: 3 } });
    });

    it("refuses the call after the last one allowed", async () => {
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, limits: { maxCalls: 2 } });
      const scripted = createScriptedModel(() => cutOffAnswer());
      const model = meter.wrap(scripted);

      await model.complete(requestOf(FLASH, 1));
      await model.complete(requestOf(FLASH, 1));
      const error = await catchError(model.complete(requestOf(FLASH, 1)));

      expect((error as CallRefusedError).userMessage).toBe(
        "this review reached its ceiling of 2 model calls (`REVIEW_MAX_CALLS_PER_REVIEW`)",
      );
      expect(scripted.requests).toHaveLength(2);
    });
  });

  describe("with hourly and daily windows", () => {
    const scope = { repository: "octo/hello", installation: 42 };
    const now = () => new Date("2026-03-02T14:20:00Z");

    it("holds the plan's estimate while the review runs, charges what it spent, and gives back the rest", async () => {
      const windows = createSpendWindows([
        { scope: "repository", unit: "usd", window: "hour", ceiling: 2, setting: "LIMIT_REPO_USD_PER_HOUR" },
      ]);
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, windows: { store: windows, scope }, now });
      await meter.admitPlan([{ model: FLASH, promptTokens: 1_000_000, maxOutputTokens: 0 }]);
      expect((await windows.remaining(scope, now()))[0]?.left).toBeCloseTo(2 - 0.14, 12);

      await meter
        .wrap(createScriptedModel([cutOffAnswer(usage(0, 100_000, 0))]))
        .complete(requestOf(FLASH, 10));
      expect((await windows.remaining(scope, now()))[0]?.left).toBeCloseTo(2 - 0.14, 12);
      await meter.close();

      expect((await windows.remaining(scope, now()))[0]?.left).toBeCloseTo(2 - 0.014, 12);
    });

    it("refuses the review up front when its estimate does not fit what is left", async () => {
      const windows = createSpendWindows([
        {
          scope: "installation",
          unit: "calls",
          window: "day",
          ceiling: 10,
          setting: "LIMIT_INSTALLATION_CALLS_PER_DAY",
        },
      ]);
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, windows: { store: windows, scope }, now });

      const reached = await meter.admitPlan(
        Array.from({ length: 11 }, () => ({ model: FLASH, promptTokens: 1, maxOutputTokens: 1 })),
      );

      expect(reached).toMatchObject({
        scope: "installation",
        setting: "LIMIT_INSTALLATION_CALLS_PER_DAY",
        resetsAt: new Date("2026-03-03T00:00:00Z"),
        estimate: { needed: 11, left: 10 },
      });
      await expect(meter.wrap(createScriptedModel([])).complete(requestOf(FLASH, 1))).rejects.toBeInstanceOf(
        CallRefusedError,
      );
    });

    it("refuses a call past the plan when the window is full, naming the ceiling and when it resets", async () => {
      const windows = createSpendWindows([
        {
          scope: "repository",
          unit: "calls",
          window: "hour",
          ceiling: 2,
          setting: "LIMIT_REPO_CALLS_PER_HOUR",
        },
      ]);
      const meter = createSpendMeter({ prices: DEFAULT_PRICES, windows: { store: windows, scope }, now });
      await meter.admitPlan([{ model: FLASH, promptTokens: 1, maxOutputTokens: 1 }]);
      const model = meter.wrap(createScriptedModel(() => cutOffAnswer()));

      await model.complete(requestOf(FLASH, 1));
      await model.complete(requestOf(FLASH, 1));
      const error = await catchError(model.complete(requestOf(FLASH, 1)));

      expect((error as CallRefusedError).userMessage).toBe(
        "this repository reached its ceiling of 2 model calls per hour (`LIMIT_REPO_CALLS_PER_HOUR`); it resets at 2026-03-02 15:00 UTC",
      );
      expect(meter.totals().limitReached).toMatchObject({ scope: "repository", window: "hour" });
    });
  });
});
