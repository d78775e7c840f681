import { describe, expect, it } from "vitest";
import { createReviewQueue, type ReviewRequest } from "../../../src/queue/review-queue.js";
import type { Logger } from "../../../src/runtime/types.js";

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

/** Jobs that record when they start and end, and optionally wait for a gate in between. */
function createRecorder() {
  const events: string[] = [];
  const job = (name: string, gate?: Promise<unknown>) => async (): Promise<void> => {
    events.push(`${name} started`);
    await gate;
    events.push(`${name} ended`);
  };
  return { events, job };
}

/**
 * A queue of `concurrency` slots with a fake logger, a job recorder and a gate; `auto` and `command` build requests
 * that log to that logger.
 */
function setup(concurrency: number) {
  const queue = createReviewQueue({ concurrency });
  const log = createFakeLogger();
  const { events, job } = createRecorder();
  const gate = createGate();
  const auto = (params: { pr: string; headSha: string; run: () => Promise<void> }): ReviewRequest => ({
    kind: "auto",
    ...params,
    log,
  });
  const command = (params: { pr: string; run: () => Promise<void> }): ReviewRequest => ({
    kind: "command",
    ...params,
    log,
  });
  return { queue, log, events, job, gate, auto, command };
}

const duplicateMessage = "review already queued or running; not queued again";

