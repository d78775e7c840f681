/** The logger every layer takes: pino's shape, without depending on pino. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Runs a task under a process-wide cap on tasks in flight (e.g. model calls). */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** A logger that adds `fields` to every line (pino's `child`, for any `Logger`). */
export function withFields(log: Logger, fields: object): Logger {
  return {
    debug: (obj, msg) => log.debug({ ...fields, ...obj }, msg),
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
  };
}
