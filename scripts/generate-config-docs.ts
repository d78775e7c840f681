/**
 * Writes the documentation of `.github/deepseek-review.yml` from `repoConfigSchema`:
 * schema/deepseek-review.schema.json and the README table between the config-table markers.
 * Run with `npm run generate:config`; test/unit/config/repo-config.test.ts fails when either is stale.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { configJsonSchema, renderConfigTable } from "../src/config/repo-config.js";

const ROOT = new URL("../", import.meta.url);
const SCHEMA_FILE = new URL("schema/deepseek-review.schema.json", ROOT);
const README_FILE = new URL("README.md", ROOT);
const START = "<!-- config-table:start -->";
const END = "<!-- config-table:end -->";

await mkdir(new URL("schema/", ROOT), { recursive: true });
await writeFile(SCHEMA_FILE, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);

const readme = await readFile(README_FILE, "utf8");
const start = readme.indexOf(START);
const end = readme.indexOf(END, start);
if (start === -1 || end === -1) {
  throw new Error(`README.md must contain the lines ${START} and ${END}, in that order`);
}
const table = renderConfigTable();
await writeFile(README_FILE, `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);

console.log(`wrote ${SCHEMA_FILE.pathname} and the config table in ${README_FILE.pathname}`);
