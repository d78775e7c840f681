import type { ConfigProblem, RepoConfig } from "../config/repo-config.js";
import type { ProcessSettings } from "../config/settings-from-env.js";
import type { ReviewLimits } from "../cost/spend-meter.js";
import type { SpendWindows } from "../cost/spend-windows.js";
import type { ModelClient } from "../llm/types.js";
import type { CountTokens } from "../review/count-tokens.js";
import type { PlanChunks } from "../review/plan-chunks.js";
import type { PullRequestGateway } from "../review/types.js";
import type { Limit, Logger } from "../runtime/types.js";

/** What every review job needs from the process. */
export interface JobDeps {
  process: ProcessSettings;
  model: ModelClient;
  /** Process-wide cap on model calls in flight. */
  limit: Limit;
  countTokens: CountTokens;
  /** Budgeting and chunking, off the main thread in production (src/workers/); inline when absent. */
  planChunks?: PlanChunks;
  /** Each review's ceilings, and the hourly and daily windows every review is counted in; none when absent. */
  spend?: { limits: ReviewLimits; windows: SpendWindows };
}

/** What a job knows of its repository and pull request, made by the webhook edge. */
export interface JobScope {
  github: PullRequestGateway;
  readConfig: () => Promise<unknown>;
  log: Logger;
  /** The GitHub App installation the event came from, whose hourly and daily ceilings the review counts against. */
  installationId?: number;
}

export type LoadedConfig = { config: RepoConfig; problems: ConfigProblem[] };
