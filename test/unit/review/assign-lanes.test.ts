import { describe, expect, it } from "vitest";
import { parsePatch } from "../../../src/diff/parse-patch.js";
import type { FileDiff } from "../../../src/diff/types.js";
import { assignLanes } from "../../../src/review/assign-lanes.js";
import { addedPatch } from "../../helpers/fakes.js";

const FLASH = "deepseek-v4-flash";
const PRO = "deepseek-v4-pro";

function diff(path: string): FileDiff {
  return parsePatch({ path, patch: addedPatch([`// ${path}`]) });
}

const app = diff("src/app.ts");
const login = diff("src/auth/login.ts");
const token = diff("src/auth/token.ts");
const workflow = diff(".github/workflows/ci.yml");
const readme = diff("README.md");

/** The lanes as `model: paths`, for short expectations. */
function lanesOf(params: Parameters<typeof assignLanes>[0]): Record<string, string[]> {
  return Object.fromEntries(
    assignLanes(params).map((lane) => [lane.model, lane.files.map((one) => one.path)]),
  );
}

describe("assignLanes", () => {
  it.each<[string, FileDiff[], string[], Record<string, string[]>]>([
    [
      "every file to the model when there are no Pro paths",
      [app, login],
      [],
      { [FLASH]: ["src/app.ts", "src/auth/login.ts"] },
    ],
    [
      "matching files to Pro and the rest to the model",
      [app, login, readme, token],
      ["src/auth/**"],
      { [FLASH]: ["src/app.ts", "README.md"], [PRO]: ["src/auth/login.ts", "src/auth/token.ts"] },
    ],
    [
      "files matching any of several globs to Pro",
      [app, login, readme],
      ["**/*.md", "src/auth/**"],
      { [FLASH]: ["src/app.ts"], [PRO]: ["src/auth/login.ts", "README.md"] },
    ],
    [
      "files under dot-directories to Pro when a glob matches them",
      [app, workflow],
      [".github/**"],
      { [FLASH]: ["src/app.ts"], [PRO]: [".github/workflows/ci.yml"] },
    ],
    [
      "every file to Pro when all match, with no empty lane",
      [login, token],
      ["src/auth/**"],
      { [PRO]: ["src/auth/login.ts", "src/auth/token.ts"] },
    ],
    [
      "every file to the model when none matches",
      [app, readme],
      ["src/auth/**"],
      { [FLASH]: ["src/app.ts", "README.md"] },
    ],
  ])("sends %s", (_name, diffs, proPaths, expected) => {
    expect(lanesOf({ files: diffs, model: FLASH, proModel: PRO, proPaths })).toEqual(expected);
  });

  it("puts the model's lane before the Pro lane", () => {
    const lanes = assignLanes({
      files: [login, app],
      model: FLASH,
      proModel: PRO,
      proPaths: ["src/auth/**"],
    });
    expect(lanes.map((lane) => lane.model)).toEqual([FLASH, PRO]);
  });

  it("makes one lane when the pull request is already reviewed by the Pro model", () => {
    expect(
      assignLanes({ files: [app, login], model: PRO, proModel: PRO, proPaths: ["src/auth/**"] }),
    ).toEqual([{ model: PRO, files: [app, login] }]);
  });

  it.each([
    ["without Pro paths", []],
    ["with Pro paths", ["src/**"]],
  ])("makes no lane without files %s", (_name, proPaths) => {
    expect(assignLanes({ files: [], model: FLASH, proModel: PRO, proPaths })).toEqual([]);
  });

  it("keeps the files themselves, not copies", () => {
    const [lane] = assignLanes({ files: [app], model: FLASH, proModel: PRO, proPaths: [] });
    expect(lane?.files[0]).toBe(app);
  });
});
