import { describe, expect, it } from "vitest";
import {
  buildMessages,
  MAX_LISTED_PATHS,
  renderChangedFiles,
  SYSTEM_PROMPT,
} from "../../../src/review/build-prompt.js";
import type { Chunk } from "../../../src/review/types.js";

const fileOf = (path: string) => ({ path, header: `=== FILE: ${path} ===\n`, headerTokens: 5, hunks: [] });
const chunkOf = (...paths: string[]): Chunk => ({ files: paths.map(fileOf), tokens: 10 });

describe("renderChangedFiles", () => {
  it("lists each file once, in plan order", () => {
    expect(renderChangedFiles([chunkOf("a.ts", "b.ts"), chunkOf("b.ts", "c.ts")])).toBe(
      "- a.ts\n- b.ts\n- c.ts",
    );
  });

  it("counts the files past its cap instead of listing them", () => {
    const paths = Array.from({ length: MAX_LISTED_PATHS + 7 }, (_, index) => `f${index}.ts`);
    const lines = renderChangedFiles([chunkOf(...paths)]).split("\n");
    expect(lines).toHaveLength(MAX_LISTED_PATHS + 1);
    expect(lines.at(-1)).toBe("(and 7 more)");
  });
});

describe("buildMessages with context", () => {
  const pr = { title: "Title", body: "Body" };
  const build = (chunk: Chunk, context: string) =>
    buildMessages({ pr, chunk, changedFiles: "- a.ts\n- b.ts", context, language: "English" });

  it("puts what every request shares first, then the chunk's context, then its diff", () => {
    const first = build(chunkOf("a.ts"), "=== CONTEXT: a.ts ===\n--- lines 1-2 (whole file) ---\n    1: x\n");
    const second = build(chunkOf("b.ts"), "");
    expect(first[0]?.content).toBe(SYSTEM_PROMPT);
    expect(second[0]?.content).toBe(SYSTEM_PROMPT);
    const user = first[1]?.content ?? "";
    const shared = user.slice(0, user.indexOf("Code around this part of the diff"));
    expect(second[1]?.content.startsWith(shared)).toBe(true);
    expect(shared).toContain("<changed_files>\n- a.ts\n- b.ts\n</changed_files>");
    expect(user.indexOf("<pr_description>")).toBeLessThan(user.indexOf("<changed_files>"));
    expect(user.indexOf("</changed_files>")).toBeLessThan(user.indexOf("<code_context>"));
    expect(user.indexOf("</code_context>")).toBeLessThan(user.indexOf("<diff>"));
    expect(second[1]?.content).not.toContain("<code_context>");
  });

  it("tells the model that context lines are not commentable", () => {
    expect(SYSTEM_PROMPT).toContain("Context lines are for reading only");
    expect(SYSTEM_PROMPT).toContain('must never be used as "line" or "start_line"');
  });
});
