import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createTokenCounter } from "../../../src/review/count-tokens.js";
import { createMasker } from "../../../src/review/create-masker.js";
import { createSecretScanner } from "../../../src/review/create-secret-scanner.js";
import { extractContext } from "../../../src/review/extract-context.js";
import { createSyntaxParser } from "../../../src/syntax/create-syntax-parser.js";
import { createWorkerPlanner } from "../../../src/workers/create-worker-planner.js";

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

const text = `import os\n\n\ndef load(user):\n    if user is None:\n        raise ValueError("no user")\n    name = user.name\n    return name\n\n\n${"X = 1\n".repeat(2_000)}`;
const request = {
  files: [
    { path: "app/load.py", text, hunks: [{ shown: { start: 6, end: 8 }, changed: { start: 7, end: 7 } }] },
  ],
  contextLines: 5,
  maxFileTokens: 300,
};

describe("the planning worker's parsing tasks", () => {
  let planner: ReturnType<typeof createWorkerPlanner> | undefined;
  afterEach(async () => {
    await planner?.close();
    planner = undefined;
  });

  it("extracts context on the worker exactly as on the main thread", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    const fromWorker = await planner.syntax.extractContext(request);
    const deps = {
      parser: createSyntaxParser(),
      countTokens: createTokenCounter(),
      mask: createMasker(createSecretScanner()),
    };
    expect(fromWorker).toEqual(await extractContext(request, deps));
    expect(fromWorker.files[0]?.blocks[0]?.kind).toBe("enclosing code");
  });

  it("checks suggestions on the worker", async () => {
    planner = createWorkerPlanner({ execArgv: ["--import", TSX] });
    const result = await planner.syntax.checkSuggestions({
      files: [
        {
          path: "app/load.py",
          text,
          suggestions: [
            { id: 1, start: 7, end: 7, replacement: "    name = getattr(user, 'name', None)" },
            { id: 2, start: 7, end: 7, replacement: "    name = user.name(" },
          ],
        },
      ],
    });
    expect(result).toEqual({ breaking: [2] });
  });
});
