// The web server's environment, parsed once on first use. Only server code reads it: nothing here
// is sent to the browser.
import { z } from "zod";

/**
 * OTLP over HTTP, protobuf-encoded by default: the encoding both backends of the platform take for
 * traces and metrics alike (the evidence is in services/api/src/config.ts, which reads the same
 * variables). http/json stays selectable; grpc is refused at start.
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

/**
 * How long a client may take at each stage of a connection, in milliseconds. The same variables
 * and defaults as the api's; services/api/src/http-timeouts.ts cites the edge's and App
 * Platform's limits they are chosen against. server/http-hooks.ts applies them.
 */
const timeoutMs = z.coerce.number().int().min(100).max(3_600_000);
const HTTP_TIMEOUT_DEFAULTS = {
  headers: 10_000,
  request: 30_000,
  idle: 100_000,
  keepAlive: 905_000,
};

const EnvSchema = z.object({
  // In development the api runs beside the web app (pnpm dev); in production it must be set.
  API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL of the api" })
    .default("http://127.0.0.1:3001"),
  API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  HTTP_HEADERS_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUT_DEFAULTS.headers),
  HTTP_REQUEST_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUT_DEFAULTS.request),
  HTTP_IDLE_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUT_DEFAULTS.idle),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: timeoutMs.default(HTTP_TIMEOUT_DEFAULTS.keepAlive),
  // Form posts one client may make to one instance per minute (proxy.ts); the edge's rate limit
  // counts across instances before that.
  FORM_POSTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  // Comma-separated, newest first; the last is sent to the api, which every api instance accepts
  // during a rotation. Required in production (the server refuses to start without it); unset in
  // local development: no origin lock.
  ORIGIN_LOCK_SECRETS: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((secret) => secret.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(z.string().min(32, { error: "each secret must be at least 32 characters" }))),
  NODE_ENV: z.string().optional(),
  SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_RELEASE: z.string().min(1).optional(),
  // OpenTelemetry, by its standard variables (see lib/telemetry-node.ts). Without an endpoint it
  // is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z
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

export type WebConfig = z.infer<typeof EnvSchema>;

const REQUIRED_IN_PRODUCTION = {
  API_URL: "the api's base URL, e.g. http://api:3001",
  ORIGIN_LOCK_SECRETS:
    "the secrets the edge sends in x-origin-lock (comma-separated, each at least 32 characters)",
} as const;

export type WebConfigResult =
  { ok: true; config: WebConfig } | { ok: false; problems: readonly string[] };

/**
 * Reads an environment. Empty values count as unset; problems name the variable, never its value
 * (the OTLP headers and the origin lock's secrets are credentials). In production the api's URL
 * and the origin lock are required: the lock fails closed, an app without it would serve every
 * request that reaches it around the edge.
 */
export function readWebConfig(env: Readonly<Record<string, string | undefined>>): WebConfigResult {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    return { ok: false, problems };
  }
  const config = result.data;
  // The list of secrets counts, not the variable: "," alone sets none.
  const unset = {
    API_URL: !("API_URL" in present),
    ORIGIN_LOCK_SECRETS: config.ORIGIN_LOCK_SECRETS.length === 0,
  };
  const missing = Object.entries(REQUIRED_IN_PRODUCTION).filter(
    ([name]) => unset[name as keyof typeof unset],
  );
  if (env.NODE_ENV === "production" && missing.length > 0) {
    const problems = missing.map(
      ([name, what]) => `${name}: is required in production: set ${what}`,
    );
    return { ok: false, problems };
  }
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    return {
      ok: false,
      problems: [
        "HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)",
      ],
    };
  }
  return { ok: true, config };
}

/** readWebConfig, throwing every problem at once. */
export function parseWebConfig(env: Readonly<Record<string, string | undefined>>): WebConfig {
  const result = readWebConfig(env);
  if (result.ok) return result.config;
  const lines = result.problems.map((problem) => `  - ${problem}`);
  throw new Error(`invalid environment:\n${lines.join("\n")}`);
}

let cached: WebConfig | undefined;

/** The server's own environment, parsed on first use. */
export function webConfig(): WebConfig {
  cached ??= parseWebConfig(process.env);
  return cached;
}

/** What lib/telemetry-node.ts needs to export traces and metrics; undefined when it is off. */
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
 * specification says; without either the service is called `web`.
 */
export function telemetrySettings(config: WebConfig): TelemetrySettings | undefined {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined || config.OTEL_SDK_DISABLED)
    return undefined;
  const attributes = config.OTEL_RESOURCE_ATTRIBUTES;
  return {
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ""),
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    resource: {
      ...attributes,
      "service.name": config.OTEL_SERVICE_NAME ?? attributes["service.name"] ?? "web",
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
 * Sentry's environment and release, as the api decides them: SENTRY_ENVIRONMENT and
 * SENTRY_RELEASE (the platform sets the image digest), else `deployment.environment.name` and
 * `service.version` from OTEL_RESOURCE_ATTRIBUTES, so errors and traces name the same deployment.
 * The environment ends at `production` under NODE_ENV=production and `development` otherwise; a
 * release has no honest default and stays unset.
 */
export function sentrySettings(config: WebConfig): SentrySettings | undefined {
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
