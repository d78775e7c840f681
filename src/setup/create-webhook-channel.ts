import { SmeeClient } from "smee-client";

/** smee.io, the webhook proxy Probot's set-up uses; SMEE_URL points elsewhere (a self-hosted smee server). */
export const DEFAULT_SMEE_URL = "https://smee.io";
/** How long creating a channel may take before set-up goes on without one. */
const CHANNEL_TIMEOUT_MS = 10_000;

/**
 * Creates a smee channel (`HEAD <smee>/new` answers with its address in `Location`): GitHub delivers webhooks to it,
 * and the running app forwards them from there to its own webhook path, so a laptop needs no public address.
 */
export async function createWebhookChannel(smeeUrl: string = DEFAULT_SMEE_URL): Promise<string> {
  let base = smeeUrl;
  while (base.endsWith("/")) base = base.slice(0, -1);
  const newChannelUrl = `${base}/new`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHANNEL_TIMEOUT_MS / 1000} s`)),
      CHANNEL_TIMEOUT_MS,
    );
    timer.unref();
  });
  try {
    const channel = await Promise.race([SmeeClient.createChannel({ newChannelUrl }), timeout]);
    if (!URL.canParse(channel, newChannelUrl))
      throw new Error(`answered with "${channel.slice(0, 200)}", not a URL`);
    return new URL(channel, newChannelUrl).toString();
  } finally {
    clearTimeout(timer);
  }
}
