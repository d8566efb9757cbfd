// Entry point: `node src/server.ts`. Everything it needs comes from the environment (src/config.ts).
//
// The order matters. OpenTelemetry instruments node:http and pg by patching them as they are first
// required, so it starts (src/telemetry.ts) before the service's modules are imported, and those
// come in by dynamic import below. Without OTEL_EXPORTER_OTLP_ENDPOINT none of OpenTelemetry is
// even loaded. Only configuration and the logger (zod, pino) load before that point.
import { ConfigError, loadConfig, originLockProblem, telemetrySettings } from "./config.ts";
import { createLogger } from "./logger.ts";

function readConfig() {
  try {
    const config = loadConfig(process.env);
    const lockProblem = originLockProblem(config);
    if (lockProblem !== undefined) throw new ConfigError([lockProblem]);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger("info").fatal({ problems: error.problems }, "invalid configuration");
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger(config.LOG_LEVEL);
if (config.ORIGIN_LOCK_SECRETS.length === 0) {
  logger.warn(
    { variable: "ORIGIN_LOCK_SECRETS" },
    "origin lock off: every request is admitted (ORIGIN_LOCK_SECRETS is unset; production refuses to start without it)",
  );
}

const settings = telemetrySettings(config);
const telemetry =
  settings === undefined
    ? undefined
    : await (await import("./telemetry.ts")).startTelemetry(settings, logger);

const { startService } = await import("./service.ts");
await startService(config, logger, telemetry);
