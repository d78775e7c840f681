import { AsyncLocalStorage } from "node:async_hooks";

/** A place among the jobs allowed to run at once. */
export interface Slot {
  /**
   * Gives the place up while `waiting` runs (e.g. a wait for GitHub's write budget), so another job may use it,
   * and takes one back before returning. Jobs taking a place back go before jobs that have not started.
   */
  suspend<T>(waiting: () => Promise<T>): Promise<T>;
}

export interface Slots {
  /** Runs `task` in a place of its own (waiting for one), with `currentSlot()` set inside it. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Places in use. */
  readonly busy: number;
  /** Tasks waiting for a place. */
  readonly waiting: number;
  /** Called whenever a place is given up, so a queue can start the next job. */
  onFree(listener: () => void): void;
}

const current = new AsyncLocalStorage<Slot>();

/** The slot of the job this code runs for, if any. */
export function currentSlot(): Slot | undefined {
  return current.getStore();
}

/**
 * A counting semaphore whose holders can step aside while they wait on something that is not theirs to hurry
 * (another installation's review must not wait behind a job sleeping on its own installation's rate limit).
 */
export function createSlots(size: number): Slots {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Expected \`size\` to be a positive integer, got ${String(size)}`);
  }
  let busy = 0;
  const returning: (() => void)[] = [];
  const starting: (() => void)[] = [];
  const listeners: (() => void)[] = [];

  const take = (priority: boolean): Promise<void> => {
    if (busy < size && returning.length === 0 && (priority || starting.length === 0)) {
      busy++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => (priority ? returning : starting).push(resolve));
  };
  const give = (): void => {
    const next = returning.shift() ?? starting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    busy--;
    for (const listener of listeners) listener();
  };
  const slot: Slot = {
    async suspend(waiting) {
      give();
      try {
        return await waiting();
      } finally {
        await take(true);
      }
    },
  };

  return {
    async run(task) {
      await take(false);
      try {
        return await current.run(slot, task);
      } finally {
        give();
      }
    },
    get busy() {
      return busy;
    },
    get waiting() {
      return returning.length + starting.length;
    },
    onFree(listener) {
      listeners.push(listener);
    },
  };
}
