// The process environment is the api's only configuration; it is parsed once, here, and the rest
// of the code receives typed values. What every service reads alike (OpenTelemetry, Sentry, the
// log level) and the readers come from @platform/runtime/env; the names of what the platform sets,
// from its contract.
import { ENV, parseDatabaseRoles } from "@platform/runtime/contract";
import {
  caCertificate,
  commonEnv,
  milliseconds,
  originLockSecrets,
  parseEnv,
  port,
  postgresUrl,
  sentrySettings as commonSentrySettings,
  telemetrySettings as commonTelemetrySettings,
  type SentrySettings,
  type TelemetrySettings,
} from "@platform/runtime/env";
import { z } from "zod";
import { HTTP_TIMEOUTS, type HttpTimeouts } from "./http-timeouts.ts";

export { ConfigError } from "@platform/runtime/env";
export type { OtlpProtocol, SentrySettings, TelemetrySettings } from "@platform/runtime/env";

const timeoutMs = z.coerce.number().int().min(100).max(3_600_000);

const EnvObject = z.object({
  ...commonEnv,
  HOST: z.string().min(1).default("0.0.0.0"),
  [ENV.port]: port.default(3001),
  [ENV.databaseUrl]: postgresUrl,
  [ENV.databaseReadUrl]: postgresUrl.optional(),
  [ENV.databaseCaCert]: caCertificate.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds.default(3_000),
  // The longest a request's query may take (src/db.ts, poolConfig: why on the client). The items
  // queries are index lookups of a few milliseconds. A request waits at most 3 s for a connection
  // and 2 s for its query: together no longer than the web's API_TIMEOUT_MS (5 s), so a slow
  // database reaches the user as the api's 503, not as the web giving up.
  DATABASE_QUERY_TIMEOUT_MS: timeoutMs.default(2_000),
  [ENV.migrateOnStart]: z.stringbool().default(true),
  // The migration job's: the services' roles and the access each gets (`api=readwrite,...`).
  [ENV.databaseRoles]: z
    .string()
    .transform((text, context) => {
      const parsed = parseDatabaseRoles(text);
      if (parsed.ok) return parsed.roles;
      context.addIssue({ code: "custom", message: parsed.problem });
      return z.NEVER;
    })
    .optional(),
  SHUTDOWN_TIMEOUT_MS: milliseconds.default(10_000),
  // How long a client may take at each stage of a connection (src/http-timeouts.ts: the defaults
  // and the edge's and App Platform's limits they are chosen against).
  HTTP_HEADERS_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.headersMs),
  HTTP_REQUEST_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.requestMs),
  HTTP_IDLE_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.idleMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.keepAliveMs),
  // Required under NODE_ENV=production (the server refuses to start without them:
  // originLockProblem); unset elsewhere admits every request.
  [ENV.originLockSecrets]: originLockSecrets,
});

const EnvSchema = EnvObject.refine(
  (env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS,
  {
    // Node refuses a server whose headers may take longer than the whole request.
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
    // Only once both are valid numbers: otherwise their own problems say it all.
    when: (payload) => payload.issues.length === 0,
    error: "must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)",
  },
);

export type Config = z.infer<typeof EnvSchema>;

/**
 * Parses the environment. Empty values count as unset, because platforms (and `.env` files) often
 * declare optional variables with an empty value. Problems name the variable but never echo its
 * value: DATABASE_URL carries a password.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  return parseEnv(EnvSchema, env);
}

/** Telemetry's settings, the service named `api` unless OTEL_SERVICE_NAME says otherwise. */
export function telemetrySettings(config: Config): TelemetrySettings | undefined {
  return commonTelemetrySettings(config, "api");
}

export function sentrySettings(config: Config): SentrySettings | undefined {
  return commonSentrySettings(config);
}

/**
 * The origin lock fails closed: under NODE_ENV=production the server does not start without its
 * secrets (an api that admitted every request would be reachable around the edge). Outside
 * production the lock is optional. The migration job reads the same configuration and needs no
 * lock, so this is the server's check, not the schema's.
 */
export function originLockProblem(config: Config): string | undefined {
  if (config.NODE_ENV !== "production" || config.ORIGIN_LOCK_SECRETS.length > 0) return undefined;
  return "ORIGIN_LOCK_SECRETS: is required when NODE_ENV=production: set the secrets the edge and the web send in x-origin-lock (comma-separated, each at least 32 characters)";
}

export function httpTimeouts(config: Config): HttpTimeouts {
  return {
    headersMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestMs: config.HTTP_REQUEST_TIMEOUT_MS,
    idleMs: config.HTTP_IDLE_TIMEOUT_MS,
    keepAliveMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}
