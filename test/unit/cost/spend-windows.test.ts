import { describe, expect, it } from "vitest";
import { describeLimitReached } from "../../../src/cost/limit-reached.js";
import { createSpendWindows, type SpendCeiling, type SpendHold } from "../../../src/cost/spend-windows.js";

const REPO_USD_PER_HOUR: SpendCeiling = {
  scope: "repository",
  unit: "usd",
  window: "hour",
  ceiling: 2,
  setting: "LIMIT_REPO_USD_PER_HOUR",
};
const REPO_CALLS_PER_DAY: SpendCeiling = {
  scope: "repository",
  unit: "calls",
  window: "day",
  ceiling: 100,
  setting: "LIMIT_REPO_CALLS_PER_DAY",
};
const INSTALLATION_USD_PER_DAY: SpendCeiling = {
  scope: "installation",
  unit: "usd",
  window: "day",
  ceiling: 5,
  setting: "LIMIT_INSTALLATION_USD_PER_DAY",
};

const at = (time: string) => new Date(`2026-03-02T${time}Z`);
const hello = { repository: "octo/hello", installation: 42 };

async function holdOf(promise: Promise<{ hold: SpendHold } | { reached: unknown }>): Promise<SpendHold> {
  const reserved = await promise;
  if (!("hold" in reserved)) throw new Error(`expected a hold, got ${JSON.stringify(reserved)}`);
  return reserved.hold;
}

describe("createSpendWindows", () => {
  it("holds a reservation against every ceiling of the scope until it is charged or released", async () => {
    const windows = createSpendWindows([REPO_USD_PER_HOUR, REPO_CALLS_PER_DAY, INSTALLATION_USD_PER_DAY]);

    const hold = await holdOf(windows.reserve(hello, { usd: 0.5, calls: 10 }, at("14:10:00")));

    expect(
      (await windows.remaining(hello, at("14:10:00"))).map(({ setting, left }) => [setting, left]),
    ).toEqual([
      ["LIMIT_REPO_USD_PER_HOUR", 1.5],
      ["LIMIT_REPO_CALLS_PER_DAY", 90],
      ["LIMIT_INSTALLATION_USD_PER_DAY", 4.5],
    ]);
    await hold.charge({ usd: 0.2, calls: 4 }, at("14:20:00"));
    await hold.release();
    expect((await windows.remaining(hello, at("14:30:00"))).map(({ left }) => left)).toEqual([1.8, 96, 4.8]);
  });

  it("refuses a reservation that does not fit, naming the ceiling, what is left and when it resets", async () => {
    const windows = createSpendWindows([REPO_USD_PER_HOUR]);
    const first = await holdOf(windows.reserve(hello, { usd: 1.5, calls: 1 }, at("14:10:00")));
    await first.charge({ usd: 1.5, calls: 1 }, at("14:15:00"));

    const refused = await windows.reserve(hello, { usd: 0.75, calls: 3 }, at("14:20:00"));

    expect(refused).toEqual({
      reached: {
        scope: "repository",
        unit: "usd",
        ceiling: 2,
        setting: "LIMIT_REPO_USD_PER_HOUR",
        window: "hour",
        resetsAt: at("15:00:00"),
        estimate: { needed: 0.75, left: 0.5 },
      },
    });
    expect("reached" in refused && describeLimitReached(refused.reached)).toBe(
      "not sent to the model: this review may cost up to $0.75, and this repository has $0.50 left of its ceiling of $2.00 per hour (`LIMIT_REPO_USD_PER_HOUR`); it resets at 2026-03-02 15:00 UTC",
    );
  });

  it("starts an hourly count again at the top of the hour and a daily count at midnight UTC", async () => {
    const windows = createSpendWindows([REPO_USD_PER_HOUR, INSTALLATION_USD_PER_DAY]);
    const hold = await holdOf(windows.reserve(hello, { usd: 0, calls: 0 }, at("14:59:00")));
    await hold.charge({ usd: 1.9, calls: 1 }, at("14:59:30"));

    expect((await windows.remaining(hello, at("14:59:59"))).map(({ left }) => left)).toEqual([
      expect.closeTo(0.1, 12),
      expect.closeTo(3.1, 12),
    ]);
    expect((await windows.remaining(hello, at("15:00:00"))).map(({ left }) => left)).toEqual([
      2,
      expect.closeTo(3.1, 12),
    ]);
    expect(
      (await windows.remaining(hello, new Date("2026-03-03T00:00:00Z"))).map(({ left, resetsAt }) => [
        left,
        resetsAt.toISOString(),
      ]),
    ).toEqual([
      [2, "2026-03-03T01:00:00.000Z"],
      [5, "2026-03-04T00:00:00.000Z"],
    ]);
  });

  it("counts spending in the window of the time it happened", async () => {
    const windows = createSpendWindows([REPO_USD_PER_HOUR]);
    const hold = await holdOf(windows.reserve(hello, { usd: 1, calls: 2 }, at("14:58:00")));
    await hold.charge({ usd: 0.25, calls: 1 }, at("14:59:00"));
    await hold.charge({ usd: 0.5, calls: 1 }, at("15:01:00"));
    await hold.release();

    const [state] = await windows.remaining(hello, at("15:02:00"));
    expect(state?.left).toBeCloseTo(1.5, 12);
  });

  it("refuses to extend a hold past a ceiling, and holds nothing more", async () => {
    const windows = createSpendWindows([REPO_CALLS_PER_DAY]);
    const hold = await holdOf(windows.reserve(hello, { usd: 0, calls: 99 }, at("10:00:00")));

    expect(await hold.extend({ usd: 0, calls: 1 }, at("10:01:00"))).toBeUndefined();
    expect(await hold.extend({ usd: 0, calls: 1 }, at("10:02:00"))).toEqual({
      scope: "repository",
      unit: "calls",
      ceiling: 100,
      setting: "LIMIT_REPO_CALLS_PER_DAY",
      window: "day",
      resetsAt: new Date("2026-03-03T00:00:00Z"),
    });
    expect((await windows.remaining(hello, at("10:03:00")))[0]?.left).toBe(0);
  });

  it("gives each repository its own count and lets the repositories of one installation share its count", async () => {
    const windows = createSpendWindows([REPO_USD_PER_HOUR, INSTALLATION_USD_PER_DAY]);
    const world = { repository: "octo/world", installation: 42 };
    const other = { repository: "someone/else", installation: 7 };
    const hold = await holdOf(windows.reserve(hello, { usd: 0, calls: 0 }, at("10:00:00")));
    await hold.charge({ usd: 1.5, calls: 3 }, at("10:00:00"));

    expect((await windows.remaining(world, at("10:01:00"))).map(({ left }) => left)).toEqual([2, 3.5]);
    expect((await windows.remaining(other, at("10:01:00"))).map(({ left }) => left)).toEqual([2, 5]);
    expect(
      (await windows.remaining({ repository: "OCTO/Hello" }, at("10:01:00"))).map(({ left }) => left),
    ).toEqual([0.5]);
  });

  it("lets two reviews in flight together hold no more than the ceiling", async () => {
    const windows = createSpendWindows([REPO_USD_PER_HOUR]);

    const [one, two, three] = await Promise.all([
      windows.reserve(hello, { usd: 0.9, calls: 1 }, at("10:00:00")),
      windows.reserve(hello, { usd: 0.9, calls: 1 }, at("10:00:00")),
      windows.reserve(hello, { usd: 0.9, calls: 1 }, at("10:00:00")),
    ]);

    expect(["hold" in one, "hold" in two, "hold" in three]).toEqual([true, true, false]);
  });
});
