import { describe, expect, it } from "vitest";
import { createSyntaxParser, MAX_PARSE_BYTES } from "../../../src/syntax/create-syntax-parser.js";
import { grammarFor } from "../../../src/syntax/syntax-languages.js";

const parser = createSyntaxParser();

/**
 * One small file per language: a function (or method) whose body spans the `target` lines, preceded by other code,
 * so that "enclosing" means the function and not the file. `expected` is the function's first and last line.
 */
const SOURCES: {
  path: string;
  text: string;
  target: { start: number; end: number };
  expected: [number, number];
}[] = [
  {
    path: "src/a.js",
    text: "const x = 1;\n\nfunction total(items) {\n  let sum = 0;\n  for (const item of items) sum += item;\n  return sum;\n}\n\nexport { total };\n",
    target: { start: 5, end: 5 },
    expected: [3, 7],
  },
  {
    path: "src/a.ts",
    text: "export class Cart {\n  private items: number[] = [];\n\n  total(): number {\n    let sum = 0;\n    for (const item of this.items) sum += item;\n    return sum;\n  }\n}\n",
    target: { start: 6, end: 6 },
    expected: [4, 8],
  },
  {
    path: "src/a.tsx",
    text: "import React from 'react';\n\nexport function Title(props: { text: string }) {\n  const upper = props.text.toUpperCase();\n  return <h1>{upper}</h1>;\n}\n",
    target: { start: 4, end: 5 },
    expected: [3, 6],
  },
  {
    path: "app/a.py",
    text: "import os\n\n\ndef total(items):\n    s = 0\n    for item in items:\n        s += item\n    return s\n",
    target: { start: 7, end: 7 },
    expected: [4, 8],
  },
  {
    path: "a.go",
    text: 'package main\n\nimport "fmt"\n\nfunc total(items []int) int {\n\tsum := 0\n\tfor _, item := range items {\n\t\tsum += item\n\t}\n\treturn sum\n}\n\nfunc main() { fmt.Println(total(nil)) }\n',
    target: { start: 8, end: 8 },
    expected: [5, 11],
  },
  {
    path: "src/A.java",
    text: "package a;\n\npublic class A {\n  int total(int[] items) {\n    int sum = 0;\n    for (int item : items) sum += item;\n    return sum;\n  }\n}\n",
    target: { start: 6, end: 6 },
    expected: [4, 8],
  },
  {
    path: "src/lib.rs",
    text: "use std::io;\n\nfn total(items: &[i32]) -> i32 {\n    let mut sum = 0;\n    for item in items {\n        sum += item;\n    }\n    sum\n}\n",
    target: { start: 6, end: 6 },
    expected: [3, 9],
  },
  {
    path: "src/a.c",
    text: "#include <stdio.h>\n\nint total(const int *items, int n) {\n  int sum = 0;\n  for (int i = 0; i < n; i++) sum += items[i];\n  return sum;\n}\n",
    target: { start: 5, end: 5 },
    expected: [3, 7],
  },
  {
    path: "src/a.cpp",
    text: "#include <vector>\n\nint total(const std::vector<int>& items) {\n  int sum = 0;\n  for (int item : items) sum += item;\n  return sum;\n}\n",
    target: { start: 5, end: 5 },
    expected: [3, 7],
  },
  {
    path: "lib/a.rb",
    text: "require 'json'\n\nclass Cart\n  def total(items)\n    sum = 0\n    items.each { |item| sum += item }\n    sum\n  end\nend\n",
    target: { start: 6, end: 6 },
    expected: [4, 8],
  },
];

describe("createSyntaxParser", () => {
  it.each(SOURCES)("finds the enclosing function in $path", async ({ path, text, target, expected }) => {
    const analysis = await parser.analyse({ path, text, ranges: [target] });
    expect(analysis?.hasError).toBe(false);
    expect(analysis?.enclosing).toEqual([{ start: expected[0], end: expected[1] }]);
  });

  it("finds nothing to enclose a line outside any function", async () => {
    const analysis = await parser.analyse({
      path: "a.py",
      text: "import os\nX = 1\n\ndef f():\n    return X\n",
      ranges: [{ start: 2, end: 2 }],
    });
    expect(analysis?.enclosing).toEqual([undefined]);
  });

  it("says when the text does not parse", async () => {
    const analysis = await parser.analyse({ path: "a.ts", text: "function f( {\n  return 1;\n" });
    expect(analysis?.hasError).toBe(true);
  });

  it("has no grammar for other languages, and does not parse a file over the size limit", async () => {
    expect(grammarFor("README.md")).toBeUndefined();
    expect(grammarFor("Makefile")).toBeUndefined();
    expect(grammarFor("src/A.JAVA")).toBe("java");
    expect(await parser.analyse({ path: "a.md", text: "# title\n" })).toBeUndefined();
    const huge = `const a = [${"1,".repeat(MAX_PARSE_BYTES / 2)}];\n`;
    expect(await parser.analyse({ path: "a.js", text: huge })).toBeUndefined();
  });

  it("parses hostile nesting within its bounds", async () => {
    const text = `${"(".repeat(100_000)}${")".repeat(100_000)}\n`;
    const analysis = await parser.analyse({ path: "a.js", text, ranges: [{ start: 1, end: 1 }] });
    // Either a result or a cancelled parse: never a hang or a crash.
    expect(analysis === undefined || typeof analysis.hasError === "boolean").toBe(true);
  });
});
