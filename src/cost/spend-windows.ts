import type { LimitReached } from "./limit-reached.js";

/** Dollars and model calls. */
export interface Spend {
  usd: number;
  calls: number;
}

/** Who a review's spending counts against: its repository and, when known, its GitHub App installation. */
export interface SpendScope {
  /** "owner/name". */
  repository: string;
  installation?: number;
}

/** One hourly or daily ceiling on the dollars or calls of every repository, or of every installation. */
export interface SpendCeiling {
  scope: "repository" | "installation";
  unit: keyof Spend;
  window: "hour" | "day";
  ceiling: number;
  /** The environment variable that sets it, named in the note on the pull request. */
  setting: string;
}

/** What is left of one ceiling for one scope, and when its window starts again. */
export interface CeilingState extends SpendCeiling {
  left: number;
  resetsAt: Date;
}

/** Spending held for a review in flight: it counts against every ceiling of its scope until charged or released. */
export interface SpendHold {
  /** Holds `amount` more, if every ceiling has room for it; otherwise holds nothing more and names the ceiling. */
  extend(amount: Spend, now: Date): Promise<LimitReached | undefined>;
  /** Records spending that happened at `at` (in the windows of that time); the hold shrinks by as much. */
  charge(spent: Spend, at: Date): Promise<void>;
  /** Gives back what is left of the hold. */
  release(): Promise<void>;
}

/**
 * Hourly and daily ceilings on model calls and dollars, per repository and per installation. A review reserves
 * what its plan may cost before its first call, and its meter charges each response as it arrives. This in-process
 * implementation is the default; a durable store (one row per scope and window, one per hold) can back the same
 * interface so that every instance of the app shares the counts.
 */
export interface SpendWindows {
  /** Holds `amount` against every ceiling of `scope`, or names the first ceiling it does not fit (with what is left). */
  reserve(
    scope: SpendScope,
    amount: Spend,
    now: Date,
  ): Promise<{ hold: SpendHold } | { reached: LimitReached }>;
  /** What is left of each ceiling of `scope` at `now`. */
  remaining(scope: SpendScope, now: Date): Promise<CeilingState[]>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WINDOW_MS: Record<SpendCeiling["window"], number> = { hour: HOUR_MS, day: DAY_MS };

interface Counter extends Spend {
  /** Start of the window counted (ms since the epoch, UTC). */
  start: number;
}

interface ScopeState {
  windows: Record<SpendCeiling["window"], Counter>;
  /** Held by reviews in flight, counted against every window. */
  held: Spend;
}

/**
 * Ceilings counted in this process, in fixed UTC windows (the clock hour, the UTC day): a count starts again at
 * the top of each hour and at midnight UTC, so a note can say exactly when. A burst across a boundary may spend up
 * to twice a ceiling within one sliding hour; the per-review ceiling bounds each review on its own.
 */
export function createSpendWindows(ceilings: readonly SpendCeiling[]): SpendWindows {
  const counts = new ScopeCounts();
  const ceilingsOf = (scope: SpendScope) =>
    ceilings.flatMap((ceiling) => {
      const key = keyOf(ceiling.scope, scope);
      return key === undefined ? [] : [{ ceiling, key }];
    });
  const statesOf = (scope: SpendScope, now: number): CeilingState[] =>
    ceilingsOf(scope).map(({ ceiling, key }) => ({
      ...ceiling,
      left: ceiling.ceiling - counts.used(key, ceiling, now),
      resetsAt: new Date(windowStart(now, ceiling.window) + WINDOW_MS[ceiling.window]),
    }));
  /** The first ceiling `amount` does not fit, if any (a rounding error's worth of room is no excess). */
  const firstExceeded = (scope: SpendScope, amount: Spend, now: number) =>
    statesOf(scope, now).find((state) => amount[state.unit] > 0 && amount[state.unit] > state.left + 1e-12);

  return {
    async reserve(scope, amount, now) {
      const exceeded = firstExceeded(scope, amount, now.getTime());
      if (exceeded !== undefined) {
        return {
          reached: {
            ...toReached(exceeded),
            estimate: { needed: amount[exceeded.unit], left: exceeded.left },
          },
        };
      }
      const keys = [...new Set(ceilingsOf(scope).map(({ key }) => key))];
      const hold = new Hold(counts, keys);
      hold.add(amount, now.getTime());
      return {
        hold: {
          async extend(more, at) {
            const over = firstExceeded(scope, more, at.getTime());
            if (over !== undefined) return toReached(over);
            hold.add(more, at.getTime());
            return undefined;
          },
          charge: async (spent, at) => hold.charge(spent, at.getTime()),
          release: async () => hold.release(),
        },
      };
    },
    async remaining(scope, now) {
      return statesOf(scope, now.getTime());
    },
  };
}

/** Each scope's counts in the current hour and day, and what reviews in flight hold. */
class ScopeCounts {
  readonly #states = new Map<string, ScopeState>();
  #swept = 0;

