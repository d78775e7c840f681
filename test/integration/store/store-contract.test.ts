import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job, ReviewJob } from "../../../src/jobs/job.js";
import { openPostgresStore } from "../../../src/store/postgres/open-postgres-store.js";
import type { LedgerEntry, QueuedJob, Store, ThreadEvent } from "../../../src/store/types.js";
import { createTestStore } from "../../helpers/create-test-app.js";
import { createTestDatabase } from "../../helpers/postgres.js";

const sha = (char: string) => char.repeat(40);

function autoJob(number: number, head: string): ReviewJob {
  return {
    type: "review",
    installationId: 1,
    owner: "octo",
    repo: "hello",
    number,
    deliveryId: `d-${number}-${head}`,
    trigger: { kind: "auto", event: "pull_request.synchronize", headSha: sha(head) },
  };
}

function run(
  entry: Partial<LedgerEntry> & Pick<LedgerEntry, "id" | "repo" | "costUsd" | "finishedAt">,
): LedgerEntry {
  return {
    installationId: 1,
    pr: 1,
    trigger: "auto",
    models: [],
    requests: 1,
    promptCacheHitTokens: 0,
    promptCacheMissTokens: 0,
    completionTokens: 0,
    durationMs: 10,
    findingsPosted: 0,
    findingsNotInline: 0,
    outcome: "completed",
    startedAt: entry.finishedAt - 10,
    ...entry,
  };
}

/** Runs jobs until `stop` and records what ran, in order; each job waits for `release` when given. */
function recorder(release?: Promise<void>) {
  const ran: string[] = [];
  const handlers = {
    async run(queued: QueuedJob) {
      const { job } = queued;
      const what =
        job.type === "review" && job.trigger.kind === "auto" ? job.trigger.headSha.slice(0, 1) : job.type;
      ran.push(`${job.number}:${what}`);
      if (release !== undefined) await release;
    },
    async giveUp() {},
  };
  return { ran, handlers };
}

