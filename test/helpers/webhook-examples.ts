import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

/**
 * A real payload from @octokit/webhooks-examples for `event.action`, deep-copied so tests may change it.
 * Picks the first example with an installation, since the app needs one to authenticate.
 */
export function webhookExample<T = Record<string, unknown>>(event: string, action: string): T {
  const group = examples.find((entry) => entry.name === event);
  const example = group?.examples.find((one) => one.action === action && one.installation !== undefined);
  if (!example) throw new Error(`No example payload for ${event}.${action} with an installation`);
  return structuredClone(example) as T;
}
