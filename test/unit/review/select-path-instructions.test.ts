import { describe, expect, it } from "vitest";
import {
  MAX_PATH_INSTRUCTIONS_PER_REQUEST,
  selectPathInstructions,
} from "../../../src/review/select-path-instructions.js";

describe("selectPathInstructions", () => {
  it("joins the instructions of every matching entry in the configuration's order", () => {
    const select = selectPathInstructions([
      { paths: ["src/db/**"], instructions: "  Parameterise queries. " },
      { paths: ["**/*.test.ts"], instructions: "Tests may use any." },
      { paths: ["src/**"], instructions: "No default exports." },
    ]);
    expect(select(["src/db/a.ts", "README.md"])).toBe("Parameterise queries.\n\nNo default exports.");
    expect(select(["lib/x.test.ts"])).toBe("Tests may use any.");
    expect(select(["README.md"])).toBeUndefined();
  });

  it("cuts what one request carries, whatever the configuration holds", () => {
    const entries = Array.from({ length: 20 }, () => ({ paths: ["**"], instructions: "x".repeat(2_000) }));
    const text = selectPathInstructions(entries)(["a.ts"]) ?? "";
    expect(text.length).toBeLessThanOrEqual(MAX_PATH_INSTRUCTIONS_PER_REQUEST + 1);
  });
});
