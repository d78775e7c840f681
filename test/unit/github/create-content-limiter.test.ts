import { describe, expect, it } from "vitest";
import {
  CONTENT_CREATION_LIMITS,
  createContentCreationGroup,
  createSlidingWindowLimiter,
} from "../../../src/github/create-content-limiter.js";

/** A clock that only moves when the limiter sleeps, recording every sleep. */
function fakeClock() {
  let time = 0;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
    advance: (ms: number) => {
      time += ms;
    },
    sleeps,
  };
}

describe("createSlidingWindowLimiter", () => {
  it("lets 80 writes through at once, then holds the 81st until the first leaves the minute", async () => {
    const clock = fakeClock();
    const limiter = createSlidingWindowLimiter({ windows: CONTENT_CREATION_LIMITS, ...clock });
    for (let i = 0; i < 80; i++) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(0);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([60_000]);
  });

  it("has no fixed spacing: writes spread over time never wait", async () => {
    const clock = fakeClock();
    const limiter = createSlidingWindowLimiter({ windows: CONTENT_CREATION_LIMITS, ...clock });
    for (let i = 0; i < 200; i++) {
      await limiter.acquire();
      clock.advance(1_000);
    }
    expect(clock.sleeps).toEqual([]);
  });

  it("holds writes past 500 in an hour until the oldest is an hour old", async () => {
    const clock = fakeClock();
    const limiter = createSlidingWindowLimiter({ windows: CONTENT_CREATION_LIMITS, ...clock });
    for (let i = 0; i < 500; i++) {
      await limiter.acquire();
      clock.advance(1_000);
    }
    // 500 writes at t = 0 s … 499 s; the 501st may go when the first is an hour old.
    await limiter.acquire();
    expect(clock.sleeps).toEqual([3_600_000 - 500_000]);
  });

  it("serves waiters in arrival order", async () => {
    const clock = fakeClock();
    const limiter = createSlidingWindowLimiter({ windows: [{ max: 1, windowMs: 10 }], ...clock });
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limiter.acquire().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([10, 10]);
  });
});

describe("createContentCreationGroup", () => {
  it("gives each installation its own budget", async () => {
    const clock = fakeClock();
    const group = createContentCreationGroup([{ max: 2, windowMs: 1_000 }], clock);
    const run = (id: string) => group.key(id).schedule({}, async () => id);
    expect(await Promise.all([run("a"), run("a"), run("b"), run("b")])).toEqual(["a", "a", "b", "b"]);
    expect(clock.sleeps).toEqual([]);
    await run("a");
    expect(clock.sleeps).toEqual([1_000]);
  });
});

describe("createContentCreationGroup inside a job's slot", () => {
  it("gives the slot to another job while a write waits for its installation's budget", async () => {
    const { createSlots } = await import("../../../src/runtime/create-slots.js");
    const slots = createSlots(1);
    let release: () => void = () => undefined;
    const budgetFreed = new Promise<void>((resolve) => {
      release = resolve;
    });
    // One write a minute for installation 1; its second write has to wait until the test frees the budget (the
    // clock moves past the window once the sleep ends).
    let time = 0;
    const group = createContentCreationGroup([{ max: 1, windowMs: 60_000 }], {
      now: () => time,
      sleep: async (ms) => {
        await budgetFreed;
        time += ms;
      },
    });
    const events: string[] = [];
    const write = (installation: string, name: string) =>
      group.key(installation).schedule({}, async () => {
        events.push(name);
      });
    await write("installation-1", "first write of 1");
    const waiting = slots.run(() => write("installation-1", "second write of 1"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Installation 2's review gets the only slot although installation 1's job has not finished.
    await slots.run(() => write("installation-2", "write of 2"));
    expect(events).toEqual(["first write of 1", "write of 2"]);
    release();
    await waiting;
    expect(events).toEqual(["first write of 1", "write of 2", "second write of 1"]);
  });
});
