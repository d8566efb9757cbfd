// The environment is a service's only configuration: parsed once, at start, with zod. This module
// holds what every service reads alike (OpenTelemetry's standard variables, Sentry, the origin
// lock, the log level), and one reader that reports every problem by variable, never echoing a
// value: URLs and headers here carry credentials.
import { z } from "zod";
import { ENV } from "./contract.ts";

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

export const milliseconds = z.coerce.number().int().min(0).max(600_000);
export const port = z.coerce.number().int().min(0).max(65_535);

export const postgresUrl = z.url({
  protocol: /^postgres(ql)?$/,
  error: (issue) =>
    issue.input === undefined ? "is required" : "must be a postgres:// or postgresql:// URL",
});

/** The PEM CA bundle of a managed database; turns on verified TLS. */
export const caCertificate = z
  .string()
  .includes("-----BEGIN CERTIFICATE-----", { error: "must be a PEM certificate" });

/** Comma-separated secrets of the origin lock, newest first; unset admits every request. */
export const originLockSecrets = z
  .string()
  .default("")
  .transform((list) =>
    list
      .split(",")
      .map((secret) => secret.trim())
      .filter((secret) => secret !== ""),
  )
  .pipe(z.array(z.string().min(32, { error: "each secret must be at least 32 characters" })));

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every service reads: Node's environment, Sentry, OpenTelemetry's standard variables. */
export const commonEnv = {
  [ENV.nodeEnv]: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  [ENV.sentryDsn]: z.url({ protocol: /^https?$/ }).optional(),
  [ENV.sentryEnvironment]: z.string().min(1).optional(),
  [ENV.sentryRelease]: z.string().min(1).optional(),
  // OpenTelemetry, by its standard variables (telemetry.ts). Without an endpoint it is off.
  [ENV.otlpEndpoint]: z
    .url({
      protocol: /^https?$/,
      error:
        "must be the http:// or https:// base URL of an OTLP/HTTP receiver, e.g. https://otlp.nr-data.net",
    })
    .refine(
      (url) => !URL.canParse(url) || !/\/v1\/(traces|metrics|logs)\/?$/.test(new URL(url).pathname),
      { error: "must be the base URL: drop the /v1/<signal> path, the exporters append it" },
    )
    .optional(),
  [ENV.otlpHeaders]: keyValueList({
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
  [ENV.otelServiceName]: z.string().min(1).optional(),
  [ENV.otelResourceAttributes]: keyValueList({
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
} as const;

export type CommonConfig = z.output<z.ZodObject<typeof commonEnv>>;

export type EnvResult<T> = { ok: true; config: T } | { ok: false; problems: string[] };

/**
 * Parses an environment with `schema`. Empty values count as unset, because platforms (and `.env`
 * files) often declare optional variables with an empty value. Problems name the variable but
 * never echo its value.
 */
export function readEnv<T>(
  schema: z.ZodType<T>,
  env: Readonly<Record<string, string | undefined>>,
): EnvResult<T> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = schema.safeParse(present);
  return result.success
    ? { ok: true, config: result.data }
    : {
        ok: false,
        problems: result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      };
}

/** Thrown when the environment is unusable; `problems` name each variable and what it must be. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** `readEnv`, throwing a ConfigError with every problem at once. */
export function parseEnv<T>(
  schema: z.ZodType<T>,
  env: Readonly<Record<string, string | undefined>>,
): T {
  const result = readEnv(schema, env);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

/** What telemetry.ts needs to export traces and metrics; undefined when telemetry is off. */
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
 * specification says; without either the service is called `fallbackName`.
 */
export function telemetrySettings(
  config: CommonConfig,
  fallbackName: string,
): TelemetrySettings | undefined {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined || config.OTEL_SDK_DISABLED)
    return undefined;
  const attributes = config.OTEL_RESOURCE_ATTRIBUTES;
  return {
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ""),
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    resource: {
      ...attributes,
      "service.name": config.OTEL_SERVICE_NAME ?? attributes["service.name"] ?? fallbackName,
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
export function sentrySettings(config: CommonConfig): SentrySettings | undefined {
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
