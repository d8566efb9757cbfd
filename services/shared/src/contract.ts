// The contract between the stacks and the services: the names of the env vars the platform sets
// and the services read, the header of the origin lock, and the names of the spans the backends'
// monitors query. Both sides import this module, so a renamed variable cannot leave one side
// reading what the other no longer sets. Pure data and pure functions: the Pulumi program loads it.

/** Every env var the platform sets on a component, by what it carries. */
export const ENV = {
  nodeEnv: "NODE_ENV",
  port: "PORT",
  /** The primary through the service's own pool, as the service's own database role (secret). */
  databaseUrl: "DATABASE_URL",
  /** Where the service reads: the replica in its region, else the primary (secret). */
  databaseReadUrl: "DATABASE_READ_URL",
  /** The CA that signs the database's certificates, for verified TLS (public). */
  databaseCaCert: "DATABASE_CA_CERT",
  /** The roles the migration job grants, with their access (`formatDatabaseRoles`). */
  databaseRoles: "DATABASE_ROLES",
  /** Whether a server migrates at start (the platform's migration job does it before). */
  migrateOnStart: "MIGRATE_ON_START",
  /** The secrets the origin lock accepts, comma-separated, newest first (secret). */
  originLockSecrets: "ORIGIN_LOCK_SECRETS",
  /** The public base URL of the assets bucket, behind the edge. */
  assetsUrl: "ASSETS_URL",
  sentryDsn: "SENTRY_DSN",
  sentryEnvironment: "SENTRY_ENVIRONMENT",
  sentryRelease: "SENTRY_RELEASE",
  otlpEndpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  /** Holds the backend's ingest key (secret). */
  otlpHeaders: "OTEL_EXPORTER_OTLP_HEADERS",
  otelServiceName: "OTEL_SERVICE_NAME",
  otelResourceAttributes: "OTEL_RESOURCE_ATTRIBUTES",
  /** A digest of the app's write-only values: a changed one rolls the app out. */
  secretsDigest: "SECRETS_DIGEST",
} as const;

/**
 * The env var that holds the base URL of another service a service uses: `api` → `API_URL`,
 * `image-resizer` → `IMAGE_RESIZER_URL`.
 */
export function serviceUrlEnv(service: string): string {
  return `${service.toUpperCase().replaceAll("-", "_")}_URL`;
}

/** The request header that carries the origin lock's secret; services refuse requests without it. */
export const ORIGIN_LOCK_HEADER = "x-origin-lock";

/**
 * `operation.name` of the spans the services start, which Datadog names its trace metrics after
 * (`trace.<operation>.hits`, `.errors`): the APM monitors query these names.
 */
export const SPAN_OPERATIONS = {
  /** A server span: one HTTP request a service answered. */
  httpServer: "http.server.request",
  /** One run of one job by a worker. */
  jobRun: "job.run",
} as const;

/** What a database role may do: read rows, or read and write them. Never DDL. */
export const DATABASE_ACCESS = ["read", "readwrite"] as const;
export type DatabaseAccess = (typeof DATABASE_ACCESS)[number];

export interface DatabaseRole {
  /** A PostgreSQL role name: lower-case letters, digits and `_`. */
  role: string;
  access: DatabaseAccess;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `[{role: "api", access: "readwrite"}]` → `api=readwrite`, comma-separated, as DATABASE_ROLES. */
export function formatDatabaseRoles(roles: readonly DatabaseRole[]): string {
  return roles.map(({ role, access }) => `${role}=${access}`).join(",");
}

/**
 * DATABASE_ROLES read back: the roles and their access, or the problem with the entry (named by
 * its position and role, which are no secret).
 */
export function parseDatabaseRoles(
  text: string,
): { ok: true; roles: DatabaseRole[] } | { ok: false; problem: string } {
  const roles: DatabaseRole[] = [];
  const entries = text.split(",").filter((entry) => entry.trim() !== "");
  for (const [index, entry] of entries.entries()) {
    const [role = "", access = ""] = entry.trim().split("=");
    if (!ROLE_NAME.test(role)) {
      return {
        ok: false,
        problem: `entry ${index + 1} names "${role}", not a PostgreSQL role name (lower-case letters, digits and _); expected role=read or role=readwrite`,
      };
    }
    if (!(DATABASE_ACCESS as readonly string[]).includes(access)) {
      return {
        ok: false,
        problem: `entry ${index + 1} (${role}) gives access "${access}"; use read or readwrite`,
      };
    }
    if (roles.some((known) => known.role === role)) {
      return { ok: false, problem: `entry ${index + 1} names ${role} a second time` };
    }
    roles.push({ role, access: access as DatabaseAccess });
  }
  return { ok: true, roles };
}

/**
 * The kinds of jobs one service records (in the `jobs` table, in the transaction that makes them
 * due) and a worker claims. The payload of each is JSON.
 */
export const JOB_KINDS = {
  /** An item was created: `{ itemId }`, its id as a decimal string. */
  itemCreated: "item.created",
} as const;
