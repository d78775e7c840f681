import type { Logger } from "../runtime/types.js";
import type { Store } from "../store/types.js";

/** What is running when a signal comes: the HTTP server, and the store (with its queue) once the app has one. */
export interface Running {
  server: { stop(): Promise<void> } | undefined;
  store: Store | undefined;
}

/**
 * On SIGTERM (docker stop, systemd, Kubernetes) or SIGINT (Ctrl-C, and `docker run -it`, where node is PID 1 and
 * would otherwise ignore it): stop taking work, let reviews in flight finish within `timeoutMs`, log by pull request
 * what could not finish (the durable queue runs it again at the next start), close the store, exit 0. Further
 * signals while draining change nothing.
 */
export function handleShutdown(params: { log: Logger; timeoutMs: number; running: () => Running }): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const { server, store } = params.running();
    const stats = await store?.queue.stats().catch(() => undefined);
    params.log.info({ signal, ...stats }, `${signal}: no new work; finishing reviews in flight`);
    // Stop listening; an idle keep-alive connection must not hold up the shutdown.
    void server
      ?.stop()
      .catch((error: unknown) => params.log.warn({ err: error }, "server did not stop cleanly"));
    const unfinished = store === undefined ? [] : await store.queue.stop(params.timeoutMs);
    for (const pr of unfinished)
      params.log.warn({ pr, resumesAtNextStart: true }, "review not finished before shutdown");
    await store
      ?.close()
      .catch((error: unknown) => params.log.warn({ err: error }, "store did not close cleanly"));
    params.log.info({ unfinished: unfinished.length }, "shutdown complete");
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
