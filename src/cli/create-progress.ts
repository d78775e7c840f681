import cliProgress from "cli-progress";
import { formatUsd } from "../cost/compute-cost.js";

/** Where the CLI tells what it is doing: stderr, so stdout stays the report. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What has been spent so far, after each answer. */
export interface ProgressTotals {
  done: number;
  tokens: number;
  costUsd: number;
}

export interface Progress {
  /** A step of its own, e.g. "planning 4 files". */
  note(text: string): void;
  /** The model calls begin: `total` requests planned. */
  start(total: number): void;
  update(totals: ProgressTotals): void;
  stop(): void;
}

/**
 * Progress on stderr: a bar (requests done of total, tokens, dollars so far) on a terminal, one plain line per answer
 * otherwise (CI logs, pipes); nothing at all when `quiet`. The total is the plan's review requests; the requests that
 * come after them (the verification pass's) raise it, so that no line says more requests done than in all.
 */
export function createProgress(params: { stream: ProgressStream; quiet: boolean }): Progress {
  const { stream } = params;
  if (params.quiet) return { note() {}, start() {}, update() {}, stop() {} };
  if (stream.isTTY !== true) {
    let total = 0;
    return {
      note: (text) => stream.write(`deepseek-review: ${text}\n`),
      start(count) {
        total = count;
        stream.write(`deepseek-review: ${count} request${count === 1 ? "" : "s"} to DeepSeek\n`);
      },
      update(totals) {
        total = Math.max(total, totals.done);
        stream.write(`deepseek-review: ${describe(totals, total)}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: "deepseek-review |{bar}| {value}/{total} requests | {tokens} tokens | {cost}",
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    note: (text) => {
      if (!running) stream.write(`deepseek-review: ${text}\n`);
    },
    start(total) {
      running = true;
      bar.start(total, 0, { tokens: "0", cost: formatUsd(0) });
    },
    update(totals) {
      if (totals.done > bar.getTotal()) bar.setTotal(totals.done);
      bar.update(totals.done, {
        tokens: totals.tokens.toLocaleString("en-US"),
        cost: formatUsd(totals.costUsd),
      });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

function describe(totals: ProgressTotals, total: number): string {
  return `${totals.done}/${total} requests done, ${totals.tokens.toLocaleString("en-US")} tokens, ${formatUsd(totals.costUsd)} so far`;
}
