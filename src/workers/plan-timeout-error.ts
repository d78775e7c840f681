/**
 * Planning a pull request (selecting, masking and measuring its files) took longer than the time limit, so its
 * worker was stopped and nothing was sent to the model. Not retryable as it is: the same pull request would take as
 * long again. The orchestrator turns it into a "too expensive to plan" note on the pull request.
 */
export class PlanTimeoutError extends Error {
  readonly retryable = false;

  constructor(readonly timeoutMs: number) {
    super(
      `Planning the pull request took longer than ${formatSeconds(timeoutMs)} (REVIEW_PLAN_TIMEOUT_MS): it is too expensive to plan, so it was not reviewed`,
    );
    this.name = "PlanTimeoutError";
  }
}

/** "60 s", "1.5 s". */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1)).toLocaleString("en-US")} s`;
}
