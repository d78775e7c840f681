import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const TSX = pathToFileURL(require.resolve("tsx")).href;

export interface AppProcess {
  child: ChildProcess;
  /** Every JSON log line printed so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  waitForLog: (
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/**
 * Starts the real server process (src/main.ts through tsx, or `args`, e.g. the built dist/main.js) with only the
 * given environment plus PATH, in a scratch working directory so a developer's .env is never read.
 */
export function startAppProcess(
  env: Record<string, string>,
  cwd: string,
  args: string[] = ["--import", TSX, MAIN],
): AppProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let pending = "";
  let errors = "";
  child.stdout?.on("data", (data: Buffer) => {
    pending += data.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const text of lines) {
      const line = parseLogLine(text);
      if (line === undefined) continue;
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.on("data", (data: Buffer) => {
    errors += data.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    logs,
    stderr: () => errors,
    exited,
    waitForLog(predicate, timeoutMs = 15_000) {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`No matching log line within ${timeoutMs} ms. stderr:\n${errors}`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

function parseLogLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
