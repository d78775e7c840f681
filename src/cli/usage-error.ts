/** A mistake in how the CLI was called or what it was pointed at (exit code 2): the message says how to fix it. */
export class UsageError extends Error {
  override name = "UsageError";
}
