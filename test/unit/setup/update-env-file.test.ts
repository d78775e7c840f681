import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { updateEnvFile } from "../../../src/setup/update-env-file.js";

const dir = mkdtempSync(join(tmpdir(), "env-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("updateEnvFile", () => {
  it("creates the file, readable only by its owner", () => {
    const path = join(dir, "new.env");
    const env: NodeJS.ProcessEnv = {};
    updateEnvFile(path, { APP_ID: "1" }, env);
    expect(readFileSync(path, "utf8")).toBe("APP_ID=1\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(env.APP_ID).toBe("1");
  });

  it("replaces the variables it sets where they are, keeps every other line, and appends the new ones", () => {
    const path = join(dir, "existing.env");
    writeFileSync(path, "# keys\nDEEPSEEK_API_KEY=sk-1\nexport APP_ID=7\nPRIVATE_KEY_PATH=\n\n");
    updateEnvFile(
      path,
      { APP_ID: "42", PRIVATE_KEY_PATH: "app.42.private-key.pem", WEBHOOK_SECRET: "abc" },
      {},
    );
    expect(readFileSync(path, "utf8")).toBe(
      "# keys\nDEEPSEEK_API_KEY=sk-1\nAPP_ID=42\nPRIVATE_KEY_PATH=app.42.private-key.pem\nWEBHOOK_SECRET=abc\n",
    );
    expect(parseEnv(readFileSync(path, "utf8"))).toEqual({
      DEEPSEEK_API_KEY: "sk-1",
      APP_ID: "42",
      PRIVATE_KEY_PATH: "app.42.private-key.pem",
      WEBHOOK_SECRET: "abc",
    });
  });

  it.each(["two words", 'a"quote', "line\nbreak", "hash#tag", ""])(
    "refuses to write the value %j",
    (value) => {
      const path = join(dir, "refused.env");
      expect(() => updateEnvFile(path, { WEBHOOK_SECRET: value }, {})).toThrow("its value is not plain text");
    },
  );
});
