import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** What a value written to .env may hold: no quotes, spaces, `#` or line breaks, so every reader takes it literally. */
const PLAIN_VALUE = /^[^\s"'`#\\]+$/;

/**
 * Sets variables in a .env file (and in `env`), keeping every other line as it is. Values are written unquoted, so
 * `node --env-file`, Probot and `docker run --env-file` all read the same thing.
 */
export function updateEnvFile(path: string, values: Record<string, string>, env: NodeJS.ProcessEnv): void {
  for (const [key, value] of Object.entries(values)) {
    if (!PLAIN_VALUE.test(value))
      throw new Error(`${key} cannot be written to ${path}: its value is not plain text`);
  }
  const pending = new Map(Object.entries(values));
  const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n") : [];
  const updated = lines.map((line) => {
    const key = keyOf(line);
    const value = key === undefined ? undefined : pending.get(key);
    if (key === undefined || value === undefined) return line;
    pending.delete(key);
    return `${key}=${value}`;
  });
  while (updated.length > 0 && updated.at(-1) === "") updated.pop();
  for (const [key, value] of pending) updated.push(`${key}=${value}`);
  writeFileSync(path, `${updated.join("\n")}\n`, { mode: 0o600 });
  Object.assign(env, values);
}

/** The variable a `KEY=value` (or `export KEY=value`) line sets. */
function keyOf(line: string): string | undefined {
  const equals = line.indexOf("=");
  if (equals < 0) return undefined;
  const key = line
    .slice(0, equals)
    .trim()
    .replace(/^export\s+/, "");
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : undefined;
}
