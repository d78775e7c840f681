import { randomUUID } from "node:crypto";
import { appendFile } from "node:fs/promises";

/** Appends to the job summary (`$GITHUB_STEP_SUMMARY`); nothing when the runner gives no file. */
export async function writeSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (path === undefined || path === "") return;
  await appendFile(path, `${markdown.trimEnd()}\n`, "utf8");
}

/**
 * Sets step outputs through `$GITHUB_OUTPUT`, each as `name<<delimiter` lines with a random delimiter, so that no
 * value can end its own entry early and set another.
 */
export async function writeOutputs(env: NodeJS.ProcessEnv, outputs: Record<string, string>): Promise<void> {
  const path = env.GITHUB_OUTPUT;
  if (path === undefined || path === "") return;
  const text = Object.entries(outputs)
    .map(([name, value]) => {
      const delimiter = `ghadelimiter_${randomUUID()}`;
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join("");
  await appendFile(path, text, "utf8");
}
