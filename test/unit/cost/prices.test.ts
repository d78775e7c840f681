import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, parsePriceOverrides } from "../../../src/cost/prices.js";

describe("DEFAULT_PRICES", () => {
  it("prices V4 Flash and its aliases at DeepSeek's list prices", () => {
    const flash = { cacheHit: 0.028, cacheMiss: 0.14, output: 0.28 };
    expect(DEFAULT_PRICES["deepseek-v4-flash"]).toEqual(flash);
    expect(DEFAULT_PRICES["deepseek-flash"]).toEqual(flash);
    expect(DEFAULT_PRICES["deepseek-chat"]).toEqual(flash);
  });

  it("prices V4 Pro at DeepSeek's list prices", () => {
    expect(DEFAULT_PRICES["deepseek-v4-pro"]).toEqual({ cacheHit: 0.145, cacheMiss: 1.74, output: 3.48 });
  });
});

describe("parsePriceOverrides", () => {
  it("replaces the entries it names and keeps the other defaults", () => {
    const table = parsePriceOverrides(
      JSON.stringify({
        "deepseek-v4-flash": {
          cacheHit: 0.02,
          cacheMiss: 0.1,
          output: 0.2,
          windows: [{ start: "16:30", end: "00:30", cacheHit: 0.01, cacheMiss: 0.05, output: 0.1 }],
        },
        "deepseek/deepseek-v4-flash": { cacheHit: 0.03, cacheMiss: 0.15, output: 0.3 },
      }),
    );

    expect(table).toEqual({
      "deepseek-v4-flash": {
        cacheHit: 0.02,
        cacheMiss: 0.1,
        output: 0.2,
        windows: [{ start: "16:30", end: "00:30", cacheHit: 0.01, cacheMiss: 0.05, output: 0.1 }],
      },
      "deepseek/deepseek-v4-flash": { cacheHit: 0.03, cacheMiss: 0.15, output: 0.3 },
      "deepseek-v4-pro": { cacheHit: 0.145, cacheMiss: 1.74, output: 3.48 },
      "deepseek-flash": { cacheHit: 0.028, cacheMiss: 0.14, output: 0.28 },
      "deepseek-chat": { cacheHit: 0.028, cacheMiss: 0.14, output: 0.28 },
    });
  });

  it("returns the defaults for an empty object", () => {
    expect(parsePriceOverrides("{}")).toEqual(DEFAULT_PRICES);
  });

  it("names every problem of an invalid table in one error", () => {
    const json = JSON.stringify({
      "deepseek-v4-flash": { cacheHit: "cheap", cacheMiss: -1 },
      "my-model": {
        cacheHit: 1,
        cacheMiss: 2,
        output: 3,
        cache_hit: 1,
        windows: [{ start: "25:00", end: "8:00", cacheHit: 1, cacheMiss: 1, output: 1 }],
      },
    });

    expect(() => parsePriceOverrides(json)).toThrow(
      [
        "Price table is invalid:",
        "  - deepseek-v4-flash.cacheHit: must be a number (USD per 1M tokens)",
        "  - deepseek-v4-flash.cacheMiss: must not be negative",
        "  - deepseek-v4-flash.output: must be a number (USD per 1M tokens)",
        '  - my-model.windows.0.start: must be a UTC time of day "HH:MM" (00:00 to 23:59)',
        '  - my-model.windows.0.end: must be a UTC time of day "HH:MM" (00:00 to 23:59)',
        '  - my-model: Unrecognized key: "cache_hit"',
        'Expected e.g. {"deepseek-v4-flash": {"cacheHit": 0.028, "cacheMiss": 0.14, "output": 0.28}}',
      ].join("\n"),
    );
  });

  it("reads the days a window applies on", () => {
    const window = {
      start: "01:00",
      end: "09:00",
      days: ["mon", "fri"],
      cacheHit: 1,
      cacheMiss: 1,
      output: 1,
    };
    const prices = parsePriceOverrides(
      JSON.stringify({ "deepseek-v4-flash": { cacheHit: 1, cacheMiss: 1, output: 1, windows: [window] } }),
    );

    expect(prices["deepseek-v4-flash"]?.windows).toEqual([window]);
  });

  it.each([
    [["monday"], "deepseek-v4-flash.windows.0.days.0: must be one of sun, mon, tue, wed, thu, fri, sat"],
    [[], "deepseek-v4-flash.windows.0.days: must name at least one day (leave it out for every day)"],
  ])("refuses the days %j", (days, problem) => {
    const json = JSON.stringify({
      "deepseek-v4-flash": {
        cacheHit: 1,
        cacheMiss: 1,
        output: 1,
        windows: [{ start: "01:00", end: "09:00", days, cacheHit: 1, cacheMiss: 1, output: 1 }],
      },
    });

    expect(() => parsePriceOverrides(json)).toThrow(`  - ${problem}`);
  });

  it("refuses a window that starts and ends at the same time", () => {
    const json = JSON.stringify({
      "deepseek-v4-flash": {
        cacheHit: 1,
        cacheMiss: 1,
        output: 1,
        windows: [{ start: "08:00", end: "08:00", cacheHit: 1, cacheMiss: 1, output: 1 }],
      },
    });

    expect(() => parsePriceOverrides(json)).toThrow(
      "  - deepseek-v4-flash.windows.0.end: start and end must differ",
    );
  });

  it("refuses a table that is not an object", () => {
    expect(() => parsePriceOverrides("[1, 2]")).toThrow(
      "  - (top level): Invalid input: expected record, received array",
    );
  });

  it("refuses text that is not JSON", () => {
    expect(() => parsePriceOverrides("flash=0.28")).toThrow(/^Price table is not valid JSON \(/);
  });
});
