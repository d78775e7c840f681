import { describe, expect, it } from "vitest";
import { renderThreadTally, tallyOf } from "../../../src/threads/tally-threads.js";

describe("tallyOf", () => {
  it("sums the ledger's posted findings and counts each kind of event", () => {
    expect(
      tallyOf({
        runs: [{ findingsPosted: 3 }, { findingsPosted: 2 }],
        events: [{ kind: "acted-on" }, { kind: "dismissed" }, { kind: "acted-on" }, { kind: "answered" }],
      }),
    ).toEqual({ posted: 5, actedOn: 2, dismissed: 1, answered: 1 });
  });
});

describe("renderThreadTally", () => {
  it.each([
    [{ posted: 0, actedOn: 0, dismissed: 0, answered: 0 }, undefined],
    [
      { posted: 1, actedOn: 0, dismissed: 0, answered: 1 },
      "Before this review: 1 finding posted · 0 acted on · 0 dismissed · 1 reply answered.",
    ],
    [
      { posted: 5, actedOn: 2, dismissed: 1, answered: 3 },
      "Before this review: 5 findings posted · 2 acted on · 1 dismissed · 3 replies answered.",
    ],
  ])("%j → %j", (tally, line) => {
    expect(renderThreadTally(tally)).toBe(line);
  });
});
