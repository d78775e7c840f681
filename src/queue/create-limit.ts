import PQueue from "p-queue";
import type { Limit } from "../runtime/types.js";

/** A process-wide cap on concurrent tasks, e.g. model calls in flight across every review. */
export function createLimit(concurrency: number): Limit & { readonly pending: number } {
  const queue = new PQueue({ concurrency });
  const limit = <T>(task: () => Promise<T>): Promise<T> => queue.add(task) as Promise<T>;
  return Object.defineProperty(limit, "pending", { get: () => queue.pending }) as Limit & {
    readonly pending: number;
  };
}