describe("createReviewQueue", () => {
  describe("with a concurrency of 2", () => {
    it("never runs more than 2 jobs at once across pull requests and runs them all", async () => {
      const { queue, log, auto } = setup(2);
      let running = 0;
      let mostAtOnce = 0;
      const finished: string[] = [];
      for (const pr of ["o/r#1", "o/r#2", "o/r#3", "o/r#4", "o/r#5", "o/r#6"]) {
        const run = async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(5);
          running--;
          finished.push(pr);
        };
        expect(queue.enqueue(auto({ pr, headSha: "aaa", run }))).toBe("queued");
      }
      expect(queue.pending).toBe(2);
      expect(queue.size).toBe(4);

      expect(await queue.drain(5_000)).toEqual([]);
      expect(mostAtOnce).toBe(2);
      expect(finished.sort()).toEqual(["o/r#1", "o/r#2", "o/r#3", "o/r#4", "o/r#5", "o/r#6"]);
      expect(queue.pending).toBe(0);
      expect(queue.size).toBe(0);
      expect(log.calls).toEqual([]);
    });
  });

  describe("jobs of one pull request", () => {
    it("run one after the other even when slots are free", async () => {
      const { queue, events, job, gate, auto, command } = setup(3);

      queue.enqueue(command({ pr: "o/r#1", run: job("command", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("auto bbb") }))).toBe("queued");
      queue.enqueue(auto({ pr: "o/r#2", headSha: "ccc", run: job("other pr") }));
      await sleep(10);

      expect(events).toEqual(["command started", "other pr started", "other pr ended"]);
      expect(queue.pending).toBe(1);
      expect(queue.size).toBe(1);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual([
        "command started",
        "other pr started",
        "other pr ended",
        "command ended",
        "auto bbb started",
        "auto bbb ended",
      ]);
    });

    it("count as requests in size and pending: one running, an auto and a command waiting", () => {
      const { queue, job, gate, auto, command } = setup(4);

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa", gate.opened) }));
      queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb") }));
      queue.enqueue(command({ pr: "o/r#1", run: job("command") }));

      expect(queue.pending).toBe(1);
      expect(queue.size).toBe(2);
      gate.open();
    });
  });

  describe("an auto review of a head already reviewed", () => {
    it("is a duplicate while the review of that head waits", async () => {
      const { queue, log, events, job, gate, auto } = setup(1);

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb") }))).toBe("queued");
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb again") }))).toBe("duplicate");
      expect(queue.size).toBe(1);
      expect(log.calls).toEqual([
        { level: "info", obj: { pr: "o/r#1", headSha: "bbb" }, msg: duplicateMessage },
      ]);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["aaa started", "aaa ended", "bbb started", "bbb ended"]);
    });

    it("is a duplicate while the review of that head runs", async () => {
      const { queue, log, events, job, gate, auto } = setup(1);

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa again") }))).toBe("duplicate");
      expect(queue.size).toBe(0);
      expect(log.calls).toEqual([
        { level: "info", obj: { pr: "o/r#1", headSha: "aaa" }, msg: duplicateMessage },
      ]);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["aaa started", "aaa ended"]);
    });

    it("is queued again once the review of that head has ended", async () => {
      const { queue, log, events, job, auto } = setup(1);

      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("first") }))).toBe("queued");
      expect(await queue.drain(5_000)).toEqual([]);
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("second") }))).toBe("queued");
      expect(await queue.drain(5_000)).toEqual([]);

      expect(events).toEqual(["first started", "first ended", "second started", "second ended"]);
      expect(log.calls).toEqual([]);
    });
  });

  describe("an auto review of a newer head", () => {
    it("replaces the waiting review of an older head, even while it waits for a slot, and only the newest runs", async () => {
      const { queue, log, events, job, gate, auto } = setup(1);

      queue.enqueue(auto({ pr: "o/r#9", headSha: "zzz", run: job("other pr", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa") }))).toBe("queued");
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb") }))).toBe("replaced");
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "ccc", run: job("ccc") }))).toBe("replaced");
      expect(queue.size).toBe(1);
      expect(log.calls).toEqual([
        {
          level: "info",
          obj: { pr: "o/r#1", dropped: "aaa", headSha: "bbb" },
          msg: "queued review superseded by a newer push",
        },
        {
          level: "info",
          obj: { pr: "o/r#1", dropped: "bbb", headSha: "ccc" },
          msg: "queued review superseded by a newer push",
        },
      ]);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["other pr started", "other pr ended", "ccc started", "ccc ended"]);
    });

    it("does not interrupt the running review of an older head and runs right after it", async () => {
      const { queue, log, events, job, gate, auto } = setup(2);

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb") }))).toBe("queued");
      await sleep(10);
      expect(events).toEqual(["aaa started"]);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["aaa started", "aaa ended", "bbb started", "bbb ended"]);
      expect(log.calls).toEqual([]);
    });
  });

  describe("a /review command", () => {
    it("is a duplicate while another command waits, and queued once more while one runs", async () => {
      const { queue, log, events, job, gate, command } = setup(1);

      expect(queue.enqueue(command({ pr: "o/r#1", run: job("first", gate.opened) }))).toBe("queued");
      expect(queue.enqueue(command({ pr: "o/r#1", run: job("second") }))).toBe("queued");
      expect(queue.enqueue(command({ pr: "o/r#1", run: job("third") }))).toBe("duplicate");
      expect(queue.pending).toBe(1);
      expect(queue.size).toBe(1);
      expect(log.calls).toEqual([
        { level: "info", obj: { pr: "o/r#1" }, msg: "review command already queued; not queued again" },
      ]);

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["first started", "first ended", "second started", "second ended"]);
    });

    it("runs before a waiting auto review of the same pull request", async () => {
      const { queue, events, job, gate, auto, command } = setup(1);

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb") }))).toBe("queued");
      expect(queue.enqueue(command({ pr: "o/r#1", run: job("command") }))).toBe("queued");

      gate.open();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual([
        "aaa started",
        "aaa ended",
        "command started",
        "command ended",
        "bbb started",
        "bbb ended",
      ]);
    });

    it("does not make an auto review of the running head a duplicate", () => {
      const { queue, job, gate, auto, command } = setup(1);

      queue.enqueue(command({ pr: "o/r#1", run: job("command", gate.opened) }));
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa") }))).toBe("queued");
      gate.open();
    });
  });

  describe("when a job throws", () => {
    it("logs it at error as a crash and still runs the jobs after it", async () => {
      const { queue, log, events, job, auto, command } = setup(1);

      queue.enqueue(
        auto({
          pr: "o/r#1",
          headSha: "aaa",
          run: async () => {
            throw new TypeError("cannot read properties of undefined");
          },
        }),
      );
      queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("same pr") }));
      queue.enqueue(
        command({
          pr: "o/r#2",
          run: () => {
            throw "a string, not an Error";
          },
        }),
      );
      queue.enqueue(command({ pr: "o/r#3", run: job("other pr") }));

      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["other pr started", "other pr ended", "same pr started", "same pr ended"]);
      expect(log.calls).toEqual([
        {
          level: "error",
          obj: { pr: "o/r#1", err: { name: "TypeError", message: "cannot read properties of undefined" } },
          msg: "review job crashed",
        },
        {
          level: "error",
          obj: { pr: "o/r#2", err: { name: "Error", message: "a string, not an Error" } },
          msg: "review job crashed",
        },
      ]);
    });

    it("queues the same pull request again afterwards", async () => {
      const { queue, events, job, auto } = setup(1);
      const crash = async () => {
        throw new Error("boom");
      };

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: crash }));
      expect(await queue.drain(5_000)).toEqual([]);
      expect(queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("retry") }))).toBe("queued");
      expect(await queue.drain(5_000)).toEqual([]);
      expect(events).toEqual(["retry started", "retry ended"]);
    });
  });

  describe("drain() without pause()", () => {
    it("waits for a chain of jobs of one pull request, not just the running one", async () => {
      const { queue, events, job, gate, auto, command } = setup(2);

      queue.enqueue(auto({ pr: "o/r#1", headSha: "aaa", run: job("aaa", gate.opened) }));
      queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("bbb", sleep(5)) }));
      queue.enqueue(command({ pr: "o/r#1", run: job("command", sleep(5)) }));

      const drained = queue.drain(5_000);
      gate.open();
      expect(await drained).toEqual([]);
      expect(events).toEqual([
        "aaa started",
        "aaa ended",
        "command started",
        "command ended",
        "bbb started",
        "bbb ended",
      ]);
      expect(queue.size).toBe(0);
      expect(queue.pending).toBe(0);
    });
  });

  describe("pause() then drain()", () => {
    it("returns the sorted keys still running or waiting when a job outlives the timeout", async () => {
      const { queue, events, job, gate, auto } = setup(1);

      queue.enqueue(auto({ pr: "o/r#2", headSha: "aaa", run: job("running", gate.opened) }));
      queue.enqueue(auto({ pr: "o/r#1", headSha: "bbb", run: job("waiting") }));
      queue.enqueue(auto({ pr: "o/r#2", headSha: "ccc", run: job("waiting behind running") }));
      queue.pause();

      const started = Date.now();
      expect(await queue.drain(50)).toEqual(["o/r#1", "o/r#2"]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      expect(Date.now() - started).toBeLessThan(1_000);

      gate.open();
      expect(await queue.drain(50)).toEqual(["o/r#1", "o/r#2"]);
      expect(events).toEqual(["running started", "running ended"]);
      expect(queue.pending).toBe(0);
      expect(queue.size).toBe(2);
    });

    it("returns [] as soon as every running job has finished", async () => {
      const { queue, events, job, command } = setup(2);

      queue.enqueue(command({ pr: "o/r#1", run: job("slow", sleep(20)) }));
      queue.enqueue(command({ pr: "o/r#2", run: job("fast", sleep(10)) }));
      queue.pause();

      const started = Date.now();
      expect(await queue.drain(5_000)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(events).toEqual(["slow started", "fast started", "fast ended", "slow ended"]);
    });

    it("does not start jobs queued after the pause", async () => {
      const { queue, events, job, command } = setup(1);

      queue.pause();
      expect(queue.enqueue(command({ pr: "o/r#1", run: job("command") }))).toBe("queued");

      expect(await queue.drain(20)).toEqual(["o/r#1"]);
      expect(events).toEqual([]);
      expect(queue.size).toBe(1);
      expect(queue.pending).toBe(0);
    });
  });
});
