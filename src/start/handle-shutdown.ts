import type { ReviewQueue } from "../queue/review-queue.js";
import type { Logger } from "../runtime/types.js";

/** What is running when a signal comes: the HTTP server, and the queue once the app has one. */
export interface Running {
  server: { stop(): Promise<void> } | undefined;
  queue: ReviewQueue | undefined;
}

/**
 * On SIGTERM (docker stop, systemd, Kubernetes) or SIGINT (Ctrl-C, and `docker run -it`, where node is PID 1 and
 * would otherwise ignore it): stop taking work, let reviews in flight finish within `timeoutMs`, log by pull request
 * what could not finish, exit 0. Further signals while draining change nothing.
 */
export function handleShutdown(params: { log: Logger; timeoutMs: number; running: () => Running }): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const { server, queue } = params.running();
    params.log.info(
      { signal, running: queue?.pending ?? 0, queued: queue?.size ?? 0 },
      `${signal}: no new work; finishing reviews in flight`,
    );
    queue?.pause();
    // Stop listening; an idle keep-alive connection must not hold up the shutdown.
    void server
      ?.stop()
      .catch((error: unknown) => params.log.warn({ err: error }, "server did not stop cleanly"));
    const unfinished = queue === undefined ? [] : await queue.drain(params.timeoutMs);
    for (const pr of unfinished) params.log.warn({ pr }, "review not finished before shutdown");
    params.log.info({ unfinished: unfinished.length }, "shutdown complete");
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
