// Entry point: `node src/main.ts`. Reads its environment, starts telemetry when an endpoint is
// configured (before pg is imported, so its instrumentation can patch it), then claims jobs until
// SIGTERM, when it finishes the jobs in hand and exits.
import { ConfigError } from "@platform/runtime/env";
import { createLogger } from "@platform/runtime/logger";
import { createSentryReporter, noopReporter } from "@platform/runtime/sentry";
import { exitOnCrash, gracefulShutdown, shutDownOnSignals } from "@platform/runtime/shutdown";
import { loadConfig, sentrySettings, telemetrySettings } from "./config.ts";

const SERVICE = "processor";
/** How long shutdown and crashes wait for Sentry and the telemetry exporters to deliver. */
const FLUSH_TIMEOUT_MS = 2_000;

function readConfig() {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger(SERVICE, "info").fatal({ problems: error.problems }, "invalid configuration");
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger(SERVICE, config.LOG_LEVEL);
const settings = telemetrySettings(config);
const telemetry =
  settings === undefined
    ? undefined
    : await (await import("./telemetry.ts")).startTelemetry(settings, logger);
const sentry = sentrySettings(config);
const reporter = sentry === undefined ? noopReporter : createSentryReporter(sentry);
const flush = () =>
  Promise.all([reporter.flush(FLUSH_TIMEOUT_MS), telemetry?.shutdown(FLUSH_TIMEOUT_MS)]);
const report = (error: unknown, tags: Record<string, string>) => {
  reporter.capture(error, tags);
};
exitOnCrash({ logger, report, flush });

const { createPool } = await import("./database.ts");
const { startWorker } = await import("./worker.ts");
type Worker = ReturnType<typeof startWorker>;
const { HANDLERS } = await import("./handlers.ts");
const pool = createPool(config, logger);
// Listening before the first claim: a port already taken stops the process before it holds a job.
// Past twice a job's lease, its claim is long lost: a step that old is a stuck slot.
const started: { worker?: Worker } = {};
const liveness =
  config.PORT === undefined
    ? undefined
    : await (
        await import("./liveness.ts")
      ).startLiveness({
        host: config.HOST,
        port: config.PORT,
        longestStepMs: () => started.worker?.longestStepMs() ?? 0,
        stalledAfterMs: 2 * config.WORKER_LEASE_SECONDS * 1_000,
        logger,
      });
const worker = startWorker({
  pool,
  logger,
  handlers: HANDLERS,
  concurrency: config.WORKER_CONCURRENCY,
  pollIntervalMs: config.WORKER_POLL_INTERVAL_MS,
  leaseSeconds: config.WORKER_LEASE_SECONDS,
  backoff: { baseMs: config.WORKER_RETRY_BASE_MS, maxMs: config.WORKER_RETRY_MAX_MS },
  // A thousand rows per statement, so that none holds many locks for long: once a minute, or at
  // every poll while the batches come back full.
  retention: {
    doneDays: config.WORKER_KEEP_DONE_DAYS,
    failedDays: config.WORKER_KEEP_FAILED_DAYS,
    batchSize: 1_000,
    intervalMs: 60_000,
  },
  report,
  ...(telemetry === undefined ? {} : { tracer: telemetry.tracer }),
});
started.worker = worker;
shutDownOnSignals(
  gracefulShutdown({
    server: {
      close: async () => {
        await worker.close();
        await pool.end();
        // Last: App Platform's checks see the worker alive while it finishes the jobs in hand.
        await new Promise<void>((resolve) => {
          if (liveness === undefined) resolve();
          else
            liveness.close(() => {
              resolve();
            });
        });
      },
    },
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    beforeExit: flush,
  }),
);
