// The web server's environment, parsed once on first use. Only server code reads it: nothing here
// is sent to the browser. What every service reads alike (OpenTelemetry, Sentry, the origin lock)
// and the reader come from @platform/runtime/env; the names the platform sets, from its contract.
import { ENV, serviceUrlEnv } from "@platform/runtime/contract";
import {
  commonEnv,
  originLockSecrets,
  readEnv,
  sentrySettings as commonSentrySettings,
  type SentrySettings,
  telemetrySettings as commonTelemetrySettings,
  type TelemetrySettings,
} from "@platform/runtime/env";
import { z } from "zod";

export type { OtlpProtocol, SentrySettings, TelemetrySettings } from "@platform/runtime/env";

/** The api's base URL: the web's binding to it in the service catalog. */
export const API_URL = serviceUrlEnv("api");

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
  ...commonEnv,
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
  [ENV.originLockSecrets]: originLockSecrets,
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
  const result = readEnv(EnvSchema, env);
  if (!result.ok) return result;
  const { config } = result;
  const present = (name: string) => (env[name]?.trim() ?? "") !== "";
  // The list of secrets counts, not the variable: "," alone sets none.
  const unset = {
    API_URL: !present(API_URL),
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

/** Telemetry's settings, the service named `web` unless OTEL_SERVICE_NAME says otherwise. */
export function telemetrySettings(config: WebConfig): TelemetrySettings | undefined {
  return commonTelemetrySettings(config, "web");
}

export function sentrySettings(config: WebConfig): SentrySettings | undefined {
  return commonSentrySettings(config);
}
