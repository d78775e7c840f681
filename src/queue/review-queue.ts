import PQueue from "p-queue";
import type { Logger } from "../runtime/types.js";

export type ReviewKind = "auto" | "command";

export interface ReviewRequest {
  /** The pull request, e.g. "octo/repo#12". Jobs of one pull request never run at the same time. */
  pr: string;
  /** "auto": triggered by a pull_request event for `headSha`. "command": a /review comment. */
  kind: ReviewKind;
  headSha?: string;
  run: () => Promise<void>;
  log: Logger;
}

/** "queued": it will run; "duplicate": an equal review is already waiting or running; "replaced": it took the place of a waiting review of an older head. */
export type EnqueueResult = "queued" | "duplicate" | "replaced";

export interface ReviewQueue {
  /** Queues a review; per pull request at most one runs, one auto review and one command review wait. */
  enqueue(request: ReviewRequest): EnqueueResult;
  /** Stops starting waiting jobs; running ones go on. */
  pause(): void;
  /** Waits until no job runs (or timeoutMs); returns the PR keys with a job still running or waiting. */
  drain(timeoutMs: number): Promise<string[]>;
  /** Jobs waiting. */
  readonly size: number;
  /** Jobs running. */
  readonly pending: number;
}

/** The jobs of one pull request. */
interface PullRequestJobs {
  running?: ReviewRequest;
  waiting: { auto?: ReviewRequest; command?: ReviewRequest };
  /** A p-queue task of this pull request exists, waiting for a slot or running. */
  scheduled: boolean;
}

/**
 * The in-process job queue reviews run on: bounded concurrency across pull requests, one job at a time per pull
 * request, a newer push supersedes a waiting review of an older head, and every job ends in a logged outcome.
 */
export function createReviewQueue(params: { concurrency: number }): ReviewQueue {
  const queue = new PQueue({ concurrency: params.concurrency });
  const jobsByPr = new Map<string, PullRequestJobs>();
  const changes = createChangeSignal();
  let paused = false;

  const schedule = (pr: string, jobs: PullRequestJobs): void => {
    jobs.scheduled = true;
    void queue.add(() => runNext(pr, jobs));
  };

  // The request to run is picked when the slot is granted, so a request superseded while waiting never runs.
  const runNext = async (pr: string, jobs: PullRequestJobs): Promise<void> => {
    const request = takeNext(jobs);
    if (request !== undefined) {
      jobs.running = request;
      try {
        await request.run();
      } catch (error) {
        // The job logs its own outcome; this only catches what escaped it.
        request.log.error({ pr, err: toLoggable(error) }, "review job crashed");
      }
      delete jobs.running;
    }
    jobs.scheduled = false;
    if (countWaiting(jobs) > 0) {
      schedule(pr, jobs);
    } else {
      jobsByPr.delete(pr);
    }
    changes.notify();
  };

  const isSettled = (): boolean => {
    const all = [...jobsByPr.values()];
    const running = all.some((jobs) => jobs.running !== undefined);
    const waiting = all.some((jobs) => countWaiting(jobs) > 0);
    return !running && (paused || !waiting);
  };

  return {
    enqueue(request) {
      const jobs = jobsByPr.get(request.pr) ?? { waiting: {}, scheduled: false };
      const result = admit(jobs, request);
      if (result !== "duplicate") {
        jobsByPr.set(request.pr, jobs);
        if (!jobs.scheduled) schedule(request.pr, jobs);
      }
      return result;
    },
    pause() {
      paused = true;
      queue.pause();
      changes.notify();
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          timedOut = true;
          resolve();
        }, timeoutMs);
        timer.unref();
      });
      while (!timedOut && !isSettled()) {
        await Promise.race([changes.next(), timeout]);
      }
      clearTimeout(timer);
      return [...jobsByPr.entries()]
        .filter(([, jobs]) => jobs.running !== undefined || countWaiting(jobs) > 0)
        .map(([pr]) => pr)
        .sort();
    },
    get size() {
      return [...jobsByPr.values()].reduce((sum, jobs) => sum + countWaiting(jobs), 0);
    },
    get pending() {
      return [...jobsByPr.values()].filter((jobs) => jobs.running !== undefined).length;
    },
  };
}

/** Puts the request in its waiting slot unless it is a duplicate; logs why it was not queued or what it replaced. */
function admit(jobs: PullRequestJobs, request: ReviewRequest): EnqueueResult {
  const { pr, headSha } = request;
  if (request.kind === "command") {
    if (jobs.waiting.command !== undefined) {
      request.log.info({ pr }, "review command already queued; not queued again");
      return "duplicate";
    }
    jobs.waiting.command = request;
    return "queued";
  }
  const { running } = jobs;
  const waiting = jobs.waiting.auto;
  const runsSameHead = running?.kind === "auto" && running.headSha === headSha;
  if (runsSameHead || (waiting !== undefined && waiting.headSha === headSha)) {
    request.log.info({ pr, headSha }, "review already queued or running; not queued again");
    return "duplicate";
  }
  jobs.waiting.auto = request;
  if (waiting === undefined) return "queued";
  request.log.info({ pr, dropped: waiting.headSha, headSha }, "queued review superseded by a newer push");
  return "replaced";
}

/** Removes and returns the request to run next: a /review command before an automatic review. */
function takeNext(jobs: PullRequestJobs): ReviewRequest | undefined {
  const { command, auto } = jobs.waiting;
  if (command !== undefined) {
    delete jobs.waiting.command;
    return command;
  }
  delete jobs.waiting.auto;
  return auto;
}

function countWaiting(jobs: PullRequestJobs): number {
  return (jobs.waiting.auto === undefined ? 0 : 1) + (jobs.waiting.command === undefined ? 0 : 1);
}

/** A promise per change: `next()` resolves at the following `notify()`. */
function createChangeSignal(): { next: () => Promise<void>; notify: () => void } {
  let resolveCurrent: () => void = () => {};
  let current = new Promise<void>((resolve) => {
    resolveCurrent = resolve;
  });
  return {
    next: () => current,
    notify() {
      const resolve = resolveCurrent;
      current = new Promise<void>((next) => {
        resolveCurrent = next;
      });
      resolve();
    },
  };
}

function toLoggable(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: "Error", message: String(error) };
}
