/** The first retry waits about 0.5 s, each next one twice as long, never more than 8 s (the openai SDK's schedule). */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** Up to this share of a backoff is taken off at random, so that clients that failed together do not retry together. */
const JITTER = 0.25;

/** The wait before retry number `retry` (from 0): exponential, capped, with jitter. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_BACKOFF_MS * 2 ** retry, MAX_BACKOFF_MS);
  return base * (1 - random() * JITTER);
}

/**
 * The wait DeepSeek asks for before a retry: `retry-after-ms` (milliseconds), else `retry-after` (seconds, or an
 * HTTP date). Undefined when it asks for none, or for something that is not a wait (negative, not a number).
 */
export function requestedWaitMs(headers: Headers | undefined, now: number): number | undefined {
  const millis = parseWait(headers?.get("retry-after-ms"), 1);
  if (millis !== undefined) return millis;
  const value = headers?.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  const seconds = parseWait(value, 1_000);
  if (seconds !== undefined) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseWait(value: string | null | undefined, unitMs: number): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value) * unitMs;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
