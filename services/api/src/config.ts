// The process environment is the api's only configuration; it is parsed once, here, and the rest
// of the code receives typed values.
import { z } from "zod";
import { HTTP_TIMEOUTS, type HttpTimeouts } from "./http-timeouts.ts";

const postgresUrl = z.url({
  protocol: /^postgres(ql)?$/,
  error: (issue) =>
    issue.input === undefined ? "is required" : "must be a postgres:// or postgresql:// URL",
});

const port = z.coerce.number().int().min(0).max(65_535);
const milliseconds = z.coerce.number().int().min(0).max(600_000);
const timeoutMs = z.coerce.number().int().min(100).max(3_600_000);

/**
 * OTLP over HTTP, protobuf-encoded by default: the encoding both backends of the platform take for
 * traces and metrics alike.
 * - New Relic's OTLP endpoint accepts every OTLP variant and asks for OTLP/HTTP binary protobuf
 *   ("Config: OTLP endpoint, port, and protocol",
 *   https://docs.newrelic.com/docs/opentelemetry/best-practices/opentelemetry-otlp/).
 * - Datadog's agentless OTLP intake takes OTLP/HTTP, never gRPC. Its traces endpoint was
 *   documented as "only supports http/protobuf encoding" (newer pages add http/json),
 *   https://docs.datadoghq.com/opentelemetry/setup/otlp_ingest/traces/; for metrics it recommends
 *   protobuf, https://docs.datadoghq.com/opentelemetry/setup/otlp_ingest/metrics/.
 * http/json stays selectable for receivers that want it; grpc is refused at start.
 */
const OTLP_PROTOCOLS = ["http/protobuf", "http/json"] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

// An HTTP header name (RFC 9110 token): anything else would only fail later, at the first export.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The OpenTelemetry list format of OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES:
 * `key1=value1,key2=value2`, values percent-encoded where needed. Problems name the entry by its
 * position, never its text: the headers carry the backend's API key.
 */
function keyValueList(options: { headerNames: boolean; example: string }) {
  return z.string().transform((text, context) => {
    const entries: Record<string, string> = {};
    text.split(",").forEach((entry, index) => {
      if (entry.trim() === "") return;
      const at = entry.indexOf("=");
      const key = at < 0 ? "" : entry.slice(0, at).trim();
      const problem = (message: string) => {
        context.addIssue({ code: "custom", message: `entry ${index + 1} ${message}` });
      };
      if (key === "") {
        problem(`is not key=value (expected e.g. ${options.example})`);
        return;
      }
      if (options.headerNames && !HEADER_NAME.test(key)) {
        problem("does not start with a valid HTTP header name");
        return;
      }
      try {
        entries[key] = decodeURIComponent(entry.slice(at + 1).trim());
      } catch {
        problem("has a malformed percent-encoding (%XX) in its value");
      }
    });
    return entries;
  });
}

