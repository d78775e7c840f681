import { type ConfigProblem, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { ConfigFileError } from "../github/read-repo-config.js";
import type { Logger } from "../runtime/types.js";

export type ReadConfig = () => Promise<{ raw: unknown; problems: ConfigProblem[] }>;

/**
 * Reads `.github/deepseek-review.yml` through `read` (default branch only, see src/github/read-repo-config.ts) and
 * validates it key by key. A file that cannot be used is a problem the review shows, on defaults; a GitHub error
 * is thrown (the job is tried again later).
 */
export async function loadRepoConfig(params: {
  read: ReadConfig;
  defaults: RepoConfig;
  log: Logger;
}): Promise<{ config: RepoConfig; problems: ConfigProblem[] }> {
  let read: Awaited<ReturnType<ReadConfig>>;
  try {
    read = await params.read();
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    params.log.warn({ err: { message: error.message } }, "repository configuration not readable");
    return {
      config: params.defaults,
      problems: [{ key: "(file)", message: error.message, used: undefined }],
    };
  }
  const result = parseRepoConfig(read.raw, params.defaults);
  const problems = [...read.problems, ...result.problems];
  if (problems.length > 0) {
    params.log.warn(
      { keys: problems.map((problem) => problem.key) },
      "repository configuration has problems",
    );
  }
  return { config: result.config, problems };
}
