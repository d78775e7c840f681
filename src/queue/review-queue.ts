import PQueue from "p-queue";
import type { Logger } from "../review/types.js";

export interface ReviewQueue {
  /**
   * Queues a job unless one with the same key is already queued or running.
   * Returns false when the job was a duplicate and was not queued.
   */
  enqueue(key: string, job: () => Promise<void>, log: Logger): boolean;
  /** Stops starting queued jobs. */
  pause(): void;
  /**
   * Resolves when no job runs any more (after `pause()`: the running ones ended; otherwise: the queue is empty),
   * or after `timeoutMs`; returns the keys still unfinished.
   */
  drain(timeoutMs: number): Promise<string[]>;
  readonly size: number;
  readonly pending: number;
}

/** The in-process job queue reviews run on: bounded concurrency, every job ends in a logged outcome. */
export function createReviewQueue(params: { concurrency: number }): ReviewQueue {
  const queue = new PQueue({ concurrency: params.concurrency });
  const active = new Set<string>();

  return {
    enqueue(key, job, log) {
      if (active.has(key)) {
        log.info({ job: key }, "review already queued or running; not queued again");
        return false;
      }
      active.add(key);
      queue
        .add(job)
        .catch((error: unknown) => {
          // The job logs its own outcome; this only catches what escaped it.
          log.error({ job: key, err: toLoggable(error) }, "review job crashed");
        })
        .finally(() => active.delete(key));
      return true;
    },
    pause() {
      queue.pause();
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
        timer.unref();
      });
      await Promise.race([untilNothingRuns(queue), timeout]);
      clearTimeout(timer);
      return [...active];
    },
    get size() {
      return queue.size;
    },
    get pending() {
      return queue.pending;
    },
  };
}

/**
 * Resolves once no job runs. When the queue is not paused, a queued job starts the moment a running one ends
 * (pending touches 0 in between), so wait again until nothing started in the meantime.
 */
async function untilNothingRuns(queue: PQueue): Promise<void> {
  while (queue.pending > 0) {
    await queue.onPendingZero();
  }
}

function toLoggable(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: "Error", message: String(error) };
}