const EnvObject = z.object({
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: port.default(3001),
  DATABASE_URL: postgresUrl,
  DATABASE_READ_URL: postgresUrl.optional(),
  DATABASE_CA_CERT: z
    .string()
    .includes("-----BEGIN CERTIFICATE-----", { error: "must be a PEM certificate" })
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds.default(3_000),
  // The longest a request's query may take (src/db.ts, poolConfig: why on the client). The items
  // queries are index lookups of a few milliseconds. A request waits at most 3 s for a connection
  // and 2 s for its query: together no longer than the web's API_TIMEOUT_MS (5 s), so a slow
  // database reaches the user as the api's 503, not as the web giving up.
  DATABASE_QUERY_TIMEOUT_MS: timeoutMs.default(2_000),
  MIGRATE_ON_START: z.stringbool().default(true),
  // PostgreSQL folds unquoted names to lower case; a role name with other characters is a typo.
  DATABASE_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
      error: "must be a PostgreSQL role name: lower-case letters, digits and _",
    })
    .optional(),
  SHUTDOWN_TIMEOUT_MS: milliseconds.default(10_000),
  // How long a client may take at each stage of a connection (src/http-timeouts.ts: the defaults
  // and the edge's and App Platform's limits they are chosen against).
  HTTP_HEADERS_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.headersMs),
  HTTP_REQUEST_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.requestMs),
  HTTP_IDLE_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.idleMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUTS.keepAliveMs),
  // Comma-separated secrets of the origin lock. Required under NODE_ENV=production (the server
  // refuses to start without them: requireOriginLock); unset elsewhere admits every request.
  ORIGIN_LOCK_SECRETS: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((secret) => secret.trim())
        .filter((secret) => secret !== ""),
    )
    .pipe(z.array(z.string().min(32, { error: "each secret must be at least 32 characters" }))),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.string().optional(),
  SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_RELEASE: z.string().min(1).optional(),
  // OpenTelemetry, by its standard variables (see src/telemetry.ts). Without an endpoint it is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({
      protocol: /^https?$/,
      error:
        "must be the http:// or https:// base URL of an OTLP/HTTP receiver, e.g. https://otlp.nr-data.net",
    })
    .refine(
      (url) => !URL.canParse(url) || !/\/v1\/(traces|metrics|logs)\/?$/.test(new URL(url).pathname),
      {
        error: "must be the base URL: drop the /v1/<signal> path, the exporters append it",
      },
    )
    .optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList({
    headerNames: true,
    example: "api-key=<license key> for New Relic, dd-api-key=<API key> for Datadog",
  }).default({}),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(OTLP_PROTOCOLS, {
      error: (issue) =>
        issue.input === "grpc"
          ? "grpc is not supported (Datadog's OTLP intake refuses it): use http/protobuf"
          : "must be http/protobuf (the default) or http/json",
    })
    .default("http/protobuf"),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList({
    headerNames: false,
    example: "deployment.environment.name=staging,service.version=sha256:...",
  }).default({}),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce
    .number()
    .int()
    .min(1_000, { error: "must be at least 1000 (milliseconds)" })
    .max(3_600_000)
    .default(60_000),
  OTEL_SDK_DISABLED: z.stringbool().default(false),
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

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Parses the environment. Empty values count as unset, because platforms (and `.env` files) often
 * declare optional variables with an empty value. Problems name the variable but never echo its
 * value: DATABASE_URL carries a password.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  return result.data;
}

/** What src/telemetry.ts needs to export traces and metrics; undefined when telemetry is off. */
export interface TelemetrySettings {
  /** Base URL; the exporters post to `${endpoint}/v1/traces` and `${endpoint}/v1/metrics`. */
  endpoint: string;
  /** Secret: the backend's API key travels here. Never log the values. */
  headers: Readonly<Record<string, string>>;
  protocol: OtlpProtocol;
  /** Resource attributes of every span and metric, `service.name` included. */
  resource: Readonly<Record<string, string>>;
  metricExportIntervalMs: number;
}

/**
 * Telemetry is on when OTEL_EXPORTER_OTLP_ENDPOINT is set (and OTEL_SDK_DISABLED is not true).
 * OTEL_SERVICE_NAME wins over a `service.name` in OTEL_RESOURCE_ATTRIBUTES, as the OpenTelemetry
 * specification says; without either the service is called `api`.
 */
export function telemetrySettings(config: Config): TelemetrySettings | undefined {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined || config.OTEL_SDK_DISABLED)
    return undefined;
  const attributes = config.OTEL_RESOURCE_ATTRIBUTES;
  return {
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ""),
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    resource: {
      ...attributes,
      "service.name": config.OTEL_SERVICE_NAME ?? attributes["service.name"] ?? "api",
    },
    metricExportIntervalMs: config.OTEL_METRIC_EXPORT_INTERVAL,
  };
}

export interface SentrySettings {
  dsn: string;
  environment: string;
  release: string | undefined;
}

/**
 * Sentry's environment and release. The platform sets SENTRY_ENVIRONMENT and SENTRY_RELEASE (the
 * image digest); without them they fall back to what OpenTelemetry is told
 * (`deployment.environment.name` and `service.version` in OTEL_RESOURCE_ATTRIBUTES), so errors and
 * traces name the same deployment. The environment ends at `production` under
 * NODE_ENV=production (the image) and `development` otherwise, never Sentry's own default of
 * `production` for a laptop; a release has no honest default and stays unset.
 */
export function sentrySettings(config: Config): SentrySettings | undefined {
  if (config.SENTRY_DSN === undefined) return undefined;
  const attributes = config.OTEL_RESOURCE_ATTRIBUTES;
  return {
    dsn: config.SENTRY_DSN,
    environment:
      config.SENTRY_ENVIRONMENT ??
      attributes["deployment.environment.name"] ??
      (config.NODE_ENV === "production" ? "production" : "development"),
    release: config.SENTRY_RELEASE ?? attributes["service.version"],
  };
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
