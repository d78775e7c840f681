import { describe, expect, it } from "vitest";
import { type ChangesSince, findChangesSince } from "../../../src/review/find-changes-since.js";
import type { Comparison } from "../../../src/review/types.js";
import { createRecordingGateway, pullRequestFile } from "../../helpers/fakes.js";

const LAST_SHA = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HEAD_SHA = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

function changesSince(comparison: Comparison | undefined): Promise<ChangesSince> {
  const github = createRecordingGateway({
    headSha: HEAD_SHA,
    files: [],
    comparisons: { [`${LAST_SHA}...${HEAD_SHA}`]: comparison },
  });
  return findChangesSince({ github, lastSha: LAST_SHA, headSha: HEAD_SHA });
}

describe("findChangesSince", () => {
  it.each<[string, Comparison | undefined, string]>([
    ["GitHub cannot compare the commits", undefined, "the last reviewed commit 1111111 could not be found"],
    [
      "the branch was force-pushed past the last reviewed commit",
      { status: "diverged", files: [], complete: true },
      "the last reviewed commit 1111111 is no longer part of the branch (force push)",
    ],
    [
      "the head is behind the last reviewed commit",
      { status: "behind", files: [], complete: true },
      "the last reviewed commit 1111111 is no longer part of the branch (force push)",
    ],
    [
      "GitHub left files out of the comparison",
      { status: "ahead", files: [], complete: false },
      "too many files changed since the last reviewed commit 1111111 to compare",
    ],
  ])("asks for a full review when %s", async (_name, comparison, reason) => {
    await expect(changesSince(comparison)).resolves.toEqual({ fullReviewBecause: reason });
  });

  it("reads the changed new-file lines off the comparison's patches", async () => {
    const comparison: Comparison = {
      status: "ahead",
      complete: true,
      files: [
        pullRequestFile({ path: "src/edited.ts", patch: "@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e" }),
        pullRequestFile({ path: "src/shrunk.ts", patch: "@@ -5,3 +5,2 @@\n x\n-y\n z" }),
        pullRequestFile({ path: "assets/logo.png", status: "added" }),
        pullRequestFile({ path: "src/broken.ts", patch: "@@ -1,1 +1,1 @@\n+only an addition" }),
      ],
    };
    await expect(changesSince(comparison)).resolves.toEqual({
      changed: new Map<string, Set<number> | "all">([
        ["src/edited.ts", new Set([2, 3])],
        ["src/shrunk.ts", new Set([6])],
        ["assets/logo.png", "all"],
        ["src/broken.ts", "all"],
      ]),
    });
  });

  it("finds nothing changed when the comparison lists no file", async () => {
    await expect(changesSince({ status: "ahead", files: [], complete: true })).resolves.toEqual({
      changed: new Map(),
    });
  });
});
