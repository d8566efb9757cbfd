// The processor's configuration: its environment, parsed once at start (@platform/runtime/env).
import { ENV } from "@platform/runtime/contract";
import {
  caCertificate,
  commonEnv,
  milliseconds,
  parseEnv,
  port,
  postgresUrl,
  sentrySettings as commonSentrySettings,
  type SentrySettings,
  telemetrySettings as commonTelemetrySettings,
  type TelemetrySettings,
} from "@platform/runtime/env";
import { z } from "zod";

const count = (max: number) => z.coerce.number().int().min(1).max(max);

const EnvSchema = z
  .object({
    ...commonEnv,
    // The primary, through the processor's own pool, as its own role (the platform's binding).
    [ENV.databaseUrl]: postgresUrl,
    [ENV.databaseCaCert]: caCertificate.optional(),
    DATABASE_CONNECT_TIMEOUT_MS: milliseconds.default(3_000),
    /**
     * The liveness endpoint's port (src/liveness.ts), which the platform sets from the catalog's
     * `liveness`. Unset (`pnpm dev`, tests): no endpoint.
     */
    [ENV.port]: port.optional(),
    HOST: z.string().min(1).default("0.0.0.0"),
    /** Jobs in hand at once; each holds one connection while it runs. */
    WORKER_CONCURRENCY: count(32).default(2),
    /** The wait before looking for due jobs again when there are none. */
    WORKER_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** How long a claim holds: a job still running after it may be taken over by another worker. */
    WORKER_LEASE_SECONDS: count(3_600).default(60),
    /** Backoff before the second attempt; each further one doubles it, up to the maximum. */
    WORKER_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    WORKER_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(300_000),
    /** Days a done job is kept after it finished; then the worker deletes it. */
    WORKER_KEEP_DONE_DAYS: count(3_650).default(7),
    /** Days a failed job is kept, for a person to see why, before the worker deletes it. */
    WORKER_KEEP_FAILED_DAYS: count(3_650).default(30),
    /** The longest wait for the jobs in hand after SIGTERM (App Platform kills 60 s after it). */
    SHUTDOWN_TIMEOUT_MS: milliseconds.default(50_000),
  })
  .refine((env) => env.WORKER_RETRY_BASE_MS <= env.WORKER_RETRY_MAX_MS, {
    path: ["WORKER_RETRY_BASE_MS"],
    when: (payload) => payload.issues.length === 0,
    error: "must not exceed WORKER_RETRY_MAX_MS",
  });

export type Config = z.infer<typeof EnvSchema>;

/** Parses the environment, or throws a ConfigError naming every problem (never a value). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  return parseEnv(EnvSchema, env);
}

/** Telemetry's settings, the service named `processor` unless OTEL_SERVICE_NAME says otherwise. */
export function telemetrySettings(config: Config): TelemetrySettings | undefined {
  return commonTelemetrySettings(config, "processor");
}

export function sentrySettings(config: Config): SentrySettings | undefined {
  return commonSentrySettings(config);
}
