/** The logger every layer takes: pino's shape, without depending on pino. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Runs a task under a process-wide cap on tasks in flight (e.g. model calls). */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;
