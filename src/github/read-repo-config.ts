import type { ProbotOctokit } from "probot";
import { parse } from "yaml";
import { type ExtendsTarget, mergeConfig, parseExtends } from "../config/merge-config.js";
import type { ConfigProblem } from "../config/repo-config.js";
import { hasStatus } from "./http-status.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The configuration file, from a repository's root. */
export const CONFIG_PATH = ".github/deepseek-review.yml";
/** A larger configuration file is not read: no setting needs more. */
export const MAX_CONFIG_BYTES = 65_536;
/** Files read through `_extends`, one after the other, before the chain is cut. */
const MAX_EXTENDS_DEPTH = 3;

/** A configuration file that cannot be used at all (not YAML, too large): its message goes to the review body. */
export class ConfigFileError extends Error {
  override name = "ConfigFileError";
}

export interface ReadRepoConfigParams {
  owner: string;
  repo: string;
  /** Owners whose repositories `_extends` may name besides `owner` itself (the operator's allow-list). */
  extendsOwners?: readonly string[];
  /** The file's path in the repository; default `CONFIG_PATH` (the Action's `config-path` input may name another). */
  path?: string;
}

/**
 * Reads `.github/deepseek-review.yml` of the repository's default branch, or of the owner's `.github` repository
 * when the repository has none, then the files it `_extends` (same owner only, unless the operator allows
 * others), merged so that a key a file sets wins over the file it extends — lists included. Returns the merged
 * object (null when there is no file) and the problems met on the way.
 */
export async function readRepoConfig(
  octokit: Octokit,
  params: ReadRepoConfigParams,
): Promise<{ raw: unknown; problems: ConfigProblem[] }> {
  const problems: ConfigProblem[] = [];
  const path = params.path ?? CONFIG_PATH;
  let file = await readConfigFile(octokit, { owner: params.owner, repo: params.repo, path });
  if (file === undefined && params.repo !== ".github") {
    file = await readConfigFile(octokit, { owner: params.owner, repo: ".github", path });
  }
  if (file === undefined) return { raw: null, problems };
  const layers: unknown[] = [];
  const seen = new Set<string>();
  let current: unknown = file;
  for (let depth = 0; ; depth++) {
    if (!isMapping(current) || !("_extends" in current)) {
      layers.push(current);
      break;
    }
    const { _extends: value, ...rest } = current;
    layers.push(rest);
    const target = parseExtends(value, { owner: params.owner, path: CONFIG_PATH });
    const refusal = refuseExtends({ target, value, params, depth, seen });
    if (refusal !== undefined) {
      problems.push({ key: "_extends", message: refusal, used: undefined });
      break;
    }
    const extended = await readConfigFile(octokit, target as ExtendsTarget);
    if (extended === undefined) {
      problems.push({
        key: "_extends",
        message: `${describe(target as ExtendsTarget)} has no such file`,
        used: undefined,
      });
      break;
    }
    current = extended;
  }
  const raw = layers.reduceRight<unknown>((merged, layer) => mergeConfig(merged, layer), {});
  return { raw, problems };
}

function refuseExtends(params: {
  target: ExtendsTarget | undefined;
  value: unknown;
  params: ReadRepoConfigParams;
  depth: number;
  seen: Set<string>;
}): string | undefined {
  const { target } = params;
  if (target === undefined) {
    return "expected `repo`, `owner/repo` or either with `:path/file.yml`; ignored";
  }
  const allowed = [params.params.owner, ...(params.params.extendsOwners ?? [])].map((one) =>
    one.toLowerCase(),
  );
  if (!allowed.includes(target.owner.toLowerCase())) {
    return `${describe(target)} belongs to another owner; only repositories of ${params.params.owner} may be extended, so it was not read`;
  }
  if (params.depth >= MAX_EXTENDS_DEPTH) {
    return `more than ${MAX_EXTENDS_DEPTH} files extend each other; ${describe(target)} was not read`;
  }
  const key = `${target.owner}/${target.repo}:${target.path}`.toLowerCase();
  if (params.seen.has(key))
    return `${describe(target)} was already read (the files extend each other in a loop)`;
  params.seen.add(key);
  return undefined;
}

function describe(target: ExtendsTarget): string {
  return `${target.owner}/${target.repo}:${target.path}`;
}

/** One file's parsed YAML; undefined when the file does not exist. */
async function readConfigFile(octokit: Octokit, target: ExtendsTarget): Promise<unknown> {
  let data: unknown;
  try {
    const response = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: target.owner,
      repo: target.repo,
      path: target.path,
      mediaType: { format: "raw" },
    });
    data = response.data;
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
  if (typeof data !== "string") {
    throw new ConfigFileError(`${describe(target)} is a directory or a submodule, not a file`);
  }
  return parseConfigText(data, describe(target));
}

/** A configuration file's text as YAML (null when empty), within the size cap; `name` says which file in errors. */
export function parseConfigText(data: string, name: string): unknown {
  if (Buffer.byteLength(data, "utf8") > MAX_CONFIG_BYTES) {
    throw new ConfigFileError(`${name} is larger than ${MAX_CONFIG_BYTES / 1024} KB`);
  }
  try {
    return parse(data, { maxAliasCount: 100, prettyErrors: true, logLevel: "error" }) ?? null;
  } catch (error) {
    const message = error instanceof Error ? (error.message.split("\n", 1)[0] ?? "") : String(error);
    throw new ConfigFileError(`could not be read as YAML: ${message.replace(/:$/, "").slice(0, 200)}`);
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
