import { describe, expect, it } from "vitest";
import { type ChangesSince, findChangesSince } from "../../../src/review/find-changes-since.js";
import type { Comparison } from "../../../src/review/types.js";
import { createRecordingGateway, pullRequestFile } from "../../helpers/fakes.js";

const LAST_BASE = "0000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const LAST_SHA = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HEAD_SHA = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

function changesSince(comparison: Comparison | undefined): Promise<ChangesSince> {
  const github = createRecordingGateway({
    headSha: HEAD_SHA,
    files: [],
    comparisons: { [`${LAST_BASE}...${LAST_SHA}`]: comparison },
  });
  return findChangesSince({ github, last: { base: LAST_BASE, head: LAST_SHA } });
}

describe("findChangesSince", () => {
  it.each<[string, Comparison | undefined, string]>([
    ["GitHub cannot compare the commits", undefined, "the last reviewed commit 1111111 could not be found"],
    [
      "GitHub left files out of the comparison",
      { status: "ahead", files: [], complete: false },
      "too many files in the pull request at the last reviewed commit 1111111 to compare",
    ],
  ])("asks for a full review when %s", async (_name, comparison, reason) => {
    await expect(changesSince(comparison)).resolves.toEqual({ fullReviewBecause: reason });
  });

  it("returns the pull request's files as they were at the last review (its base...head then)", async () => {
    const files = [pullRequestFile({ path: "src/edited.ts", patch: "@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e" })];
    // Diverged: the branch was force-pushed or rebased since; the content decides what is new, not the history.
    await expect(changesSince({ status: "diverged", files, complete: true })).resolves.toEqual({
      before: files,
    });
  });
});
