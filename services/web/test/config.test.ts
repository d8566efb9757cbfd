// The web's environment: the OpenTelemetry variables the stack sets, and Sentry's environment and
// release, decided as the api decides them.
import { describe, expect, it } from "vitest";
import { parseWebConfig, sentrySettings, telemetrySettings } from "../lib/config";

const base = { API_URL: "http://api:3001" };

function problemsOf(env: Record<string, string>): string {
  try {
    parseWebConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the environment to be refused");
}

describe("telemetrySettings", () => {
  const endpoint = { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.nr-data.net" };

  it("is off without an endpoint, or with OTEL_SDK_DISABLED=true", () => {
    expect(
      telemetrySettings(parseWebConfig({ ...base, OTEL_EXPORTER_OTLP_HEADERS: "api-key=k" })),
    ).toBeUndefined();
    expect(
      telemetrySettings(parseWebConfig({ ...endpoint, OTEL_SDK_DISABLED: "true" })),
    ).toBeUndefined();
  });

  it("exports http/protobuf as the web, with the stack's headers and resource attributes", () => {
    expect(
      telemetrySettings(
        parseWebConfig({
          ...endpoint,
          OTEL_EXPORTER_OTLP_HEADERS: "api-key=abc%2Cdef",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,service.version=sha256:1",
        }),
      ),
    ).toEqual({
      endpoint: "https://otlp.nr-data.net",
      headers: { "api-key": "abc,def" },
      protocol: "http/protobuf",
      resource: {
        "deployment.environment.name": "staging",
        "service.version": "sha256:1",
        "service.name": "web",
      },
      metricExportIntervalMs: 60_000,
    });
  });

  it("refuses gRPC, a signal path and malformed headers, naming the variable but no secret", () => {
    const message = problemsOf({
      ...endpoint,
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.nr-data.net/v1/metrics",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_HEADERS: "s3cr3t-license-key-without-a-name",
    });
    expect(message).toContain(
      "OTEL_EXPORTER_OTLP_ENDPOINT: must be the base URL: drop the /v1/<signal> path",
    );
    expect(message).toContain("OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported");
    expect(message).toContain("OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value");
    expect(message).not.toContain("s3cr3t");
  });
});

describe("sentrySettings", () => {
  const dsn = { ...base, SENTRY_DSN: "https://key@o1.ingest.sentry.io/42" };

  it("takes SENTRY_ENVIRONMENT and SENTRY_RELEASE first", () => {
    expect(
      sentrySettings(
        parseWebConfig({
          ...dsn,
          SENTRY_ENVIRONMENT: "staging",
          SENTRY_RELEASE: "sha256:0a1b",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=x,service.version=y",
        }),
      ),
    ).toEqual({ dsn: dsn.SENTRY_DSN, environment: "staging", release: "sha256:0a1b" });
  });

  it("falls back to the OpenTelemetry resource, then to NODE_ENV, never inventing a release", () => {
    expect(
      sentrySettings(
        parseWebConfig({
          ...dsn,
          OTEL_RESOURCE_ATTRIBUTES:
            "deployment.environment.name=production,service.version=sha256:9",
        }),
      ),
    ).toMatchObject({ environment: "production", release: "sha256:9" });
    expect(sentrySettings(parseWebConfig(dsn))).toMatchObject({
      environment: "development",
      release: undefined,
    });
    const production = { ...dsn, NODE_ENV: "production", ORIGIN_LOCK_SECRETS: "s".repeat(32) };
    expect(sentrySettings(parseWebConfig(production))?.environment).toBe("production");
  });
});

describe("parseWebConfig", () => {
  it("requires the api's URL and the origin lock in production, naming each", () => {
    expect(problemsOf({ NODE_ENV: "production" })).toBe(
      [
        "invalid environment:",
        "  - API_URL: is required in production: set the api's base URL, e.g. http://api:3001",
        "  - ORIGIN_LOCK_SECRETS: is required in production: set the secrets the edge sends in x-origin-lock (comma-separated, each at least 32 characters)",
      ].join("\n"),
    );
    expect(parseWebConfig({ ...base }).ORIGIN_LOCK_SECRETS).toEqual([]);
  });

  it("reads the HTTP timeouts and the form limit, with the api's defaults", () => {
    expect(parseWebConfig(base)).toMatchObject({
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_IDLE_TIMEOUT_MS: 100_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 905_000,
      FORM_POSTS_PER_MINUTE: 30,
    });
    expect(problemsOf({ ...base, HTTP_HEADERS_TIMEOUT_MS: "60000" })).toContain(
      "HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS",
    );
  });
});
