import type { ConfigProblem, RepoConfig } from "../config/repo-config.js";
import type { ProcessSettings } from "../config/settings-from-env.js";
import type { MonthlyBudgets } from "../cost/monthly-budgets.js";
import type { ReviewLimits } from "../cost/spend-meter.js";
import type { SpendWindows } from "../cost/spend-windows.js";
import type { GitHubAccess } from "../github/create-github-access.js";
import type { ModelClient } from "../llm/types.js";
import type { AppMetrics } from "../operations/create-metrics.js";
import type { CountTokens } from "../review/count-tokens.js";
import type { PlanChunks } from "../review/plan-chunks.js";
import type { Limit, Logger } from "../runtime/types.js";
import type { Store } from "../store/types.js";

/** What every job needs from the process. A job itself is plain data (src/jobs/job.ts). */
export interface JobDeps {
  process: ProcessSettings;
  model: ModelClient;
  /** Process-wide cap on model calls in flight. */
  limit: Limit;
  countTokens: CountTokens;
  /** Reads the PR's content before any model call, on a pool of workers in production (src/workers/); inline when absent. */
  planChunks?: PlanChunks;
  store: Store;
  /** Rebuilds an installation's GitHub gateways from its id. */
  github: GitHubAccess;
  /** Each review's ceilings, and the hourly and daily windows every review is counted in; none when absent. */
  spend?: { limits: ReviewLimits; windows: SpendWindows; budgets?: MonthlyBudgets };
  log: Logger;
  /** Counts what the jobs do for `/metrics`; none when absent. */
  metrics?: AppMetrics;
}

export type LoadedConfig = { config: RepoConfig; problems: ConfigProblem[] };
