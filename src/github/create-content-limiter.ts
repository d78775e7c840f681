import { currentSlot } from "../runtime/create-slots.js";

/** At most `max` events in any `windowMs`. */
export interface RateWindow {
  max: number;
  windowMs: number;
}

/** GitHub's documented secondary limits on content creation, per app installation. */
export const CONTENT_CREATION_LIMITS: readonly RateWindow[] = [
  { max: 80, windowMs: 60_000 },
  { max: 500, windowMs: 3_600_000 },
];

export interface SlidingWindowLimiter {
  /** Resolves when one more event fits every window, and counts it. */
  acquire(): Promise<void>;
  /** Whether `acquire()` called now would wait (the windows are full, or others wait before it). */
  wouldWait(): boolean;
}

/**
 * An exact sliding-window limiter: events go through at once while every window has room, and otherwise wait
 * exactly until the oldest event leaves the window — no fixed spacing between them.
 */
export function createSlidingWindowLimiter(params: {
  windows: readonly RateWindow[];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): SlidingWindowLimiter {
  const now = params.now ?? Date.now;
  const sleep = params.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const longest = Math.max(...params.windows.map((window) => window.windowMs));
  const events: number[] = [];
  let turn = Promise.resolve();
  let waiters = 0;

  const waitMs = (at: number): number => {
    while (events.length > 0 && (events[0] as number) <= at - longest) events.shift();
    let wait = 0;
    for (const window of params.windows) {
      const inWindow = events.filter((time) => time > at - window.windowMs);
      if (inWindow.length >= window.max) {
        const oldest = inWindow[inWindow.length - window.max] as number;
        wait = Math.max(wait, oldest + window.windowMs - at);
      }
    }
    return wait;
  };

  return {
    acquire() {
      // One waiter at a time, in arrival order, so a later caller never overtakes an earlier one.
      waiters++;
      const mine = turn
        .then(async () => {
          for (let wait = waitMs(now()); wait > 0; wait = waitMs(now())) await sleep(wait);
          events.push(now());
        })
        .finally(() => {
          waiters--;
        });
      turn = mine.catch(() => undefined);
      return mine;
    },
    wouldWait() {
      return waiters > 0 || waitMs(now()) > 0;
    },
  };
}

/** The shape of a Bottleneck group that @octokit/plugin-throttling calls: `group.key(id).schedule(options, fn)`. */
export interface ThrottleGroup {
  key(id: string): { schedule<T>(options: object, task: () => Promise<T>): Promise<T> };
}

/**
 * One content-creation limiter per installation (the throttling plugin keys its groups by installation id), as a
 * group the throttling plugin can use in place of its fixed 1 s / 3 s spacing of writes.
 */
export function createContentCreationGroup(
  windows: readonly RateWindow[] = CONTENT_CREATION_LIMITS,
  options: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): ThrottleGroup {
  const limiters = new Map<string, SlidingWindowLimiter>();
  return {
    key(id) {
      let limiter = limiters.get(id);
      if (limiter === undefined) {
        limiter = createSlidingWindowLimiter({ windows, ...options });
        limiters.set(id, limiter);
      }
      const chosen = limiter;
      return {
        schedule: async (_options, task) => {
          // A job waiting for its installation's write budget gives its review slot to others meanwhile: another
          // installation's review must not wait behind this installation's rate limit.
          const slot = currentSlot();
          if (slot !== undefined && chosen.wouldWait()) await slot.suspend(() => chosen.acquire());
          else await chosen.acquire();
          return task();
        },
      };
    },
  };
}

/** A group that lets everything through: writes are already counted by the content-creation group. */
export const UNLIMITED_GROUP: ThrottleGroup = {
  key: () => ({ schedule: (_options, task) => task() }),
};
