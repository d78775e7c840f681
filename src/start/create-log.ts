import { getTransformStream } from "@probot/pino";
import { type Logger, pino } from "pino";
import type { GithubAppEnv } from "./read-github-app-env.js";

/**
 * The process's logger, as Probot's `run` builds it (pino through @probot/pino: pretty or JSON lines on stdout,
 * Sentry when SENTRY_DSN is set), so LOG_LEVEL and LOG_FORMAT mean what Probot's documentation says.
 */
export async function createLog(params: Pick<GithubAppEnv, "log" | "sentryDsn">): Promise<Logger> {
  const transform = await getTransformStream({
    logFormat: params.log.format,
    logLevelInString: params.log.levelInString,
    sentryDsn: params.sentryDsn,
  });
  // SonicBoom writes to fd 1 as a stream does; its typings do not say so.
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(
    { level: params.log.level, name: "probot", messageKey: params.log.messageKey ?? "msg" },
    transform,
  );
}
