import { describe, expect, it } from "vitest";
import {
  ConfigError,
  httpTimeouts,
  loadConfig,
  originLockProblem,
  sentrySettings,
  telemetrySettings,
} from "../../src/config.ts";

const minimal = { DATABASE_URL: "postgres://app:secret@db.internal:25060/app" };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("fills defaults around the one required variable", () => {
    expect(loadConfig(minimal)).toEqual({
      ...minimal,
      HOST: "0.0.0.0",
      PORT: 3001,
      DATABASE_POOL_MAX: 10,
      DATABASE_CONNECT_TIMEOUT_MS: 3000,
      DATABASE_QUERY_TIMEOUT_MS: 2000,
      MIGRATE_ON_START: true,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_IDLE_TIMEOUT_MS: 100_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 905_000,
      ORIGIN_LOCK_SECRETS: [],
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_HEADERS: {},
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_RESOURCE_ATTRIBUTES: {},
      OTEL_METRIC_EXPORT_INTERVAL: 60_000,
      OTEL_SDK_DISABLED: false,
    });
  });

  it("reads the origin lock's secrets as a list, and refuses a short one", () => {
    const long = "s".repeat(32);
    expect(
      loadConfig({ ...minimal, ORIGIN_LOCK_SECRETS: `${long}, ${long}x` }).ORIGIN_LOCK_SECRETS,
    ).toEqual([long, `${long}x`]);
    expect(() => loadConfig({ ...minimal, ORIGIN_LOCK_SECRETS: "short" })).toThrow(
      "ORIGIN_LOCK_SECRETS.0: each secret must be at least 32 characters",
    );
  });

  it("requires the origin lock under NODE_ENV=production only, naming the variable", () => {
    const production = { ...minimal, NODE_ENV: "production" };
    expect(originLockProblem(loadConfig(production))).toMatch(
      /^ORIGIN_LOCK_SECRETS: is required when NODE_ENV=production/,
    );
    expect(
      originLockProblem(loadConfig({ ...production, ORIGIN_LOCK_SECRETS: "s".repeat(32) })),
    ).toBeUndefined();
    expect(originLockProblem(loadConfig(minimal))).toBeUndefined();
    expect(originLockProblem(loadConfig({ ...minimal, NODE_ENV: "development" }))).toBeUndefined();
  });

  it("reads the HTTP timeouts, and refuses headers allowed longer than the whole request", () => {
    expect(
      httpTimeouts(
        loadConfig({
          ...minimal,
          HTTP_HEADERS_TIMEOUT_MS: "500",
          HTTP_REQUEST_TIMEOUT_MS: "1000",
          HTTP_IDLE_TIMEOUT_MS: "2000",
          HTTP_KEEP_ALIVE_TIMEOUT_MS: "3000",
        }),
      ),
    ).toEqual({ headersMs: 500, requestMs: 1000, idleMs: 2000, keepAliveMs: 3000 });
    expect(problemsOf({ ...minimal, HTTP_HEADERS_TIMEOUT_MS: "40000" })).toEqual([
      "HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)",
    ]);
    expect(problemsOf({ ...minimal, HTTP_REQUEST_TIMEOUT_MS: "0" })).toEqual([
      "HTTP_REQUEST_TIMEOUT_MS: Too small: expected number to be >=100",
    ]);
  });

  it("treats empty values as unset", () => {
    const config = loadConfig({ ...minimal, DATABASE_READ_URL: "", SENTRY_DSN: "  ", PORT: "" });
    expect(config.DATABASE_READ_URL).toBeUndefined();
    expect(config.SENTRY_DSN).toBeUndefined();
    expect(config.PORT).toBe(3001);
  });

  it("coerces numbers and booleans from strings", () => {
    const config = loadConfig({
      ...minimal,
      PORT: "8080",
      SHUTDOWN_TIMEOUT_MS: "25000",
      MIGRATE_ON_START: "false",
    });
    expect(config).toMatchObject({
      PORT: 8080,
      SHUTDOWN_TIMEOUT_MS: 25_000,
      MIGRATE_ON_START: false,
    });
  });

  it("names every wrong variable at once", () => {
    expect(
      problemsOf({
        DATABASE_READ_URL: "mysql://replica/app",
        PORT: "http",
        LOG_LEVEL: "loud",
        SENTRY_DSN: "not a url",
        DATABASE_CA_CERT: "abc",
      })
        .map((problem) => problem.split(":")[0])
        .sort(),
    ).toEqual([
      "DATABASE_CA_CERT",
      "DATABASE_READ_URL",
      "DATABASE_URL",
      "LOG_LEVEL",
      "PORT",
      "SENTRY_DSN",
    ]);
  });

  it("says what is wrong without echoing secrets", () => {
    const problems = problemsOf({ DATABASE_URL: "https://app:hunter2@db/app" });
    expect(problems).toEqual(["DATABASE_URL: must be a postgres:// or postgresql:// URL"]);
    expect(problems.join()).not.toContain("hunter2");
  });

  it("reports a missing database URL as required", () => {
    expect(problemsOf({})).toEqual(["DATABASE_URL: is required"]);
  });
});

