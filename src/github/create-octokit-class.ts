import { ProbotOctokit } from "probot";

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

/** Throttling that waits out primary and secondary rate limits instead of only logging them. */
export const DEFAULT_THROTTLE: ThrottleOptions = {
  onRateLimit: retryAfterRateLimit("Primary"),
  onSecondaryRateLimit: retryAfterRateLimit("Secondary"),
};

/**
 * Probot's Octokit with our throttle options. Probot puts its own throttle options on every instance,
 * replacing whatever `ProbotOctokit.defaults({ throttle })` set (so `enabled: false` never took effect,
 * and its secondary-limit handler does not retry); a function default runs after Probot's and wins.
 */
export function createOctokitClass(throttle: ThrottleOptions = DEFAULT_THROTTLE, extra: OctokitOptions = {}) {
  return ProbotOctokit.defaults((options: OctokitOptions) => ({
    ...extra,
    ...options,
    throttle: { ...options.throttle, ...throttle },
  }));
}
