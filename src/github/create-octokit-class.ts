import { ProbotOctokit } from "probot";
import { createContentCreationGroup, type ThrottleGroup, UNLIMITED_GROUP } from "./create-content-limiter.js";

type OctokitOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;
type LimitHandler = (
  retryAfter: number,
  options: { method: string; url: string },
  octokit: { log: { warn(message: string): void } },
  retryCount: number,
) => boolean;
/** The options of @octokit/plugin-throttling that this app sets. */
export interface ThrottleOptions {
  enabled?: boolean;
  onRateLimit?: LimitHandler;
  onSecondaryRateLimit?: LimitHandler;
  /** Limiter of every write (POST, PATCH, PUT, DELETE), per installation. */
  write?: ThrottleGroup;
  /** Extra limiter of writes that notify people (reviews, comments), per installation. */
  notifications?: ThrottleGroup;
}

/** How many times one request waits out a rate limit before it fails. */
const RATE_LIMIT_RETRIES = 3;

/** Retries a rate-limited request a few times, after GitHub's `retry-after`, logging each wait. */
const retryAfterRateLimit =
  (kind: string): LimitHandler =>
  (retryAfter, options, octokit, retryCount) => {
    if (retryCount >= RATE_LIMIT_RETRIES) {
      octokit.log.warn(
        `${kind} rate limit on ${options.method} ${options.url}; giving up after ${retryCount} retries`,
      );
      return false;
    }
    octokit.log.warn(`${kind} rate limit on ${options.method} ${options.url}; retrying in ${retryAfter} s`);
    return true;
  };

/**
 * Throttling that waits out primary and secondary rate limits instead of only logging them, and paces writes by
 * GitHub's documented content-creation limits (80 a minute, 500 an hour per installation) instead of the plugin's
 * fixed 1 s between writes and 3 s between reviews, which made 200 reviews take 10 minutes.
 */
export const DEFAULT_THROTTLE: ThrottleOptions = {
  onRateLimit: retryAfterRateLimit("Primary"),
  onSecondaryRateLimit: retryAfterRateLimit("Secondary"),
  write: createContentCreationGroup(),
  notifications: UNLIMITED_GROUP,
};

/**
 * Probot's Octokit with our throttle options. Probot puts its own throttle options on every instance,
 * replacing whatever `ProbotOctokit.defaults({ throttle })` set (so `enabled: false` never took effect,
 * and its secondary-limit handler does not retry); a function default runs after Probot's and wins.
 */
export function createOctokitClass(
  throttle: ThrottleOptions = DEFAULT_THROTTLE,
  extra: OctokitOptions = {},
  /** Told of every request that fails (after retries), with its HTTP status: for metrics. */
  onRequestError?: (status: number | undefined) => void,
) {
  const Octokit = ProbotOctokit.defaults((options: OctokitOptions) => ({
    ...extra,
    ...options,
    throttle: { ...options.throttle, id: throttleId(options), ...throttle },
  }));
  if (onRequestError === undefined) return Octokit;
  return Octokit.plugin((octokit) => {
    octokit.hook.error("request", (error) => {
      const status = (error as { status?: unknown }).status;
      onRequestError(typeof status === "number" ? status : undefined);
      throw error;
    });
  });
}

/**
 * The key of the throttling plugin's limiters. Probot keys them by installation only when its own throttle
 * options say `enabled`, which ours do not, so every installation shared one content-creation budget and a burst
 * over ten installations stalled after 80 reviews. Each installation gets its own budget, as GitHub counts it.
 */
function throttleId(options: OctokitOptions): string {
  const auth = options.auth as { installationId?: unknown } | undefined;
  const installation = auth?.installationId;
  if (typeof installation === "number" || typeof installation === "string")
    return `installation-${installation}`;
  return String((options.throttle as { id?: unknown } | undefined)?.id ?? "app");
}
