import { describe, expect, it } from "vitest";
import type { FindingIdentity } from "../../../src/records/record-schema.js";
import { renderRecord } from "../../../src/records/render-record.js";
import { decideThread, type HeadCode } from "../../../src/threads/decide-thread.js";
import type { ReviewThread, ThreadComment } from "../../../src/threads/types.js";

const BOT = "deepseek-review[bot]";
const IDENTITY: FindingIdentity = {
  file: "0123456789abcdef",
  side: "RIGHT",
  lines: [7, 7],
  code: ["aaaaaaaa", "bbbbbbbb"],
  category: "logic",
};
const RECORDED = `**critical** Loop past the end\n\n${renderRecord({ kind: "finding", finding: IDENTITY })}`;

const app = (change: Partial<ThreadComment> = {}): ThreadComment => ({
  id: 1,
  author: BOT,
  authorIsBot: true,
  body: RECORDED,
  createdAt: "2026-12-01T00:00:00Z",
  thumbsDownBy: [],
  ...change,
});
const person = (body: string, author = "octocat"): ThreadComment => ({
  id: 2,
  author,
  authorIsBot: false,
  body,
  createdAt: "2026-12-01T00:01:00Z",
  thumbsDownBy: [],
});

function thread(change: Partial<ReviewThread>): ReviewThread {
  return {
    id: "PRRT_1",
    isResolved: false,
    isOutdated: false,
    path: "src/math.js",
    line: 7,
    comments: [app()],
    truncated: false,
    ...change,
  };
}

const still: HeadCode = new Set(["aaaaaaaa", "bbbbbbbb", "cccccccc"]);
const changed: HeadCode = new Set(["aaaaaaaa", "cccccccc"]);

describe("decideThread", () => {
  it.each<[string, Partial<ReviewThread>, HeadCode, string]>([
    ["a thread a person started", { comments: [person(RECORDED)] }, changed, "ignore"],
    ["another bot's thread", { comments: [{ ...app(), author: "other[bot]" }] }, changed, "ignore"],
    ["the app's comment without a record", { comments: [app({ body: "no record" })] }, changed, "ignore"],
    ["the app's thread, code unchanged", {}, still, "keep"],
    ["the app's thread, outdated but the code still there", { isOutdated: true, line: null }, still, "keep"],
    ["the app's thread, outdated and the code changed", { isOutdated: true, line: null }, changed, "resolve"],
    ["the app's thread, the file no longer changed", { isOutdated: true, line: null }, "absent", "resolve"],
    ["the app's thread, the file's code unknown", { isOutdated: true, line: null }, "unknown", "keep"],
    [
      "a person wrote after the app",
      { isOutdated: true, comments: [app(), person("hmm, is it?")] },
      changed,
      "keep",
    ],
    [
      "the app answered the person last",
      { isOutdated: true, comments: [app(), person("hmm, is it?"), app({ id: 3, body: "Yes." })] },
      changed,
      "resolve",
    ],
    [
      "a bot wrote after the app",
      { isOutdated: true, comments: [app(), { ...person("ci says hi", "ci[bot]"), authorIsBot: true }] },
      changed,
      "resolve",
    ],
    ["a long conversation", { isOutdated: true, truncated: true }, changed, "keep"],
    ["a 👎 by a person", { comments: [app({ thumbsDownBy: ["octocat"] })] }, still, "dismissed"],
    ["a 👎 by the app itself", { comments: [app({ thumbsDownBy: [BOT] })] }, still, "keep"],
    ["a 👎 by another bot", { comments: [app({ thumbsDownBy: ["other[bot]"] })] }, still, "keep"],
    ["a “won't fix” reply", { comments: [app(), person("won't fix")] }, still, "dismissed"],
    [
      "a “won't fix” by a bot",
      { comments: [app(), { ...person("won't fix"), authorIsBot: true }] },
      still,
      "keep",
    ],
    ["the app's own words", { comments: [app(), app({ id: 3, body: "won't fix" })] }, still, "keep"],
    ["resolved by a person, code unchanged", { isResolved: true, resolvedBy: "octocat" }, still, "dismissed"],
    [
      "resolved by a person after the code changed",
      { isResolved: true, isOutdated: true, resolvedBy: "octocat" },
      changed,
      "keep",
    ],
    [
      "resolved by the app earlier",
      { isResolved: true, comments: [app(), app({ id: 3, body: "Resolved: at 1234567, gone." })] },
      changed,
      "acted-on",
    ],
    ["resolved by nobody GitHub names", { isResolved: true }, still, "keep"],
    [
      "resolved by the app, named by its slug",
      { isResolved: true, resolvedBy: "deepseek-review" },
      still,
      "keep",
    ],
    ["resolved by the app, named as REST does", { isResolved: true, resolvedBy: BOT }, still, "keep"],
  ])("%s → %s", (_name, change, headCode, action) => {
    expect(decideThread({ thread: thread(change), botLogin: BOT, headCode: () => headCode }).action).toBe(
      action,
    );
  });

  it("names how a finding was dismissed and the phrase heard", () => {
    expect(
      decideThread({
        thread: thread({ comments: [app(), person("False positive: checked above")] }),
        botLogin: BOT,
        headCode: () => still,
      }),
    ).toEqual({ action: "dismissed", identity: IDENTITY, by: "reply", phrase: "false positive" });
  });

  it("never resolves a thread a person wrote in last, whatever else holds", () => {
    for (const extra of [{}, { line: null }, { truncated: false }]) {
      const decision = decideThread({
        thread: thread({ isOutdated: true, comments: [app(), person("still wrong")], ...extra }),
        botLogin: BOT,
        headCode: () => "absent",
      });
      expect(decision.action).not.toBe("resolve");
    }
  });
});
