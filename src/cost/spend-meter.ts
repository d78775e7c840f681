import { ModelError } from "../llm/errors.js";
import { promptTokenBound } from "../llm/prompt-token-bound.js";
import type { ModelClient, ModelRequest, ModelResponse, Usage } from "../llm/types.js";
import { computeCost, computeHighestCost, sumUsage } from "./compute-cost.js";
import { CallRefusedError, type LimitReached } from "./limit-reached.js";
import type { PriceTable } from "./prices.js";
import type { Spend, SpendHold, SpendScope, SpendWindows } from "./spend-windows.js";

/** A review's own ceilings; 0 or absent: none. */
export interface ReviewLimits {
  /** `REVIEW_MAX_COST_USD`. */
  maxCostUsd?: number;
  /** `REVIEW_MAX_CALLS_PER_REVIEW`. */
  maxCalls?: number;
}

/** One call the review's plan will make at least: its model, its prompt and the output it may get. */
export interface PlannedCall {
  model: string;
  promptTokens: number;
  maxOutputTokens: number;
}

/** Requests, tokens and dollars of one model in a review. */
export interface ModelCost {
  model: string;
  requests: number;
  usage: Usage;
  costUsd: number;
}

/** One model's spend as flat fields, the shape the outcome line and the ledger both record. */
export function flattenModelCost(one: ModelCost) {
  return {
    model: one.model,
    requests: one.requests,
    promptCacheHitTokens: one.usage.promptCacheHitTokens,
    promptCacheMissTokens: one.usage.promptCacheMissTokens,
    completionTokens: one.usage.completionTokens,
    costUsd: one.costUsd,
  };
}

/** What was spent, as a ledger row keeps it (`LedgerEntry`'s spend fields); zero when nothing was metered. */
export function ledgerSpend(totals: SpendTotals | undefined) {
  return {
    models: (totals?.models ?? []).map(flattenModelCost),
    requests: totals?.requests ?? 0,
    promptCacheHitTokens: totals?.usage.promptCacheHitTokens ?? 0,
    promptCacheMissTokens: totals?.usage.promptCacheMissTokens ?? 0,
    completionTokens: totals?.usage.completionTokens ?? 0,
    costUsd: totals?.costUsd ?? 0,
  };
}

/** What a review spent so far. */
export interface SpendTotals {
  /** Billed answers, broken ones included. */
  requests: number;
  usage: Usage;
  costUsd: number;
  /** Per model, in the order of the plan's lanes. */
  models: ModelCost[];
  /** Answers whose usage DeepSeek did not report, counted at the app's upper bound. */
  estimatedRequests: number;
  /** The first limit that refused a call, if one did. */
  limitReached?: LimitReached;
}

/**
 * Counts and bounds what one review spends. Every call goes through `wrap`: before it is sent it must fit the
 * review's ceilings and the windows' (counting the worst case of every call in flight), and every billed answer
 * is priced at the time it arrived and charged as it arrives.
 */
export interface SpendMeter {
  wrap(client: ModelClient): ModelClient;
  /**
   * Before the first call: what the plan may cost (every prompt token a cache miss, every answer `max_tokens`
   * long) must fit the review's ceilings and what is left in the windows, where it is then held. When it does not
   * fit, every call of the review is refused with the limit, and the limit is returned.
   */
  admitPlan(calls: readonly PlannedCall[]): Promise<LimitReached | undefined>;
  totals(): SpendTotals;
  /** Gives back to the windows what the review held and did not spend. */
  close(): Promise<void>;
}

export interface SpendMeterParams {
  prices: PriceTable;
  limits?: ReviewLimits;
  windows?: { store: SpendWindows; scope: SpendScope };
  now?: () => Date;
}

interface ModelSpend {
  requests: number;
  usages: Usage[];
  costUsd: number;
}

export function createSpendMeter(params: SpendMeterParams): SpendMeter {
  return new Meter(params);
}

