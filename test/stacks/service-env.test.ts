// The env is the contract: what a catalog service gets from its bindings, secrets with their
// fingerprints, in one pure function (stacks/service-env.ts).
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { ServiceEnv } from "../../infra/compute/app-spec.ts";
import { sizingOf } from "../../stacks/compute.ts";
import {
  type CatalogService,
  catalogService,
  SERVICE_CATALOG,
} from "../../stacks/service-catalog.ts";
import {
  buildArgsOf,
  type DatabaseBindings,
  internalUrlOf,
  migrationEnv,
  type PlatformBindings,
  serviceEnv,
} from "../../stacks/service-env.ts";

const database: DatabaseBindings = {
  primary: (role) => ({
    value: `postgresql://${role}:pw@pool/app`,
    fingerprint: `primary ${role}`,
  }),
  read: (role) => ({ value: `postgresql://${role}:pw@replica/app`, fingerprint: `read ${role}` }),
  owner: { value: "postgresql://doadmin:pw@primary/app", fingerprint: "owner" },
  caCertificate: "-----BEGIN CERTIFICATE-----",
};

const bindings: PlatformBindings = {
  environment: "staging",
  values: { appHost: "app.example.com" },
  assetsUrl: "https://assets.example.com",
  originLock: { value: "lock-secret", fingerprint: "generation 1" },
  sentryDsn: undefined,
  telemetry: undefined,
  database,
};

/** Keys with their type, secrets with their fingerprint. */
const shape = (env: readonly ServiceEnv[]) =>
  env.map((entry) => (entry.secret ? `${entry.key}: secret ${entry.fingerprint}` : entry.key));

const reports: CatalogService = {
  name: "reports",
  description: "a read-only report service",
  kind: "internal",
  folder: "services/reports",
  dockerfile: "services/reports/Dockerfile",
  port: 3005,
  healthPath: "/healthz",
  uses: { database: "read", services: ["api"], assets: true },
  env: { REPORT_FORMAT: "csv" },
  local: { nodeArgs: ["src/main.ts"] },
};

describe("a service's env", () => {
  it("gives a read service its read URL alone, the services it uses, the assets and its own values", () => {
    const env = serviceEnv(reports, [...SERVICE_CATALOG, reports], bindings, "sha256:d");
    expect(shape(env)).toEqual([
      "NODE_ENV",
      "ORIGIN_LOCK_SECRETS: secret generation 1",
      "PORT",
      "DATABASE_READ_URL: secret read reports",
      "DATABASE_CA_CERT",
      "API_URL",
      "ASSETS_URL",
      "REPORT_FORMAT",
    ]);
    const values = Object.fromEntries(env.map(({ key, value }) => [key, value]));
    expect(values).toMatchObject({
      API_URL: "http://api:3001",
      ASSETS_URL: "https://assets.example.com",
      DATABASE_READ_URL: "postgresql://reports:pw@replica/app",
    });
  });

  it("gives the migrations' owner its write URL and switches its own migrations off", () => {
    expect(shape(serviceEnv(catalogService("api"), SERVICE_CATALOG, bindings, "sha256:d"))).toEqual(
      [
        "NODE_ENV",
        "ORIGIN_LOCK_SECRETS: secret generation 1",
        "PORT",
        "DATABASE_URL: secret primary api",
        "DATABASE_READ_URL: secret read api",
        "DATABASE_CA_CERT",
        "MIGRATE_ON_START",
      ],
    );
  });

  it("gives a worker its liveness port but no origin lock, and ties telemetry to its image when on", async () => {
    const withTelemetry: PlatformBindings = {
      ...bindings,
      sentryDsn: { value: "https://key@sentry.example/1", fingerprint: "dsn" },
      telemetry: {
        endpoint: "https://otlp.example",
        headers: { value: "api-key=k", fingerprint: "apm" },
      },
    };
    const env = serviceEnv(catalogService("processor"), SERVICE_CATALOG, withTelemetry, "sha256:d");
    expect(shape(env)).toEqual([
      "NODE_ENV",
      "SENTRY_DSN: secret dsn",
      "SENTRY_ENVIRONMENT",
      "SENTRY_RELEASE",
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_EXPORTER_OTLP_HEADERS: secret apm",
      "OTEL_SERVICE_NAME",
      "OTEL_RESOURCE_ATTRIBUTES",
      "PORT",
      "DATABASE_URL: secret primary processor",
      "DATABASE_READ_URL: secret read processor",
      "DATABASE_CA_CERT",
    ]);
    const attributes = env.find((entry) => entry.key === "OTEL_RESOURCE_ATTRIBUTES")?.value;
    expect(await new Promise((resolve) => pulumi.output(attributes).apply(resolve))).toBe(
      "deployment.environment.name=staging,service.version=sha256:d",
    );
  });

  it("has no database URL at all when the service uses none", () => {
    const env = serviceEnv(catalogService("web"), SERVICE_CATALOG, bindings, "sha256:d");
    expect(env.some((entry) => entry.key.startsWith("DATABASE"))).toBe(false);
  });
});

describe("a service's sizing", () => {
  it("is the stack's, and a missing one is a bug of the loader, said as such", () => {
    const sizing = { size: "apps-s-1vcpu-1gb" as const, instances: 1 };
    expect(sizingOf({ services: { api: sizing } }, "api")).toBe(sizing);
    expect(() => sizingOf({ services: {} }, "api")).toThrow(
      "platform:services.api is not set; the config loader should have refused it",
    );
  });
});

describe("the migration job's env and the build arguments", () => {
  it("holds the owner's URL and every role to grant, for the job alone", () => {
    expect(shape(migrationEnv(SERVICE_CATALOG, database))).toEqual([
      "NODE_ENV",
      "DATABASE_URL: secret owner",
      "DATABASE_ROLES",
      "DATABASE_CA_CERT",
    ]);
    expect(
      migrationEnv([...SERVICE_CATALOG, reports], database).find((e) => e.key === "DATABASE_ROLES")
        ?.value,
    ).toBe("api=readwrite,processor=readwrite,reports=read");
  });

  it("takes build arguments from the platform's values", () => {
    expect(buildArgsOf(catalogService("web"), { appHost: "app.example.com" })).toEqual({
      SERVER_ACTIONS_ALLOWED_ORIGINS: "app.example.com",
    });
    expect(buildArgsOf(reports, { appHost: "app.example.com" })).toEqual({});
    expect(internalUrlOf(reports)).toBe("http://reports:3005");
  });
});