const backends: [string, () => Promise<{ store: Store; cleanUp: () => Promise<void> }>][] = [
  ["SQLite", async () => ({ store: createTestStore(), cleanUp: async () => undefined })],
  [
    "PostgreSQL",
    async () => {
      const database = await createTestDatabase();
      const store = await openPostgresStore({
        connectionString: database.url,
        reviewConcurrency: 2,
        pollingIntervalSeconds: 0.5,
      });
      return {
        store,
        cleanUp: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  ],
];

describe.each(backends)("the %s store", (_name, open) => {
  let store: Store;
  let cleanUp: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanUp } = await open());
  });
  afterAll(async () => cleanUp());

  it("takes a webhook delivery once and forgets one on request", async () => {
    expect(await store.firstDelivery("delivery-1")).toBe(true);
    expect(await store.firstDelivery("delivery-1")).toBe(false);
    await store.forgetDelivery("delivery-1");
    expect(await store.firstDelivery("delivery-1")).toBe(true);
  });

  it("keeps ledger rows and sums them by repository, installation, pull request and time", async () => {
    await store.recordRun(run({ id: "r1", repo: "octo/hello", pr: 1, costUsd: 0.5, finishedAt: 1_000 }));
    await store.recordRun(run({ id: "r2", repo: "Octo/Hello", pr: 2, costUsd: 0.25, finishedAt: 2_000 }));
    await store.recordRun(
      run({
        id: "r3",
        repo: "octo/other",
        installationId: 2,
        costUsd: 1,
        finishedAt: 3_000,
        outcome: "failed",
        reason: "DeepSeek server error",
      }),
    );
    expect(await store.spentUsd({ repo: "octo/hello" })).toBeCloseTo(0.75, 10);
    expect(await store.spentUsd({ installationId: 2 })).toBeCloseTo(1, 10);
    expect(await store.spentUsd({ since: 2_000 })).toBeCloseTo(1.25, 10);
    expect(await store.spentUsd({ until: 2_000 })).toBeCloseTo(0.5, 10);
    expect(await store.spentUsd({ repo: "octo/hello", pr: 2 })).toBeCloseTo(0.25, 10);
    const rows = await store.listRuns({ since: 2_500 });
    expect(rows).toEqual([
      run({
        id: "r3",
        repo: "octo/other",
        installationId: 2,
        costUsd: 1,
        finishedAt: 3_000,
        outcome: "failed",
        reason: "DeepSeek server error",
      }),
    ]);
  });

  it("pauses a pull request, whatever the case of its name", async () => {
    expect(await store.pullRequestSettings({ repo: "octo/hello", pr: 3 })).toEqual({ paused: false });
    await store.setPaused({ repo: "Octo/Hello", pr: 3 }, true);
    expect(await store.pullRequestSettings({ repo: "octo/hello", pr: 3 })).toEqual({ paused: true });
  });

  it("keeps the last head reviewed per pull request, beside its pause, whatever the case of its name", async () => {
    expect(await store.lastReviewed({ repo: "octo/hello", pr: 5 })).toBeUndefined();
    await store.setPaused({ repo: "octo/hello", pr: 5 }, true);
    expect(await store.lastReviewed({ repo: "octo/hello", pr: 5 })).toBeUndefined();
    await store.recordReviewed(
      { repo: "Octo/Hello", pr: 5 },
      { head: sha("a"), base: sha("b"), complete: true, at: 1_000 },
    );
    await store.recordReviewed(
      { repo: "octo/hello", pr: 5 },
      { head: sha("c"), base: sha("d"), complete: false, at: 2_000 },
    );
    expect(await store.lastReviewed({ repo: "OCTO/hello", pr: 5 })).toEqual({
      head: sha("c"),
      base: sha("d"),
      complete: false,
      at: 2_000,
    });
    expect(await store.pullRequestSettings({ repo: "octo/hello", pr: 5 })).toEqual({ paused: true });
    expect(await store.lastReviewed({ repo: "octo/hello", pr: 6 })).toBeUndefined();
  });

  it("lets a refusal through once per window per user and pull request", async () => {
    const ref = { repo: "octo/hello", pr: 4, windowMs: 3_600_000 };
    expect(await store.claimRefusal({ ...ref, user: "mallory" })).toBe(true);
    expect(await store.claimRefusal({ ...ref, user: "MALLORY" })).toBe(false);
    expect(await store.claimRefusal({ ...ref, user: "eve" })).toBe(true);
    expect(await store.claimRefusal({ ...ref, user: "mallory", windowMs: 0 })).toBe(true);
  });

  it("records a thread event once per pull request, key and kind, and lists them by repository and time", async () => {
    const finding = {
      file: "0123456789abcdef",
      side: "RIGHT" as const,
      lines: [3, 4] as [number, number],
      code: ["abcdef01"],
      category: "logic" as const,
    };
    const event = (change: Partial<ThreadEvent>): ThreadEvent => ({
      installationId: 1,
      repo: "octo/hello",
      pr: 5,
      key: "PRRT_1",
      kind: "dismissed",
      at: 1_000,
      ...change,
    });
    expect(await store.recordThreadEvent(event({ finding, detail: "reaction" }))).toBe(true);
    expect(await store.recordThreadEvent(event({ repo: "Octo/Hello", at: 2_000 }))).toBe(false);
    expect(await store.recordThreadEvent(event({ kind: "acted-on", at: 2_000 }))).toBe(true);
    expect(
      await store.recordThreadEvent(event({ key: "901", kind: "answered", detail: "reply", at: 3_000 })),
    ).toBe(true);
    expect(await store.recordThreadEvent(event({ repo: "octo/other", pr: 1, at: 4_000 }))).toBe(true);
    expect(await store.listThreadEvents({ repo: "OCTO/hello", pr: 5 })).toEqual([
      event({ finding, detail: "reaction" }),
      event({ kind: "acted-on", at: 2_000 }),
      event({ key: "901", kind: "answered", detail: "reply", at: 3_000 }),
    ]);
    expect((await store.listThreadEvents({ since: 3_000 })).map((one) => one.at)).toEqual([3_000, 4_000]);
    expect((await store.listThreadEvents({ until: 2_000 })).map((one) => one.kind)).toEqual(["dismissed"]);
  });

  it("queues an automatic review once per head and lets a newer head take a waiting one's place", async () => {
    const queue = store.queue;
    expect(await queue.enqueue(autoJob(10, "a"))).toBe("queued");
    expect(await queue.enqueue(autoJob(10, "a"))).toBe("duplicate");
    expect(await queue.enqueue(autoJob(10, "b"))).toBe("replaced");
    expect(await queue.enqueue(autoJob(11, "c"))).toBe("queued");
    const command: Job = {
      type: "command",
      installationId: 1,
      owner: "octo",
      repo: "hello",
      number: 10,
      deliveryId: "c1",
      command: { kind: "help" },
      user: "alice",
      commentId: 1,
    };
    expect(await queue.enqueue(command)).toBe("queued");
    expect(await queue.enqueue(command)).toBe("duplicate");
    for (let comment = 2; comment <= 4; comment++) {
      const result = await queue.enqueue({ ...command, commentId: comment });
      expect(result).toBe(comment <= 3 ? "queued" : "duplicate");
    }
    // Answers to people share the command lane and its bound of waiting jobs per user and pull request.
    const answer: Job = {
      type: "answer",
      installationId: 1,
      owner: "octo",
      repo: "hello",
      number: 12,
      deliveryId: "a1",
      commentId: 100,
      user: "bob",
      where: { kind: "thread", inReplyTo: 99 },
    };
    expect(await queue.enqueue(answer)).toBe("queued");
    expect(await queue.enqueue(answer)).toBe("duplicate");
    for (let comment = 101; comment <= 103; comment++) {
      const result = await queue.enqueue({ ...answer, commentId: comment });
      expect(result).toBe(comment <= 102 ? "queued" : "duplicate");
    }
    expect((await queue.stats()).waiting).toBe(8);
    const { ran, handlers } = recorder();
    await queue.start(handlers);
    expect(await queue.drain(15_000)).toEqual([]);
    expect(ran.filter((one) => one.startsWith("10:") && one !== "10:command")).toEqual(["10:b"]);
    expect(ran).toContain("11:c");
    expect(ran.filter((one) => one === "10:command")).toHaveLength(3);
    expect(ran.filter((one) => one === "12:answer")).toHaveLength(3);
    expect((await queue.stats()).waiting).toBe(0);
  });
});
