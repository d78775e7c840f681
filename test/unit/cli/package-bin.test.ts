import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

describe("the deepseek-review command", () => {
  it("is package.json's bin: src/cli/main.ts as `npm run build` emits it, run by node", () => {
    const pkg = JSON.parse(read("package.json")) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    const build = JSON.parse(read("tsconfig.build.json")) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(pkg.bin).toEqual({ "deepseek-review": "dist/cli/main.js" });
    expect(build.compilerOptions).toMatchObject({ rootDir: "src", outDir: "dist" });
    expect(read("src/cli/main.ts").split("\n", 1)[0]).toBe("#!/usr/bin/env node");
    expect(pkg.scripts.build).toContain("chmodSync('dist/cli/main.js', 0o755)");
  });
});