class Meter implements SpendMeter {
  readonly #params: SpendMeterParams;
  readonly #now: () => Date;
  readonly #byModel = new Map<string, ModelSpend>();
  #spentUsd = 0;
  #requests = 0;
  /** Calls sent and not yet answered, with the most each can cost. */
  readonly #inFlight: Spend = { usd: 0, calls: 0 };
  /** What the windows hold for this review. */
  readonly #held: Spend = { usd: 0, calls: 0 };
  #hold: SpendHold | undefined;
  #windowQueue: Promise<unknown> = Promise.resolve();
  #refusal: LimitReached | undefined;
  #firstReached: LimitReached | undefined;

  constructor(params: SpendMeterParams) {
    this.#params = params;
    this.#now = params.now ?? (() => new Date());
  }

  wrap(client: ModelClient): ModelClient {
    return { complete: (request) => this.#complete(client, request) };
  }

  async admitPlan(calls: readonly PlannedCall[]): Promise<LimitReached | undefined> {
    const at = this.#now();
    for (const call of calls) this.#modelSpend(call.model);
    const usd = calls.reduce((sum, call) => sum + this.#planCost(call, at), 0);
    const reached =
      this.#planOverReviewLimits({ usd, calls: calls.length }) ??
      (await this.#serially(() => this.#holdMore({ usd, calls: calls.length }, at)));
    if (reached !== undefined) this.#refusal = this.#reached(reached);
    return reached;
  }

  totals(): SpendTotals {
    const models = [...this.#byModel].map(([model, spend]) => ({
      model,
      requests: spend.requests,
      usage: sumUsage(spend.usages),
      costUsd: spend.costUsd,
    }));
    const usages = [...this.#byModel.values()].flatMap((spend) => spend.usages);
    return {
      requests: this.#requests,
      usage: sumUsage(usages),
      costUsd: this.#spentUsd,
      models,
      estimatedRequests: usages.filter((usage) => usage.estimated === true).length,
      ...(this.#firstReached === undefined ? {} : { limitReached: this.#firstReached }),
    };
  }

  async close(): Promise<void> {
    await this.#hold?.release();
    this.#held.usd = 0;
    this.#held.calls = 0;
  }

  async #complete(client: ModelClient, request: ModelRequest): Promise<ModelResponse> {
    if (this.#refusal !== undefined) throw new CallRefusedError(this.#refusal);
    const worst: Spend = { usd: this.#highestCost(request), calls: 1 };
    const overReview = this.#callOverReviewLimits(worst.usd);
    if (overReview !== undefined) throw new CallRefusedError(this.#reached(overReview));
    this.#inFlight.usd += worst.usd;
    this.#inFlight.calls += 1;
    try {
      const overWindow = await this.#holdForCallsInFlight();
      if (overWindow !== undefined) throw new CallRefusedError(this.#reached(overWindow));
      const response = await client.complete(request);
      await this.#charge(request.model, [response.usage]);
      return response;
    } catch (error) {
      // An answer that arrived and broke off was billed: its estimated usage rides on the error.
      if (error instanceof ModelError && !(error instanceof CallRefusedError) && error.usage.length > 0) {
        await this.#charge(request.model, error.usage);
      }
      throw error;
    } finally {
      this.#inFlight.usd -= worst.usd;
      this.#inFlight.calls -= 1;
    }
  }

  /** Makes the windows hold enough for every call in flight; the limit in the way, if one is. */
  async #holdForCallsInFlight(): Promise<LimitReached | undefined> {
    const reached = await this.#serially(() =>
      this.#holdMore(
        {
          usd: Math.max(0, this.#inFlight.usd - this.#held.usd),
          calls: Math.max(0, this.#inFlight.calls - this.#held.calls),
        },
        this.#now(),
      ),
    );
    if (reached === undefined) return undefined;
    // Refused while running: the note names the ceiling, not one call's worst case.
    const { estimate: _, ...running } = reached;
    return running;
  }

  /** Asks the windows to hold `amount` more for this review; the limit in the way, if one is. */
  async #holdMore(amount: Spend, at: Date): Promise<LimitReached | undefined> {
    const windows = this.#params.windows;
    if (windows === undefined || (amount.usd === 0 && amount.calls === 0)) return undefined;
    let reached: LimitReached | undefined;
    if (this.#hold === undefined) {
      const reserved = await windows.store.reserve(windows.scope, amount, at);
      if ("hold" in reserved) this.#hold = reserved.hold;
      else reached = reserved.reached;
    } else {
      reached = await this.#hold.extend(amount, at);
    }
    if (reached === undefined) {
      this.#held.usd += amount.usd;
      this.#held.calls += amount.calls;
    }
    return reached;
  }

  /** Runs window requests one after another, so that two first calls never make two holds. */
  #serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#windowQueue.then(task);
    this.#windowQueue = result.catch(() => undefined);
    return result;
  }

  async #charge(model: string, usages: readonly Usage[]): Promise<void> {
    const at = this.#now();
    const spend = this.#modelSpend(model);
    let usd = 0;
    for (const usage of usages) usd += computeCost({ usage, model, at, prices: this.#params.prices });
    spend.requests += usages.length;
    spend.usages.push(...usages);
    spend.costUsd += usd;
    this.#requests += usages.length;
    this.#spentUsd += usd;
    if (this.#hold !== undefined) {
      const spent: Spend = { usd, calls: usages.length };
      this.#held.usd = Math.max(0, this.#held.usd - spent.usd);
      this.#held.calls = Math.max(0, this.#held.calls - spent.calls);
      await this.#hold.charge(spent, at);
    }
  }

  #planOverReviewLimits(plan: Spend): LimitReached | undefined {
    const { maxCalls, maxCostUsd } = this.#params.limits ?? {};
    if (isCeiling(maxCalls) && plan.calls > maxCalls) {
      return { ...reviewCalls(maxCalls), estimate: { needed: plan.calls, left: maxCalls } };
    }
    if (isCeiling(maxCostUsd) && plan.usd > maxCostUsd) {
      return { ...reviewUsd(maxCostUsd), estimate: { needed: plan.usd, left: maxCostUsd } };
    }
    return undefined;
  }

  #callOverReviewLimits(worstUsd: number): LimitReached | undefined {
    const { maxCalls, maxCostUsd } = this.#params.limits ?? {};
    if (isCeiling(maxCalls) && this.#requests + this.#inFlight.calls + 1 > maxCalls)
      return reviewCalls(maxCalls);
    if (isCeiling(maxCostUsd) && this.#spentUsd + this.#inFlight.usd + worstUsd > maxCostUsd) {
      return reviewUsd(maxCostUsd);
    }
    return undefined;
  }

  /** The first limit reached is kept for the job's outcome line. */
  #reached(reached: LimitReached): LimitReached {
    this.#firstReached ??= reached;
    return reached;
  }

  #modelSpend(model: string): ModelSpend {
    let spend = this.#byModel.get(model);
    if (spend === undefined) {
      spend = { requests: 0, usages: [], costUsd: 0 };
      this.#byModel.set(model, spend);
    }
    return spend;
  }

  #planCost(call: PlannedCall, at: Date): number {
    const usage = {
      promptCacheHitTokens: 0,
      promptCacheMissTokens: call.promptTokens,
      completionTokens: call.maxOutputTokens,
    };
    return computeCost({ usage, model: call.model, at, prices: this.#params.prices });
  }

  /** The most this request can cost: `promptTokenBound` all cache misses, `max_tokens` of output, highest rates. */
  #highestCost(request: ModelRequest): number {
    const usage = {
      promptCacheHitTokens: 0,
      promptCacheMissTokens: promptTokenBound(request.messages),
      completionTokens: request.maxTokens,
    };
    return computeHighestCost({ usage, model: request.model, prices: this.#params.prices });
  }
}

function isCeiling(value: number | undefined): value is number {
  return value !== undefined && value > 0;
}

function reviewCalls(ceiling: number): LimitReached {
  return { scope: "review", unit: "calls", ceiling, setting: "REVIEW_MAX_CALLS_PER_REVIEW" };
}

function reviewUsd(ceiling: number): LimitReached {
  return { scope: "review", unit: "usd", ceiling, setting: "REVIEW_MAX_COST_USD" };
}
