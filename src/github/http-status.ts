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
