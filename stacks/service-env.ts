// The env is the contract: one pure function turns a catalog service's bindings into the env vars
// it gets in one region's app. Every SECRET entry carries a fingerprint of what decides its value
// (config secrets' digests, credential identities, the origin lock's generation), and the app's
// SECRETS_DIGEST is computed from these lists themselves (infra/compute/app-spec.ts,
// `secretsDigestOf`): a secret added here can never be left out of the digest, so it always rolls
// out. Names come from the contract the services read (@platform/runtime/contract).
import { createHash } from "node:crypto";
import { ENV, formatDatabaseRoles, serviceUrlEnv } from "@platform/runtime/contract";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceEnv } from "../infra/compute/app-spec.ts";
import { type BuildValue, type CatalogService, listeningPortOf } from "./service-catalog.ts";

/** A secret value and the fingerprint of what decides it (never of the value itself). */
export interface FingerprintedSecret {
  value: pulumi.Input<string>;
  fingerprint: string;
}

/** What the stack binds a service to, in one region. */
export interface PlatformBindings {
  environment: string;
  /** Values build arguments and bindings can take. */
  values: Record<BuildValue, string>;
  /** The public URL of the assets bucket. */
  assetsUrl: string;
  /** The secrets the origin lock accepts. */
  originLock: FingerprintedSecret;
  sentryDsn: FingerprintedSecret | undefined;
  /** The APM backend's OTLP endpoint and the headers holding its ingest key. */
  telemetry: { endpoint: string; headers: FingerprintedSecret } | undefined;
  database: DatabaseBindings;
}

export interface DatabaseBindings {
  /** The role's URL through its pool on the primary. */
  primary(role: string): FingerprintedSecret;
  /** The role's URL to the replica of this region, else the primary. */
  read(role: string): FingerprintedSecret;
  /** The schema owner's URL, for the migration job alone. */
  owner: FingerprintedSecret;
  caCertificate: pulumi.Input<string>;
}

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export function plainEnv(key: string, value: pulumi.Input<string>): ServiceEnv {
  return { key, value, secret: false };
}

export function secretEnv(key: string, secret: FingerprintedSecret | undefined): ServiceEnv[] {
  return secret === undefined
    ? []
    : [{ key, value: secret.value, secret: true, fingerprint: secret.fingerprint }];
}

/** A service's database role: its name with `_` for `-`, as PostgreSQL names go. */
export function databaseRoleOf(service: Pick<CatalogService, "name">): string {
  return service.name.replaceAll("-", "_");
}

/** The roles the migration job grants: every service that uses the database, with its access. */
export function databaseRolesOf(catalog: readonly CatalogService[]) {
  return catalog.flatMap((service) =>
    service.uses.database === "none"
      ? []
      : [{ role: databaseRoleOf(service), access: service.uses.database }],
  );
}

/** Where another service answers inside the app: App Platform's components reach it by name. */
export function internalUrlOf(service: CatalogService): string {
  return `http://${service.name}:${String(service.port)}`;
}

/**
 * What ties a service's telemetry to exactly what runs: Sentry's environment and release (the
 * image digest), and with an APM backend the standard OpenTelemetry variables the services read.
 */
function telemetryEnv(
  service: CatalogService,
  bindings: PlatformBindings,
  digest: pulumi.Input<string>,
): ServiceEnv[] {
  const { environment, sentryDsn, telemetry } = bindings;
  return [
    ...secretEnv(ENV.sentryDsn, sentryDsn),
    ...(sentryDsn === undefined
      ? []
      : [plainEnv(ENV.sentryEnvironment, environment), plainEnv(ENV.sentryRelease, digest)]),
    ...(telemetry === undefined
      ? []
      : [
          plainEnv(ENV.otlpEndpoint, telemetry.endpoint),
          ...secretEnv(ENV.otlpHeaders, telemetry.headers),
          plainEnv(ENV.otelServiceName, service.name),
          plainEnv(
            ENV.otelResourceAttributes,
            pulumi.interpolate`deployment.environment.name=${environment},service.version=${digest}`,
          ),
        ]),
  ];
}

function databaseEnv(service: CatalogService, bindings: PlatformBindings): ServiceEnv[] {
  const { database } = bindings;
  if (service.uses.database === "none") return [];
  const role = databaseRoleOf(service);
  return [
    // A `read` service gets no write URL: its role could not use it anyway.
    ...(service.uses.database === "readwrite"
      ? secretEnv(ENV.databaseUrl, database.primary(role))
      : []),
    ...secretEnv(ENV.databaseReadUrl, database.read(role)),
    plainEnv(ENV.databaseCaCert, database.caCertificate),
    // The migration job migrated already, as the schema's owner.
    ...(service.migrations === undefined ? [] : [plainEnv(ENV.migrateOnStart, "false")]),
  ];
}

/** Where it listens: a service on its port, a worker with a liveness endpoint on that one's. */
function portEnv(service: CatalogService): ServiceEnv[] {
  const port = listeningPortOf(service);
  return port === undefined ? [] : [plainEnv(ENV.port, String(port))];
}

/**
 * The env of `service` in one region's app, in a stable order: the platform's own, telemetry,
 * its port, the database for its role, the services it uses, the assets, its own plain values.
 */
export function serviceEnv(
  service: CatalogService,
  catalog: readonly CatalogService[],
  bindings: PlatformBindings,
  digest: pulumi.Input<string>,
): ServiceEnv[] {
  const used = service.uses.services.flatMap((name) =>
    catalog.filter((candidate) => candidate.name === name),
  );
  return [
    plainEnv(ENV.nodeEnv, "production"),
    // Every service that listens refuses requests without one of these (the edge adds the first).
    ...(service.port === undefined ? [] : secretEnv(ENV.originLockSecrets, bindings.originLock)),
    ...telemetryEnv(service, bindings, digest),
    ...portEnv(service),
    ...databaseEnv(service, bindings),
    ...used.map((other) => plainEnv(serviceUrlEnv(other.name), internalUrlOf(other))),
    ...(service.uses.assets ? [plainEnv(ENV.assetsUrl, bindings.assetsUrl)] : []),
    ...Object.entries(service.env ?? {}).map(([key, value]) => plainEnv(key, value)),
  ];
}

/** The migration job's env: the schema owner's URL and the roles to grant, for this job alone. */
export function migrationEnv(
  catalog: readonly CatalogService[],
  database: DatabaseBindings,
): ServiceEnv[] {
  return [
    plainEnv(ENV.nodeEnv, "production"),
    // The owner of the schema, for this job alone: no service ever holds it.
    ...secretEnv(ENV.databaseUrl, database.owner),
    plainEnv(ENV.databaseRoles, formatDatabaseRoles(databaseRolesOf(catalog))),
    plainEnv(ENV.databaseCaCert, database.caCertificate),
  ];
}

/** The build arguments of a service's image, from the platform's values. */
export function buildArgsOf(
  service: CatalogService,
  values: Record<BuildValue, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.buildArgs ?? {}).map(([key, value]) => [key, values[value]]),
  );
}
