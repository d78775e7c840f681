import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ConfigProblem, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { CONFIG_PATH, ConfigFileError, parseConfigText } from "../github/read-repo-config.js";
import { UsageError } from "./usage-error.js";

/**
 * The repository configuration for a local run: `path` when given (it must exist), else `.github/deepseek-review.yml`
 * at the checkout's root when there is one, else `defaults`. Validated by the App's own schema, key by key; the
 * problems are returned for the caller to refuse or show. `_extends` names other repositories: not read here.
 */
export async function loadLocalConfig(params: {
  path?: string;
  root: string;
  defaults: RepoConfig;
}): Promise<{ config: RepoConfig; problems: ConfigProblem[]; path?: string }> {
  const path = params.path ?? join(params.root, CONFIG_PATH);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (params.path === undefined && code === "ENOENT") return { config: params.defaults, problems: [] };
    throw new UsageError(`cannot read the configuration ${path}: ${code ?? "error"}`);
  }
  let raw: unknown;
  try {
    raw = parseConfigText(text, path);
  } catch (error) {
    if (error instanceof ConfigFileError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
  const problems: ConfigProblem[] = [];
  if (isMapping(raw) && "_extends" in raw) {
    const { _extends: _, ...rest } = raw;
    raw = rest;
    problems.push({
      key: "_extends",
      message: "names another repository's file, which the CLI does not read",
      used: undefined,
    });
  }
  const parsed = parseRepoConfig(raw, params.defaults);
  return { config: parsed.config, problems: [...problems, ...parsed.problems], path };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
