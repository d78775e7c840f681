import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { splitGitDiff } from "../../../src/diff/split-git-diff.js";
import { createGitRepo } from "../../helpers/run-cli.js";

describe("splitGitDiff", () => {
  it("reads what real git prints: spaces and non-ASCII in paths, renames, binaries, new and deleted files", () => {
    const repo = createGitRepo({
      "a b.txt": "a\n",
      "bin.dat": "\u0000\u0001",
      "ü.txt": "same\n",
      "gone.txt": "bye\n",
      "space bin.dat": "\u0000\u0003",
    });
    try {
      repo.git("mv", "ü.txt", "ö.txt");
      repo.commit(
        {
          "a b.txt": "a\nb\n",
          "bin.dat": "\u0000\u0002",
          "new.ts": "export {};\n",
          "space bin.dat": "\u0000\u0004",
        },
        "change",
      );
      repo.git("rm", "-q", "gone.txt");
      repo.git("commit", "-q", "-m", "remove");
      const diff = execFileSync(
        "git",
        ["-c", "core.quotePath=false", "diff", "--no-color", "--find-renames", "HEAD~2...HEAD"],
        { cwd: repo.dir, encoding: "utf8" },
      );
      const files = splitGitDiff(diff);
      const byPath = Object.fromEntries(files.map((file) => [file.path, file]));
      expect(Object.keys(byPath).sort()).toEqual(
        ["a b.txt", "bin.dat", "gone.txt", "new.ts", "space bin.dat", "ö.txt"].sort(),
      );
      expect(byPath["a b.txt"]).toMatchObject({ status: "modified", additions: 1, deletions: 0 });
      expect(byPath["a b.txt"]?.patch).toBe("@@ -1 +1,2 @@\n a\n+b");
      expect(byPath["bin.dat"]?.patch).toBeUndefined();
      expect(byPath["space bin.dat"]?.patch).toBeUndefined();
      expect(byPath["ö.txt"]).toMatchObject({ status: "renamed", previousPath: "ü.txt" });
      expect(byPath["new.ts"]).toMatchObject({ status: "added", additions: 1 });
      expect(byPath["gone.txt"]).toMatchObject({ status: "removed", deletions: 1 });
    } finally {
      rmSync(repo.dir, { recursive: true, force: true });
    }
  });

  it("takes a diff of 20,000 files and a 5 MB line in stride", () => {
    const many = Array.from(
      { length: 20_000 },
      (_, index) =>
        `diff --git a/f${index} b/f${index}\n--- a/f${index}\n+++ b/f${index}\n@@ -1 +1 @@\n-a\n+b\n`,
    ).join("");
    expect(splitGitDiff(many)).toHaveLength(20_000);
    const long = `diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+${"y".repeat(5_000_000)}\n`;
    expect(splitGitDiff(long)[0]).toMatchObject({ path: "x", additions: 1 });
  });
});
