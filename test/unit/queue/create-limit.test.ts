import { describe, expect, it } from "vitest";
import { createLimit } from "../../../src/queue/create-limit.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createLimit", () => {
  describe("with a limit of 3", () => {
    it("never has more than 3 tasks in flight and runs them all", async () => {
      const limit = createLimit(3);
      let inFlight = 0;
      let mostInFlight = 0;
      const tasks = Array.from({ length: 10 }, (_, index) =>
        limit(async () => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          await sleep(5);
          inFlight--;
          return index;
        }),
      );
      expect(limit.pending).toBe(3);

      expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(mostInFlight).toBe(3);
      expect(limit.pending).toBe(0);
    });
  });

  describe("with a limit of 1", () => {
    it("runs tasks one after another in the order given", async () => {
      const limit = createLimit(1);
      const events: string[] = [];
      const task = (name: string, ms: number) =>
        limit(async () => {
          events.push(`start ${name}`);
          await sleep(ms);
          events.push(`end ${name}`);
        });

      await Promise.all([task("a", 15), task("b", 1), task("c", 5)]);
      expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    });
  });

  it("passes a task's result through unchanged", async () => {
    const limit = createLimit(2);
    const value = { answer: 42 };
    await expect(limit(async () => value)).resolves.toBe(value);
  });

  it("passes a task's rejection through and keeps running later tasks", async () => {
    const limit = createLimit(1);
    const failure = new Error("model timed out");

    const failed = limit(async () => {
      throw failure;
    });
    const next = limit(async () => "still runs");

    await expect(failed).rejects.toBe(failure);
    await expect(next).resolves.toBe("still runs");
    expect(limit.pending).toBe(0);
  });

  it("frees the slot of a rejected task", async () => {
    const limit = createLimit(1);
    await expect(
      limit(async () => {
        throw new Error("first");
      }),
    ).rejects.toThrow("first");
    await expect(limit(async () => "second")).resolves.toBe("second");
  });
});
