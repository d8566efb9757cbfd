// Entry point: `node src/server.ts`. Everything it needs comes from the environment (src/config.ts).
import { buildApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createDatabase } from "./db.ts";
import { gracefulShutdown, startMigrations } from "./lifecycle.ts";
import { createLogger } from "./logger.ts";
import { createSentryReporter, noopReporter } from "./sentry.ts";

function readConfig() {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger("info").fatal({ problems: error.problems }, "invalid configuration");
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger(config.LOG_LEVEL);
const reporter =
  config.SENTRY_DSN === undefined
    ? noopReporter
    : createSentryReporter({
        dsn: config.SENTRY_DSN,
        environment: config.SENTRY_ENVIRONMENT,
        release: config.SENTRY_RELEASE,
      });

// A bug that escapes every handler leaves the process in an unknown state: report it and exit, and
// let the platform start a fresh instance.
const crash = (error: unknown, origin: string) => {
  logger.fatal({ err: error, origin }, "crashed");
  reporter.capture(error, { origin });
  void reporter.flush(2_000).finally(() => process.exit(1));
};
process.on("uncaughtException", (error) => {
  crash(error, "uncaughtException");
});
process.on("unhandledRejection", (reason) => {
  crash(reason, "unhandledRejection");
});

const db = createDatabase(
  {
    url: config.DATABASE_URL,
    readUrl: config.DATABASE_READ_URL,
    caCert: config.DATABASE_CA_CERT,
    poolMax: config.DATABASE_POOL_MAX,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  },
  logger,
);

let shutdown: (signal: string) => Promise<void> = () => Promise.resolve();

const migrations = config.MIGRATE_ON_START
  ? startMigrations({
      pool: db.write,
      logger,
      onFatal: (error) => {
        reporter.capture(error, { origin: "migrations" });
        process.exitCode = 1;
        void shutdown("migrations failed");
      },
    })
  : undefined;

const app = buildApp({
  db,
  logger,
  reporter,
  isSchemaReady: () => migrations?.isDone() ?? true,
  originLockSecrets: config.ORIGIN_LOCK_SECRETS,
});
app.addHook("preClose", (done) => {
  migrations?.stop();
  done();
});

shutdown = gracefulShutdown({
  server: app,
  logger,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  beforeExit: () => reporter.flush(2_000),
  exit: (code) => process.exit(process.exitCode === 1 ? 1 : code),
});
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await app.listen({ host: config.HOST, port: config.PORT });
const address = app.server.address();
logger.info(
  { port: typeof address === "object" && address !== null ? address.port : config.PORT },
  "accepting connections",
);
