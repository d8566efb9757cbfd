// Start-up: migrations that wait for the database. (Shut-down is @platform/runtime/shutdown's.)
import type { Logger } from "pino";
import type pg from "pg";
import { isDatabaseUnavailable } from "./db.ts";
import { type Migration, MIGRATIONS, migrate } from "./migrations.ts";

export interface MigrationRunner {
  /** True once the schema is current; /readyz and the items routes wait for it. */
  isDone(): boolean;
  /** Settles when migrations succeed, fail for good, or `stop` is called. */
  readonly settled: Promise<void>;
  stop(): void;
}

export interface MigrationRunnerOptions {
  pool: pg.Pool;
  logger: Logger;
  migrations?: readonly Migration[];
  /** Called with an error no retry can fix (an edited migration, bad SQL). */
  onFatal: (error: unknown) => void;
  /** @default 500 */
  initialDelayMs?: number;
  /** @default 10000 */
  maxDelayMs?: number;
}

/**
 * Runs migrations in the background, retrying with backoff while the database is unreachable, so
 * the process starts (and /healthz answers) even when the database comes up after it.
 */
export function startMigrations(options: MigrationRunnerOptions): MigrationRunner {
  const { pool, logger, onFatal } = options;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  let done = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const attempt = async (delayMs: number): Promise<void> => {
    try {
      const result = await migrate(pool, options.migrations ?? MIGRATIONS);
      done = true;
      logger.info(
        { applied: result.applied, alreadyApplied: result.alreadyApplied },
        "database schema is up to date",
      );
      settle();
    } catch (error) {
      if (stopped) {
        settle();
      } else if (isDatabaseUnavailable(error)) {
        logger.warn(
          { err: error, retryInMs: delayMs },
          "database unreachable; migrations will retry",
        );
        timer = setTimeout(() => void attempt(Math.min(delayMs * 2, maxDelayMs)), delayMs);
      } else {
        logger.fatal({ err: error }, "migrations failed");
        onFatal(error);
        settle();
      }
    }
  };
  void attempt(options.initialDelayMs ?? 500);

  return {
    isDone: () => done,
    settled,
    stop() {
      stopped = true;
      clearTimeout(timer);
      settle();
    },
  };
}
