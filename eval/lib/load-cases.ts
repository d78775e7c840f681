import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { parse } from "yaml";
import { z } from "zod";

export const DEFECT_KINDS = [
  "off-by-one",
  "inverted-condition",
  "missing-await",
  "unchecked-null",
  "injection",
  "path-traversal",
  "resource-leak",
  "race",
  "swallowed-error",
  "wrong-unit",
] as const;

/** One labelled case: a file before and after a small change, with the defect the change brings (or none). */
export const evalCaseSchema = z.strictObject({
  language: z.string().min(1),
  /** The changed file's path in the pull request. */
  path: z.string().min(1),
  /** What the change does, as a PR title would say it. */
  title: z.string().min(1),
  /** The defect the change brings, and the new-file line it is on; null for a clean change. */
  defect: z
    .strictObject({
      kind: z.enum(DEFECT_KINDS),
      line: z.number().int().min(1),
      note: z.string().min(1),
    })
    .nullable(),
  before: z.string(),
  after: z.string(),
});
export type EvalCase = z.infer<typeof evalCaseSchema> & { id: string };

/** The cases in `dir` (`*.yaml`, the id is the file name) whose id matches `glob`, sorted by id. */
export function loadCases(dir: string, glob = "*"): EvalCase[] {
  const matches = picomatch(glob);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => name.slice(0, -".yaml".length))
    .filter((id) => matches(id))
    .sort()
    .map((id) => {
      const parsed = evalCaseSchema.safeParse(parse(readFileSync(join(dir, `${id}.yaml`), "utf8")));
      if (!parsed.success) throw new Error(`eval case ${id}: ${parsed.error.message}`);
      const lines = parsed.data.after.split("\n").length;
      if (parsed.data.defect !== null && parsed.data.defect.line > lines) {
        throw new Error(
          `eval case ${id}: the defect's line ${parsed.data.defect.line} is past the file's end`,
        );
      }
      return { ...parsed.data, id };
    });
}
