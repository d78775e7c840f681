import { describe, expect, it } from "vitest";
import { createProgress } from "../../../src/cli/create-progress.js";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    stream: {
      isTTY,
      columns: 120,
      write: (text: string) => writes.push(text),
      cursorTo() {},
      clearLine() {},
      moveCursor() {},
      on() {},
      removeListener() {},
    },
  };
}

describe("createProgress", () => {
  it("writes one plain line per answer when stderr is not a terminal", () => {
    const { writes, stream: target } = stream(false);
    const progress = createProgress({ stream: target, quiet: false });
    progress.note("planning 2 files of main...HEAD");
    progress.start(2);
    progress.update({ done: 1, tokens: 1_500, costUsd: 0.0002 });
    progress.update({ done: 2, tokens: 3_000, costUsd: 0.0004 });
    progress.stop();
    expect(writes).toEqual([
      "deepseek-review: planning 2 files of main...HEAD\n",
      "deepseek-review: 2 requests to DeepSeek\n",
      "deepseek-review: 1/2 requests done, 1,500 tokens, $0.000200 so far\n",
      "deepseek-review: 2/2 requests done, 3,000 tokens, $0.000400 so far\n",
    ]);
  });

  it("counts the requests after the plan's (the verification pass's) in the total, never more done than in all", () => {
    const { writes, stream: target } = stream(false);
    const progress = createProgress({ stream: target, quiet: false });
    progress.start(1);
    progress.update({ done: 1, tokens: 3_120, costUsd: 0.0003 });
    progress.update({ done: 2, tokens: 3_960, costUsd: 0.0004 });
    expect(writes.slice(1)).toEqual([
      "deepseek-review: 1/1 requests done, 3,120 tokens, $0.000300 so far\n",
      "deepseek-review: 2/2 requests done, 3,960 tokens, $0.000400 so far\n",
    ]);

    const terminal = stream(true);
    const bar = createProgress({ stream: terminal.stream, quiet: false });
    bar.start(1);
    bar.update({ done: 2, tokens: 3_960, costUsd: 0.0004 });
    bar.stop();
    expect(terminal.writes.join("")).toContain("2/2 requests | 3,960 tokens");
  });

  it("draws a bar with requests, tokens and dollars on a terminal", () => {
    const { writes, stream: target } = stream(true);
    const progress = createProgress({ stream: target, quiet: false });
    progress.start(4);
    progress.update({ done: 4, tokens: 12_345, costUsd: 0.0021 });
    progress.stop();
    const text = writes.join("");
    expect(text).toContain("4/4 requests | 12,345 tokens | $0.00210");
    expect(text).not.toContain("requests done");
  });

  it("writes nothing with --quiet", () => {
    const { writes, stream: target } = stream(false);
    const progress = createProgress({ stream: target, quiet: true });
    progress.note("x");
    progress.start(1);
    progress.update({ done: 1, tokens: 1, costUsd: 0 });
    progress.stop();
    expect(writes).toEqual([]);
  });
});
