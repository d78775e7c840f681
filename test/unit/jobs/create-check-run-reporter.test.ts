import { describe, expect, it } from "vitest";
import type { CheckRunDraft, CheckRunGateway } from "../../../src/github/types.js";
import {
  createCheckRunReporter,
  MAX_PROGRESS_UPDATES,
  PROGRESS_INTERVAL_MS,
} from "../../../src/jobs/create-check-run-reporter.js";
import type { ReviewProgress } from "../../../src/review/types.js";
import { createRecordingLogger, flushPromises } from "../../helpers/fakes.js";

type Call =
  | { op: "create"; headSha: string; run: CheckRunDraft }
  | { op: "update"; id: number; run: CheckRunDraft };

function setUp(params: { fail?: Error } = {}) {
  const calls: Call[] = [];
  const checks: CheckRunGateway = {
    async create(headSha, run) {
      calls.push({ op: "create", headSha, run });
      if (params.fail !== undefined) throw params.fail;
      return 9;
    },
    async update(id, run) {
      calls.push({ op: "update", id, run });
    },
  };
  let now = 0;
  const log = createRecordingLogger();
  const reporter = createCheckRunReporter({
    checks,
    headSha: "a".repeat(40),
    render: (progress) => ({ status: "in_progress", title: `${progress.chunksDone}`, summary: "" }),
    log,
    clock: () => now,
  });
  return { calls, reporter, log, advance: (ms: number) => (now += ms) };
}

const progress = (chunksDone: number, chunks = 1_000): ReviewProgress => ({
  files: chunks,
  filesDone: chunksDone,
  chunks,
  chunksDone,
});
const done: CheckRunDraft = { status: "completed", conclusion: "neutral", title: "done", summary: "" };

describe("createCheckRunReporter", () => {
  it("creates the check run at the first progress, then updates it at most every interval", async () => {
    const { calls, reporter, advance } = setUp();
    reporter.progress(progress(0));
    for (let chunk = 1; chunk <= 10; chunk++) reporter.progress(progress(chunk));
    advance(PROGRESS_INTERVAL_MS);
    reporter.progress(progress(11));
    reporter.progress(progress(12));
    await reporter.complete(done);
    expect(calls.map((call) => [call.op, call.run.title])).toEqual([
      ["create", "0"],
      ["update", "11"],
      ["update", "done"],
    ]);
  });

  it("sends a bounded number of updates on a pull request of a thousand chunks, however long it takes", async () => {
    const { calls, reporter, advance } = setUp();
    for (let chunk = 0; chunk <= 1_000; chunk++) {
      reporter.progress(progress(chunk));
      advance(PROGRESS_INTERVAL_MS);
    }
    await reporter.complete(done);
    expect(calls).toHaveLength(1 + MAX_PROGRESS_UPDATES + 1);
    expect(calls.at(-1)).toEqual({ op: "update", id: 9, run: done });
  });

  it("creates the check run completed when the review ended before any progress (e.g. it failed early)", async () => {
    const { calls, reporter } = setUp();
    await reporter.complete(done);
    expect(calls).toEqual([{ op: "create", headSha: "a".repeat(40), run: done }]);
  });

  it("never throws, logs once without the error's full text, and stops writing when GitHub refuses", async () => {
    const refused = Object.assign(
      new Error("Resource not accessible by integration\nauthorization: token ghs_x"),
      {
        status: 403,
      },
    );
    const { calls, reporter, log } = setUp({ fail: refused });
    reporter.progress(progress(0));
    await flushPromises();
    reporter.progress(progress(1));
    await expect(reporter.complete(done)).resolves.toBeUndefined();
    expect(calls.map((call) => call.op)).toEqual(["create"]);
    expect(log.withMessage("check run not written")).toEqual([
      {
        level: "warn",
        obj: { status: 403, err: { message: "Resource not accessible by integration" } },
        msg: "check run not written",
      },
    ]);
  });
});