describe("telemetrySettings", () => {
  const endpoint = { ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.nr-data.net/" };

  it("is off without an endpoint, whatever else is set", () => {
    expect(
      telemetrySettings(
        loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_HEADERS: "api-key=k", OTEL_SERVICE_NAME: "x" }),
      ),
    ).toBeUndefined();
    expect(
      telemetrySettings(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: "true" })),
    ).toBeUndefined();
  });

  it("exports http/protobuf to the base endpoint as the api, with the headers it was given", () => {
    expect(
      telemetrySettings(
        loadConfig({
          ...endpoint,
          OTEL_EXPORTER_OTLP_HEADERS: " dd-api-key = abc%3D%3D , dd-otlp-source=datadog",
          OTEL_RESOURCE_ATTRIBUTES:
            "deployment.environment.name=production,service.version=sha256:0a1b",
        }),
      ),
    ).toEqual({
      endpoint: "https://otlp.nr-data.net",
      headers: { "dd-api-key": "abc==", "dd-otlp-source": "datadog" },
      protocol: "http/protobuf",
      resource: {
        "deployment.environment.name": "production",
        "service.version": "sha256:0a1b",
        "service.name": "api",
      },
      metricExportIntervalMs: 60_000,
    });
  });

  it("names the service by OTEL_SERVICE_NAME first, then by OTEL_RESOURCE_ATTRIBUTES", () => {
    const named = (env: Record<string, string>) =>
      telemetrySettings(loadConfig({ ...endpoint, ...env }))?.resource["service.name"];
    expect(named({ OTEL_RESOURCE_ATTRIBUTES: "service.name=items" })).toBe("items");
    expect(
      named({ OTEL_RESOURCE_ATTRIBUTES: "service.name=items", OTEL_SERVICE_NAME: "api-eu" }),
    ).toBe("api-eu");
  });

  it("refuses what an exporter would only fail on later, naming the variable and the fix", () => {
    expect(problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported (Datadog's OTLP intake refuses it): use http/protobuf",
    ]);
    expect(problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http" })).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL: must be http/protobuf (the default) or http/json",
    ]);
    expect(
      problemsOf({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.nr-data.net/v1/traces" }),
    ).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT: must be the base URL: drop the /v1/<signal> path, the exporters append it",
    ]);
    expect(
      problemsOf({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: "otlp.nr-data.net:4318" }),
    ).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT: must be the http:// or https:// base URL of an OTLP/HTTP receiver, e.g. https://otlp.nr-data.net",
    ]);
    expect(problemsOf({ ...minimal, OTEL_METRIC_EXPORT_INTERVAL: "10" })).toEqual([
      "OTEL_METRIC_EXPORT_INTERVAL: must be at least 1000 (milliseconds)",
    ]);
  });

  it("refuses malformed headers without echoing the key they carry", () => {
    const secret = "0123456789abcdef0123456789abcdef";
    const problems = [
      ...problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: secret }),
      ...problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: `api key=${secret}` }),
      ...problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: `x=1,api-key=%zz${secret}` }),
    ];
    expect(problems).toEqual([
      "OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value (expected e.g. api-key=<license key> for New Relic, dd-api-key=<API key> for Datadog)",
      "OTEL_EXPORTER_OTLP_HEADERS: entry 1 does not start with a valid HTTP header name",
      "OTEL_EXPORTER_OTLP_HEADERS: entry 2 has a malformed percent-encoding (%XX) in its value",
    ]);
    expect(problems.join()).not.toContain(secret);
  });
});

describe("sentrySettings", () => {
  const dsn = { ...minimal, SENTRY_DSN: "https://key@o1.ingest.sentry.io/42" };

  it("is off without a DSN", () => {
    expect(sentrySettings(loadConfig({ ...minimal, SENTRY_RELEASE: "r" }))).toBeUndefined();
  });

  it("takes SENTRY_ENVIRONMENT and SENTRY_RELEASE as they are", () => {
    expect(
      sentrySettings(
        loadConfig({
          ...dsn,
          SENTRY_ENVIRONMENT: "staging",
          SENTRY_RELEASE: "sha256:0a1b",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=other,service.version=other",
        }),
      ),
    ).toEqual({ dsn: dsn.SENTRY_DSN, environment: "staging", release: "sha256:0a1b" });
  });

  it("falls back to what OpenTelemetry is told about the deployment", () => {
    expect(
      sentrySettings(
        loadConfig({
          ...dsn,
          OTEL_RESOURCE_ATTRIBUTES:
            "deployment.environment.name=production,service.version=sha256:9f",
        }),
      ),
    ).toMatchObject({ environment: "production", release: "sha256:9f" });
  });

  it("calls a process without either production only under NODE_ENV=production", () => {
    expect(sentrySettings(loadConfig(dsn))).toMatchObject({
      environment: "development",
      release: undefined,
    });
    expect(sentrySettings(loadConfig({ ...dsn, NODE_ENV: "production" }))?.environment).toBe(
      "production",
    );
  });
});