  /** Spent in the ceiling's current window, plus everything held. */
  used(key: string, ceiling: SpendCeiling, now: number): number {
    const state = this.#state(key, now);
    return current(state, ceiling.window, now)[ceiling.unit] + state.held[ceiling.unit];
  }

  hold(key: string, amount: Spend, now: number): void {
    const { held } = this.#state(key, now);
    held.usd += amount.usd;
    held.calls += amount.calls;
  }

  unhold(key: string, amount: Spend): void {
    const state = this.#states.get(key);
    if (state === undefined) return;
    state.held.usd = Math.max(0, state.held.usd - amount.usd);
    state.held.calls = Math.max(0, state.held.calls - amount.calls);
  }

  spend(key: string, spent: Spend, at: number): void {
    const state = this.#state(key, at);
    for (const window of ["hour", "day"] as const) {
      const count = current(state, window, at);
      count.usd += spent.usd;
      count.calls += spent.calls;
    }
  }

  #state(key: string, now: number): ScopeState {
    if (now - this.#swept > HOUR_MS) this.#sweep(now);
    let state = this.#states.get(key);
    if (state === undefined) {
      state = {
        windows: { hour: counter(now, "hour"), day: counter(now, "day") },
        held: { usd: 0, calls: 0 },
      };
      this.#states.set(key, state);
    }
    return state;
  }

  /** Forgets scopes with nothing held and nothing counted today, so the map holds the day's scopes only. */
  #sweep(now: number): void {
    this.#swept = now;
    const today = windowStart(now, "day");
    for (const [key, state] of this.#states) {
      if (state.held.usd === 0 && state.held.calls === 0 && state.windows.day.start < today)
        this.#states.delete(key);
    }
  }
}

/** One review's hold on the counts of its scopes. */
class Hold {
  readonly #held: Spend = { usd: 0, calls: 0 };

  constructor(
    readonly counts: ScopeCounts,
    readonly keys: readonly string[],
  ) {}

  add(amount: Spend, now: number): void {
    for (const key of this.keys) this.counts.hold(key, amount, now);
    this.#held.usd += amount.usd;
    this.#held.calls += amount.calls;
  }

  /** Spending comes out of the hold first: what it covers is no longer held, and all of it is counted. */
  charge(spent: Spend, at: number): void {
    this.#unhold({
      usd: Math.min(this.#held.usd, spent.usd),
      calls: Math.min(this.#held.calls, spent.calls),
    });
    for (const key of this.keys) this.counts.spend(key, spent, at);
  }

  release(): void {
    this.#unhold({ ...this.#held });
  }

  #unhold(amount: Spend): void {
    for (const key of this.keys) this.counts.unhold(key, amount);
    this.#held.usd -= amount.usd;
    this.#held.calls -= amount.calls;
  }
}

function keyOf(kind: SpendCeiling["scope"], scope: SpendScope): string | undefined {
  if (kind === "repository") return `repository:${scope.repository.toLowerCase()}`;
  return scope.installation === undefined ? undefined : `installation:${scope.installation}`;
}

function toReached(state: CeilingState): LimitReached {
  return {
    scope: state.scope,
    unit: state.unit,
    ceiling: state.ceiling,
    setting: state.setting,
    window: state.window,
    resetsAt: state.resetsAt,
  };
}

function windowStart(time: number, window: SpendCeiling["window"]): number {
  return Math.floor(time / WINDOW_MS[window]) * WINDOW_MS[window];
}

function counter(time: number, window: SpendCeiling["window"]): Counter {
  return { start: windowStart(time, window), usd: 0, calls: 0 };
}

/** The scope's count for the window containing `time`, started afresh when that window is newer. */
function current(state: ScopeState, window: SpendCeiling["window"], time: number): Counter {
  const start = windowStart(time, window);
  if (state.windows[window].start < start) state.windows[window] = counter(time, window);
  return state.windows[window];
}
