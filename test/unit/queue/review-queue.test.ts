import { describe, expect, it } from "vitest";
import { createReviewQueue } from "../../../src/queue/review-queue.js";
import type { Logger } from "../../../src/review/types.js";

interface LogCall {
  level: "debug" | "info" | "warn" | "error";
  obj: object;
  msg: string;
}

function createFakeLogger(): Logger & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  const at =
    (level: LogCall["level"]) =>
    (obj: object, msg: string): void => {
      calls.push({ level, obj, msg });
    };
  return { calls, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A promise the test settles by hand. */
function createGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createReviewQueue", () => {
  describe("with a concurrency of 2", () => {
    it("never runs more than 2 jobs at once and runs them all", async () => {
      const queue = createReviewQueue({ concurrency: 2 });
      const log = createFakeLogger();
      let running = 0;
      let mostAtOnce = 0;
      const finished: string[] = [];
      for (const key of ["a", "b", "c", "d", "e", "f"]) {
        queue.enqueue(
          key,
          async () => {
            running++;
            mostAtOnce = Math.max(mostAtOnce, running);
            await sleep(5);
            running--;
            finished.push(key);
          },
          log,
        );
      }
      expect(queue.pending).toBe(2);
      expect(queue.size).toBe(4);

      expect(await queue.drain(5_000)).toEqual([]);
      expect(mostAtOnce).toBe(2);
      expect(finished.sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
      expect(log.calls).toEqual([]);
    });
  });

  describe("when a job with the same key is queued", () => {
    it("does not queue it again and logs that it was a duplicate", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();
      const gate = createGate();
      const runs: string[] = [];
      const record = (name: string) => async () => {
        runs.push(name);
      };

      expect(queue.enqueue("o/r#1", () => gate.opened.then(record("running")), log)).toBe(true);
      expect(queue.enqueue("o/r#2", record("queued"), log)).toBe(true);
      expect(queue.size).toBe(1);

      expect(queue.enqueue("o/r#1", record("running again"), log)).toBe(false);
      expect(queue.enqueue("o/r#2", record("queued again"), log)).toBe(false);
      expect(queue.size).toBe(1);
      expect(log.calls).toEqual([
        { level: "info", obj: { job: "o/r#1" }, msg: "review already queued or running; not queued again" },
        { level: "info", obj: { job: "o/r#2" }, msg: "review already queued or running; not queued again" },
      ]);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(runs).toEqual(["running", "queued"]);
    });
  });

  describe("after a job ends", () => {
    it("queues the same key again", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();
      let runs = 0;
      const job = async () => {
        runs++;
      };

      expect(queue.enqueue("o/r#1", job, log)).toBe(true);
      expect(await queue.drain(5_000)).toEqual([]);
      expect(queue.enqueue("o/r#1", job, log)).toBe(true);
      expect(await queue.drain(5_000)).toEqual([]);

      expect(runs).toBe(2);
      expect(log.calls).toEqual([]);
    });

    it("queues the same key again after the job crashed", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();

      queue.enqueue(
        "o/r#1",
        async () => {
          throw new Error("boom");
        },
        log,
      );
      expect(await queue.drain(5_000)).toEqual([]);
      expect(queue.enqueue("o/r#1", async () => {}, log)).toBe(true);
      expect(await queue.drain(5_000)).toEqual([]);
    });
  });

  describe("when a job throws", () => {
    it("logs it at error as a crash and still runs the jobs after it", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();
      const runs: string[] = [];

      queue.enqueue(
        "o/r#1",
        async () => {
          throw new TypeError("cannot read properties of undefined");
        },
        log,
      );
      queue.enqueue(
        "o/r#2",
        async () => {
          throw "a string, not an Error";
        },
        log,
      );
      queue.enqueue(
        "o/r#3",
        async () => {
          runs.push("o/r#3");
        },
        log,
      );

      expect(await queue.drain(5_000)).toEqual([]);
      expect(runs).toEqual(["o/r#3"]);
      expect(log.calls).toEqual([
        {
          level: "error",
          obj: { job: "o/r#1", err: { name: "TypeError", message: "cannot read properties of undefined" } },
          msg: "review job crashed",
        },
        {
          level: "error",
          obj: { job: "o/r#2", err: { name: "Error", message: "a string, not an Error" } },
          msg: "review job crashed",
        },
      ]);
    });
  });

  describe("drain() without pause()", () => {
    it("waits for the queued jobs as well as the running one", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();
      const finished: string[] = [];
      for (const key of ["o/r#1", "o/r#2", "o/r#3"]) {
        queue.enqueue(
          key,
          async () => {
            await sleep(2);
            finished.push(key);
          },
          log,
        );
      }

      expect(await queue.drain(5_000)).toEqual([]);
      expect(finished).toEqual(["o/r#1", "o/r#2", "o/r#3"]);
      expect(queue.size).toBe(0);
    });
  });

  describe("pause() then drain()", () => {
    it("returns the keys still unfinished when a job outlives the timeout", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();
      const gate = createGate();
      let waitingJobRan = false;

      queue.enqueue("o/r#1", () => gate.opened, log);
      queue.enqueue(
        "o/r#2",
        async () => {
          waitingJobRan = true;
        },
        log,
      );
      queue.pause();

      const started = Date.now();
      expect(await queue.drain(50)).toEqual(["o/r#1", "o/r#2"]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      expect(Date.now() - started).toBeLessThan(1_000);

      gate.open();
      await sleep(10);
      expect(waitingJobRan).toBe(false);
      expect(await queue.drain(50)).toEqual(["o/r#2"]);
    });

    it("returns [] as soon as every running job has finished", async () => {
      const queue = createReviewQueue({ concurrency: 2 });
      const log = createFakeLogger();
      const finished: string[] = [];

      queue.enqueue(
        "o/r#1",
        async () => {
          await sleep(20);
          finished.push("o/r#1");
        },
        log,
      );
      queue.enqueue(
        "o/r#2",
        async () => {
          await sleep(10);
          finished.push("o/r#2");
        },
        log,
      );
      queue.pause();

      const started = Date.now();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(finished).toEqual(["o/r#2", "o/r#1"]);
    });

    it("does not start jobs queued after the pause", async () => {
      const queue = createReviewQueue({ concurrency: 1 });
      const log = createFakeLogger();
      let ran = false;

      queue.pause();
      expect(
        queue.enqueue(
          "o/r#1",
          async () => {
            ran = true;
          },
          log,
        ),
      ).toBe(true);

      expect(await queue.drain(20)).toEqual(["o/r#1"]);
      expect(ran).toBe(false);
      expect(queue.size).toBe(1);
    });
  });
});
