/** The HTTP status of an Octokit request error, if `error` is one. */
export function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
    ? error.status
    : undefined;
}

/** Whether `error` is an Octokit request error with this HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return statusOf(error) === status;
}

/**
 * Whether a failed call to GitHub may succeed later: a server error or lost connection (≥ 500), a rate limit
 * (403/429 with a retry hint) or a timeout. Not found, refused or invalid requests are final.
 */
export function isRetryable(error: unknown): boolean {
  if ((error as { retryable?: unknown } | null)?.retryable === true) return true;
  const status = statusOf(error);
  if (status === undefined) {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|UND_ERR_)/.test(code);
  }
  if (status >= 500 || status === 429 || status === 408) return true;
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  return status === 403 && (headers["retry-after"] !== undefined || headers["x-ratelimit-remaining"] === "0");
}
