import { describe, expect, it } from "vitest";
import type { FindingIdentity } from "../../../src/records/record-schema.js";
import { renderRecord } from "../../../src/records/render-record.js";
import { codeLineHash } from "../../../src/review/finding-identity.js";
import { formatCommentBody } from "../../../src/review/format-comment.js";
import type { Severity } from "../../../src/review/types.js";
import type { ThreadEvent } from "../../../src/store/types.js";
import { createTendThreads, MAX_RESOLVES_PER_RUN } from "../../../src/threads/tend-threads.js";
import type { ReviewThread } from "../../../src/threads/types.js";
import { createCapturedLogger } from "../../helpers/create-test-probot.js";

const BOT = "deepseek-review[bot]";
const identity = (line: number): FindingIdentity => ({
  file: "0123456789abcdef",
  side: "RIGHT",
  lines: [line, line],
  code: [codeLineHash(`let gone${line} = 1;`) ?? ""],
  category: "logic",
});

function ownThread(index: number, change: Partial<ReviewThread> = {}): ReviewThread {
  return {
    id: `PRRT_${index}`,
    isResolved: false,
    isOutdated: true,
    path: "src/a.js",
    line: null,
    truncated: false,
    comments: [
      {
        id: index,
        author: BOT,
        authorIsBot: true,
        body: `finding ${index}\n\n${renderRecord({ kind: "finding", finding: identity((index % 1000) + 1) })}`,
        createdAt: "2026-12-01T00:00:00Z",
        thumbsDownBy: [],
      },
    ],
    ...change,
  };
}

function memoryStore() {
  const events: ThreadEvent[] = [];
  return {
    events,
    async recordThreadEvent(event: ThreadEvent) {
      if (events.some((one) => one.key === event.key && one.kind === event.kind)) return false;
      events.push(event);
      return true;
    },
    async listThreadEvents() {
      return [...events];
    },
  };
}

/** The head's diff of src/a.js: none of the commented code is left. */
const files = [
  {
    path: "src/a.js",
    status: "modified" as const,
    additions: 1,
    deletions: 0,
    changes: 1,
    patch: "@@ -1,0 +1,1 @@\n+let other = 2;",
  },
];

/** The body the app writes for a finding of `severity` (format-comment.ts), without its record. */
const heading = (severity: Severity, title: string) =>
  formatCommentBody({
    finding: { path: "src/a.js", line: 1, severity, category: "logic", title, body: "" },
    suggestion: "none",
  });

describe("createTendThreads", () => {
  it(`resolves at most MAX_RESOLVES_PER_RUN (${MAX_RESOLVES_PER_RUN}) threads in a run of hundreds, the rest later`, async () => {
    const threads = Array.from({ length: 200 }, (_, index) => ownThread(index + 1));
    const resolved: string[] = [];
    const store = memoryStore();
    const { log, records } = createCapturedLogger();
    const tend = createTendThreads({
      gateway: {
        listThreads: async () => threads,
        replyAndResolve: async (id) => {
          resolved.push(id);
        },
      },
      botLogin: BOT,
      store,
      runs: [],
      ref: { installationId: 1, repo: "o/r", pr: 1 },
      headSha: "a".repeat(40),
      log,
    });

    const tended = await tend({ files, complete: true, posted: [identity(1)] });

    expect(resolved).toHaveLength(MAX_RESOLVES_PER_RUN);
    expect(tended.tally.actedOn).toBe(MAX_RESOLVES_PER_RUN);
    expect(records.find((record) => record.msg === "threads.tended")).toMatchObject({
      threads: 200,
      own: 200,
      resolved: MAX_RESOLVES_PER_RUN,
      resolveLater: 200 - MAX_RESOLVES_PER_RUN,
    });
  });

  it("reads no thread when the app said no finding, and returns the dismissals the store keeps", async () => {
    const store = memoryStore();
    await store.recordThreadEvent({
      installationId: 1,
      repo: "o/r",
      pr: 1,
      key: "PRRT_old",
      kind: "dismissed",
      finding: identity(3),
      at: 1,
    });
    const { log } = createCapturedLogger();
    const tend = createTendThreads({
      gateway: {
        listThreads: async () => {
          throw new Error("must not be read");
        },
        replyAndResolve: async () => {
          throw new Error("must not be called");
        },
      },
      botLogin: BOT,
      store,
      runs: [],
      ref: { installationId: 1, repo: "o/r", pr: 1 },
      headSha: "a".repeat(40),
      log,
    });

    const tended = await tend({ files, complete: true, posted: [] });

    expect(tended.dismissed).toEqual([identity(3)]);
    expect(tended.tally).toEqual({ posted: 0, actedOn: 0, dismissed: 1, answered: 0 });
  });

  it("counts the app's findings still open by severity: unresolved threads of its own, nobody dismissed", async () => {
    const withBody = (index: number, head: string, change: Partial<ReviewThread> = {}) => {
      const thread = ownThread(index, { isOutdated: false, ...change });
      const [first] = thread.comments;
      return {
        ...thread,
        comments: first === undefined ? [] : [{ ...first, body: `${head}\n\n${first.body}` }],
      };
    };
    const threads = [
      withBody(1, heading("critical", "SQL built from user input")),
      withBody(2, heading("major", "Loop reads past the end")),
      withBody(3, heading("critical", "Resolved by a person"), { isResolved: true }),
      withBody(4, heading("critical", "Disliked"), {
        comments: ownThread(4).comments.map((one) => ({ ...one, thumbsDownBy: ["octocat"] })),
      }),
      withBody(5, "no severity at the start **🔴 Critical — x**"),
    ];
    const { log } = createCapturedLogger();
    const tend = createTendThreads({
      gateway: { listThreads: async () => threads, replyAndResolve: async () => undefined },
      botLogin: BOT,
      store: memoryStore(),
      runs: [],
      ref: { installationId: 1, repo: "o/r", pr: 1 },
      headSha: "a".repeat(40),
      log,
    });

    const tended = await tend({ files, complete: true, posted: [identity(1)] });

    expect(tended.open).toEqual({ critical: 1, major: 1, minor: 0, nit: 0 });
  });

  it("records a dismissal once however many runs see it", async () => {
    const store = memoryStore();
    const { log, records } = createCapturedLogger();
    const thumbsDown = ownThread(1, { isOutdated: false });
    const first = thumbsDown.comments[0];
    if (first) first.thumbsDownBy = ["octocat"];
    const tend = createTendThreads({
      gateway: { listThreads: async () => [thumbsDown], replyAndResolve: async () => undefined },
      botLogin: BOT,
      store,
      runs: [],
      ref: { installationId: 1, repo: "o/r", pr: 1 },
      headSha: "a".repeat(40),
      log,
    });
    await tend({ files, complete: true, posted: [identity(2)] });
    await tend({ files, complete: true, posted: [identity(2)] });
    expect(store.events.map((event) => [event.kind, event.detail])).toEqual([["dismissed", "reaction"]]);
    expect(
      records.filter((record) => record.msg === "threads.tended").map((record) => record.dismissed),
    ).toEqual([1, 0]);
  });
});
