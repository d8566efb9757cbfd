// Graceful shutdown and crashes, alike for every service: SIGTERM stops the intake, lets the work
// in flight finish within a deadline, flushes what is buffered, and exits; a bug that escapes every
// handler is reported and ends the process, and the platform starts a fresh one.
import type { Logger } from "pino";

export interface Closable {
  close(): Promise<unknown>;
}

export interface ShutdownOptions {
  /** What stops taking work and finishes what it has: an HTTP server, a worker's loop. */
  server: Closable;
  logger: Logger;
  /** Longest wait for the work in flight before exiting anyway. */
  timeoutMs: number;
  /** Last work after the server closed, such as flushing error reports. */
  beforeExit?: () => Promise<unknown>;
  exit?: (code: number) => void;
}

/**
 * Returns the shutdown routine: stop taking work, let the work in flight finish, then exit 0; exit
 * 1 if that takes longer than the deadline.
 */
export function gracefulShutdown(options: ShutdownOptions): (signal: string) => Promise<void> {
  const { server, logger, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;

  return async (signal) => {
    if (started) {
      logger.warn({ signal }, "already shutting down");
      return;
    }
    started = true;
    logger.info({ signal, timeoutMs }, "shutting down: finishing the work in flight");
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown deadline passed with work still in flight; exiting");
      exit(1);
    }, timeoutMs);
    try {
      await server.close();
      await options.beforeExit?.();
      clearTimeout(deadline);
      logger.info("shutdown complete");
      exit(0);
    } catch (error) {
      clearTimeout(deadline);
      logger.error({ err: error }, "shutdown failed");
      exit(1);
    }
  };
}

/** Runs `shutdown` on SIGTERM (the platform stopping an instance) and SIGINT (Ctrl-C). */
export function shutDownOnSignals(shutdown: (signal: string) => Promise<void>): void {
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

export interface CrashOptions {
  logger: Logger;
  /** Reports the error (Sentry), in the background. */
  report: (error: unknown, tags: Record<string, string>) => void;
  /** Delivers what is buffered, before the exit. */
  flush: () => Promise<unknown>;
}

/**
 * A bug that escapes every handler leaves the process in an unknown state: log it, report it,
 * flush, and exit 1, so the platform starts a fresh instance.
 */
export function exitOnCrash({ logger, report, flush }: CrashOptions): void {
  const crash = (error: unknown, origin: string) => {
    logger.fatal({ err: error, origin }, "crashed");
    report(error, { origin });
    void flush().finally(() => process.exit(1));
  };
  process.on("uncaughtException", (error) => {
    crash(error, "uncaughtException");
  });
  process.on("unhandledRejection", (reason) => {
    crash(reason, "unhandledRejection");
  });
}
