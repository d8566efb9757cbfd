// The running service: database pools, migrations, the HTTP app, error reporting and graceful
// shutdown. src/server.ts starts it once configuration is read and telemetry (if any) is running,
// so that the modules imported here (fastify, pg) load after OpenTelemetry could patch them.
import { buildApp } from "./app.ts";
import { type Config, httpTimeouts, sentrySettings } from "./config.ts";
import { createDatabase, createPool } from "./db.ts";
import { startMigrations } from "./lifecycle.ts";
import type pg from "pg";
import type { Logger } from "pino";
import { createSentryReporter, noopReporter } from "@platform/runtime/sentry";
import { exitOnCrash, gracefulShutdown, shutDownOnSignals } from "@platform/runtime/shutdown";
import type { Telemetry } from "./telemetry.ts";

/** How long shutdown and crashes wait for Sentry and the telemetry exporters to deliver. */
const FLUSH_TIMEOUT_MS = 2_000;

/**
 * The connection migrations at start run on: one of their own, without the requests' query bound
 * (DDL, and the wait for another instance's migration lock, may rightly take longer). Closed once
 * they are done.
 */
function migrationPool(config: Config, logger: Logger): pg.Pool {
  return createPool(
    config.DATABASE_URL,
    {
      caCert: config.DATABASE_CA_CERT,
      poolMax: 1,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    },
    logger.child({ pool: "migrations" }),
  );
}

export async function startService(
  config: Config,
  logger: Logger,
  telemetry: Telemetry | undefined,
): Promise<void> {
  const sentry = sentrySettings(config);
  if (sentry !== undefined && sentry.release === undefined) {
    logger.warn(
      "SENTRY_RELEASE is unset (and OTEL_RESOURCE_ATTRIBUTES has no service.version): error reports carry no release",
    );
  }
  const reporter = sentry === undefined ? noopReporter : createSentryReporter(sentry);
  const flush = () =>
    Promise.all([reporter.flush(FLUSH_TIMEOUT_MS), telemetry?.shutdown(FLUSH_TIMEOUT_MS)]);

  exitOnCrash({
    logger,
    report: (error, tags) => {
      reporter.capture(error, tags);
    },
    flush,
  });

  const db = createDatabase(
    {
      url: config.DATABASE_URL,
      readUrl: config.DATABASE_READ_URL,
      caCert: config.DATABASE_CA_CERT,
      poolMax: config.DATABASE_POOL_MAX,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    },
    logger,
  );

  let shutdown: (signal: string) => Promise<void> = () => Promise.resolve();

  const migrationsPool = config.MIGRATE_ON_START ? migrationPool(config, logger) : undefined;
  const migrations =
    migrationsPool === undefined
      ? undefined
      : startMigrations({
          pool: migrationsPool,
          logger,
          onFatal: (error) => {
            reporter.capture(error, { origin: "migrations" });
            process.exitCode = 1;
            void shutdown("migrations failed");
          },
        });
  void migrations?.settled.then(() => migrationsPool?.end());

  const app = buildApp({
    db,
    logger,
    reporter,
    isSchemaReady: () => migrations?.isDone() ?? true,
    originLockSecrets: config.ORIGIN_LOCK_SECRETS,
    tracing: telemetry,
    timeouts: httpTimeouts(config),
  });
  app.addHook("preClose", (done) => {
    migrations?.stop();
    done();
  });

  shutdown = gracefulShutdown({
    server: app,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    // Last spans and metrics of the requests that just finished go out with the error reports.
    beforeExit: flush,
    exit: (code) => process.exit(process.exitCode === 1 ? 1 : code),
  });
  shutDownOnSignals(shutdown);

  await app.listen({ host: config.HOST, port: config.PORT });
  const address = app.server.address();
  logger.info(
    {
      telemetry: telemetry === undefined ? "off" : "on",
      // Last before the message: tests and tools read `"port":N,"msg":"accepting connections"`.
      port: typeof address === "object" && address !== null ? address.port : config.PORT,
    },
    "accepting connections",
  );
}
