import { type ConfigProblem, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import type { Logger } from "../runtime/types.js";

/**
 * Reads `.github/deepseek-review.yml` through `read` (Probot's `context.config`, default branch only) and
 * validates it key by key. A file that cannot be read or parsed is a problem the review shows, on defaults.
 */
export async function loadRepoConfig(params: {
  read: () => Promise<unknown>;
  defaults: RepoConfig;
  log: Logger;
}): Promise<{ config: RepoConfig; problems: ConfigProblem[] }> {
  let raw: unknown;
  try {
    raw = await params.read();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    // A GitHub error (other than a missing file, which Probot reads as null) is not a problem of the file.
    if (typeof status === "number") throw error;
    params.log.warn({ err: { message: (error as Error).message } }, "repository configuration not readable");
    return {
      config: params.defaults,
      problems: [
        {
          key: "(file)",
          message: `could not be read as YAML: ${describeReadError(error as Error)}`,
          used: undefined,
        },
      ],
    };
  }
  const result = parseRepoConfig(raw, params.defaults);
  if (result.problems.length > 0) {
    params.log.warn(
      { keys: result.problems.map((problem) => problem.key) },
      "repository configuration has problems",
    );
  }
  return result;
}

/**
 * Probot's config plugin wraps the YAML parser's error in one that only names the file's URL; the parser's own
 * message says where the file is wrong ("… at line 2, column 1"), so it is the one shown.
 */
function describeReadError(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : error;
  return firstLine(cause.message)
    .replace(/^\[@probot\/octokit-plugin-config\]\s*/, "")
    .replace(/:$/, "");
}

function firstLine(text: string): string {
  return (text.split("\n", 1)[0] ?? "").slice(0, 200);
}
