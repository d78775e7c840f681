import { ModelError } from "../llm/errors.js";
import { formatUsd } from "./compute-cost.js";

/** Which limit stopped a model call, for the review body, the logs and the job's outcome line. */
export interface LimitReached {
  /** Whose limit: one chunk of the diff with its pieces, the review, the repository, the App installation. */
  scope: "chunk" | "review" | "repository" | "installation";
  unit: "usd" | "calls";
  /** The ceiling, in dollars or calls. */
  ceiling: number;
  /** The environment variable that sets it (absent for the fixed per-chunk bound). */
  setting?: string;
  /** Hourly, daily and monthly ceilings count in fixed UTC windows: the clock hour, the UTC day, the UTC month. */
  window?: "hour" | "day" | "month";
  /** When the window's count starts again. */
  resetsAt?: Date;
  /** Refused before any call: what the review's plan may need, and what was left of the ceiling. */
  estimate?: { needed: number; left: number };
}

/** A model call the app did not make because a limit would be passed. Never sent, so never billed. */
export class CallRefusedError extends ModelError {
  override name = "CallRefusedError";
  readonly reached: LimitReached;
  /** A plain-English sentence fragment for the review body (see `describeLimitReached`). */
  readonly userMessage: string;

  constructor(reached: LimitReached) {
    const userMessage = describeLimitReached(reached);
    super({ message: `Model call refused: ${userMessage}`, retryable: false });
    this.reached = reached;
    this.userMessage = userMessage;
  }
}

const SCOPE_NAMES: Record<LimitReached["scope"], string> = {
  chunk: "this part of the diff",
  review: "this review",
  repository: "this repository",
  installation: "this GitHub App installation",
};

/**
 * One plain sentence fragment, e.g. "this repository reached its ceiling of $2.00 per hour
 * (`LIMIT_REPO_USD_PER_HOUR`); it resets at 2026-03-02 15:00 UTC". The same limit always reads the same, so the
 * review body names it once for every file it stopped.
 */
export function describeLimitReached(reached: LimitReached): string {
  const whose = SCOPE_NAMES[reached.scope];
  const ceiling = `${formatAmount(reached.unit, reached.ceiling)}${reached.window === undefined ? "" : ` per ${reached.window}`}`;
  const setting = reached.setting === undefined ? "" : ` (\`${reached.setting}\`)`;
  const resets = reached.resetsAt === undefined ? "" : `; it resets at ${formatUtc(reached.resetsAt)}`;
  const { estimate } = reached;
  if (estimate === undefined) return `${whose} reached its ceiling of ${ceiling}${setting}${resets}`;
  const needed =
    reached.unit === "usd"
      ? `this review may cost up to ${formatAmount("usd", estimate.needed)}`
      : `this review needs at least ${formatAmount("calls", estimate.needed)}`;
  if (reached.scope === "review")
    return `not sent to the model: ${needed}, over its ceiling of ${ceiling}${setting}`;
  const left = formatAmount(reached.unit, Math.max(0, estimate.left));
  return `not sent to the model: ${needed}, and ${whose} has ${left} left of its ceiling of ${ceiling}${setting}${resets}`;
}

function formatAmount(unit: LimitReached["unit"], value: number): string {
  if (unit === "calls") return `${value.toLocaleString("en-US")} model call${value === 1 ? "" : "s"}`;
  return value >= 0.01 || value === 0 ? `$${value.toFixed(2)}` : formatUsd(value);
}

/** "2026-03-02 15:00 UTC". */
function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
