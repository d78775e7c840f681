import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../store/types.js";
import type { AppMetrics } from "./create-metrics.js";

/** Paths of the operations endpoints, apart from the webhook path and Probot's `/ping`. */
export const OPERATIONS_PATHS = { health: "/healthz", ready: "/readyz", metrics: "/metrics" } as const;

/**
 * `/healthz`: the process answers (200). `/readyz`: the store answers and the queue is working, and whatever else
 * `ready()` waits for (e.g. the planning workers warmed up) — 200, else 503 with the reason. `/metrics`: Prometheus
 * text. GET only; everything else falls through to the next handler.
 */
export function createOperationsHandler(params: {
  store: Store;
  metrics: AppMetrics;
  /** Whether the app has finished starting (the queue started, workers warm); default ready. */
  ready?: () => boolean;
}) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const path = (request.url ?? "").split("?", 1)[0];
    if (path === OPERATIONS_PATHS.health) {
      answer(response, 200, "text/plain; charset=utf-8", "ok\n");
      return true;
    }
    if (path === OPERATIONS_PATHS.ready) {
      const problem = await notReady(params);
      if (problem === undefined) answer(response, 200, "text/plain; charset=utf-8", "ready\n");
      else answer(response, 503, "text/plain; charset=utf-8", `not ready: ${problem}\n`);
      return true;
    }
    if (path === OPERATIONS_PATHS.metrics) {
      answer(response, 200, params.metrics.registry.contentType, await params.metrics.registry.metrics());
      return true;
    }
    return false;
  };
}

async function notReady(params: { store: Store; ready?: () => boolean }): Promise<string | undefined> {
  if (params.ready !== undefined && !params.ready()) return "still starting";
  try {
    await params.store.ping();
    await params.store.queue.stats();
  } catch (error) {
    return `the store does not answer (${(error as Error).name})`;
  }
  return undefined;
}

function answer(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  response.end(body);
}
