import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import {
  extractFingerprints,
  fingerprintComment,
  fingerprintMarker,
  gist,
} from "../../../src/review/fingerprint.js";

const before = parsePatch({
  path: "src/a.ts",
  patch: "@@ -1,3 +1,4 @@\n const a = 1;\n+const b = a / 0;\n const c = 2;\n const d = 3;",
});
// The same code after a push that added two lines above it: line numbers moved, the code did not.
const after = parsePatch({
  path: "src/a.ts",
  patch: "@@ -1,3 +1,6 @@\n+// one\n+// two\n const a = 1;\n+const b = a / 0;\n const c = 2;\n const d = 3;",
});

describe("fingerprintComment", () => {
  it("stays the same when the commented code moves to another line", () => {
    const one = fingerprintComment({
      comment: { path: "src/a.ts", line: 2, side: "RIGHT", body: "" },
      title: "Division by zero",
      diff: before,
    });
    const two = fingerprintComment({
      comment: { path: "src/a.ts", line: 4, side: "RIGHT", body: "" },
      title: "division  by ZERO!",
      diff: after,
    });
    expect(one).toMatch(/^[0-9a-f]{16}$/);
    expect(two).toBe(one);
  });

  it.each([
    ["another line of code", { line: 3 }, "Division by zero"],
    ["another gist", { line: 2 }, "Unused variable"],
    ["a range instead of one line", { line: 3, startLine: 2 }, "Division by zero"],
  ])("changes with %s", (_case, where, title) => {
    const base = fingerprintComment({
      comment: { path: "src/a.ts", line: 2, side: "RIGHT", body: "" },
      title: "Division by zero",
      diff: before,
    });
    const other = fingerprintComment({
      comment: { path: "src/a.ts", side: "RIGHT", body: "", ...where },
      title,
      diff: before,
    });
    expect(other).not.toBe(base);
  });
});

describe("gist", () => {
  it.each([
    ["The loop reads past the end of the array", "array end loop past read"],
    ["Loop reads past end of arrays", "array end loop past read"],
    ["Missing `await` on save()", "await missing save"],
    ["Class is unused", "class unused"],
  ])("reduces %j to %j", (title, expected) => {
    expect(gist(title)).toBe(expected);
  });
});

describe("fingerprint markers", () => {
  it("are found again in a comment body", () => {
    const body = `**🔴 Critical — x**\n\nbody\n\n${fingerprintMarker("0123456789abcdef")}`;
    expect(extractFingerprints(body)).toEqual(["0123456789abcdef"]);
  });

  it("ignore look-alikes that are not the app's", () => {
    expect(extractFingerprints("<!-- deepseek-review:fp=XYZ -->, <!-- deepseek-review:fp=0123 -->")).toEqual(
      [],
    );
  });
});
