/** How long a webhook delivery id is remembered, so GitHub's redelivery of it is not processed twice. */
export const DELIVERY_RETENTION_MS = 7 * 24 * 3_600_000;
/** How long a finished or failed job stays in the queue's table (for looking into what happened). */
export const FINISHED_JOB_RETENTION_MS = 7 * 24 * 3_600_000;
/** Most `/review` comments of one user waiting on one pull request; further ones are ignored until these ran. */
export const MAX_WAITING_COMMANDS_PER_USER = 3;
/** Attempts of a job whose run throws (GitHub down, a crash mid-review) before it is given up. */
export const MAX_JOB_ATTEMPTS = 4;

/** Wait before attempt `attempt + 1` of a job that failed: 30 s, 2 min, 8 min, … at most 1 h. */
export function retryDelayMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 4 ** Math.max(0, attempt - 1));
}
