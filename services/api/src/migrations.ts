// Versioned schema migrations. Applied versions are recorded with a checksum, so running the
// migrator again is a no-op and an edited, already-applied migration is refused instead of
// silently diverging between environments.
//
// Everything runs in ONE transaction holding a transaction-scoped advisory lock: instances that
// start together wait for each other instead of racing, and it works through a connection pooler in
// transaction mode (a session-level lock could be taken on one server connection and released on
// another). The price: a migration cannot use statements that refuse to run in a transaction, such
// as CREATE INDEX CONCURRENTLY.
//
// Migrations run as the role that owns the schema (DigitalOcean's `doadmin`), never as a role a
// service runs as. DigitalOcean gives a user created through its API no privilege beyond CONNECT
// (PostgreSQL 15+ grants PUBLIC no CREATE on schema `public`), so the same transaction grants each
// service's role exactly the access its catalog binding names (DATABASE_ROLES, from the stack): a
// `read` role reads rows, a `readwrite` role reads and writes them; none can create, alter or drop
// anything, and none touches the migration history.
import { createHash } from "node:crypto";
import type { DatabaseAccess, DatabaseRole } from "@platform/runtime/contract";
import pg from "pg";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create_items",
    sql: `
      CREATE TABLE items (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'doing', 'done')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- The list filtered by status pages by id, newest first.
      CREATE INDEX items_status_id_idx ON items (status, id DESC);
    `,
  },
  {
    version: 2,
    name: "create_jobs",
    sql: `
      -- What the processor (services/processor) fills in for each new item.
      ALTER TABLE items ADD COLUMN word_count integer, ADD COLUMN processed_at timestamptz;
      -- Work for the background workers, recorded in the transaction that makes it due. run_at is
      -- when the job may next be claimed: its due time while pending, the end of its lease while
      -- running (a worker that dies leaves it to be claimed again then).
      CREATE TABLE jobs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind ~ '^[a-z]+(\\.[a-z]+)*$'),
        payload jsonb NOT NULL DEFAULT '{}',
        state text NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'running', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
        run_at timestamptz NOT NULL DEFAULT now(),
        claim uuid,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      -- The claim's scan: due jobs in order, finished ones left out of the index.
      CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE state IN ('pending', 'running');
    `,
  },
  {
    version: 3,
    name: "index_finished_jobs",
    sql: `
      -- The processor's retention deletes finished jobs by state and age (deleteExpiredJobs): this
      -- keeps that from scanning the whole table. Built in the migration's transaction, which
      -- blocks writes to jobs while it runs: 0.9 s for a million rows on PostgreSQL 15 (2 cores).
      -- Where jobs holds far more, count them first and release in a quiet moment.
      CREATE INDEX jobs_finished_idx ON jobs (state, finished_at) WHERE state IN ('done', 'failed');
    `,
  },
];

// Any constant works; it only has to be the same for every instance of this service.
export const MIGRATION_LOCK_KEY = 7_241_853_311;

export interface MigrationResult {
  applied: { version: number; name: string }[];
  alreadyApplied: number;
  /** The roles granted their access, as asked. */
  granted: DatabaseRole[];
  /** Roles this migrator had granted access that `roles` no longer names, their access revoked. */
  revoked: string[];
}

export interface MigrateOptions {
  /**
   * The services' roles and their access. Each gets USAGE on the schema and, now and (through
   * default privileges) for the tables later migrations create, SELECT (`read`), or row access and
   * USAGE on every sequence (`readwrite`); nothing else. Given, it is every role to keep: a role
   * this migrator granted access before and no longer listed has that access revoked.
   * @default undefined (no grant, no revocation)
   */
  roles?: readonly DatabaseRole[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export function checksum(migration: Migration): string {
  return createHash("sha256").update(migration.sql).digest("hex");
}

/** Checks that versions are unique and increasing; a typo here would otherwise reach production. */
export function validateMigrations(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new MigrationError(
        `migration "${migration.name}" has version ${migration.version}; versions must be integers increasing from 1`,
      );
    }
    previous = migration.version;
  }
}

/**
 * The statements that give `role` exactly `access` in `public` and take away what PUBLIC could do
 * beyond connecting. Every one is idempotent and revokes what the other access would grant, so
 * they run on every release, repair drift, and turn a `readwrite` role into a `read` one. REVOKE by
 * a non-owner only warns, so they are safe where the schema belongs to someone else.
 */
export function roleGrants(role: string, access: DatabaseAccess, database: string): string[] {
  const grantee = pg.escapeIdentifier(role);
  const writes = "INSERT, UPDATE, DELETE";
  const rows = access === "readwrite" ? `SELECT, ${writes}` : "SELECT";
  const sequences =
    access === "readwrite"
      ? [
          `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${grantee}`,
          `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${grantee}`,
        ]
      : [
          `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${grantee}`,
          `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${grantee}`,
        ];
  return [
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    `REVOKE TEMPORARY ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA public TO ${grantee}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${grantee}`,
    `GRANT ${rows} ON ALL TABLES IN SCHEMA public TO ${grantee}`,
    // The migration history is the migrator's: the services have no business with it.
    `REVOKE ALL ON schema_migrations FROM ${grantee}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${grantee}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${rows} ON TABLES TO ${grantee}`,
    ...sequences,
  ];
}

/**
 * Roles that hold access in `public` granted by this migrator (or the schema's owner, whose role
 * it has), other than `current`: services that left the catalog. Their access is revoked, table,
 * sequence, default and schema privileges alike, so that nothing depends on the role any more and
 * the stack can delete its user (DROP ROLE refuses a role that still holds privileges, 2BP01).
 */
async function revokeFormerRoles(
  client: pg.PoolClient,
  current: readonly string[],
): Promise<string[]> {
  const { rows } = await client.query<{ role: string }>(
    `SELECT DISTINCT r.rolname AS role
       FROM (SELECT (aclexplode(c.relacl)).grantor, (aclexplode(c.relacl)).grantee
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relacl IS NOT NULL
             UNION ALL
             SELECT (aclexplode(d.defaclacl)).grantor, (aclexplode(d.defaclacl)).grantee
               FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
              WHERE n.nspname = 'public'
             UNION ALL
             SELECT (aclexplode(n.nspacl)).grantor, (aclexplode(n.nspacl)).grantee
               FROM pg_namespace n WHERE n.nspname = 'public' AND n.nspacl IS NOT NULL) AS acl
       JOIN pg_roles r ON r.oid = acl.grantee
      WHERE acl.grantee <> acl.grantor
        AND pg_has_role(current_user, acl.grantor, 'MEMBER')
        AND r.rolname <> current_user
        AND NOT r.rolname = ANY($1::text[])
      ORDER BY 1`,
    [current],
  );
  for (const { role } of rows) {
    const grantee = pg.escapeIdentifier(role);
    for (const statement of [
      `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${grantee}`,
      `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${grantee}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${grantee}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${grantee}`,
      `REVOKE ALL ON SCHEMA public FROM ${grantee}`,
    ]) {
      await client.query(statement);
    }
  }
  return rows.map((row) => row.role);
}

async function grantAccess(client: pg.PoolClient, { role, access }: DatabaseRole): Promise<void> {
  const { rows } = await client.query<{ exists: boolean; is_self: boolean; database: string }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists,
            $1 = current_user AS is_self, current_database() AS database`,
    [role],
  );
  const [facts] = rows;
  if (!facts?.exists) {
    throw new MigrationError(
      `DATABASE_ROLES names "${role}", which is no role on this server; create the user first (the platform's stack does, as digitalocean.DatabaseUser) or fix the name`,
    );
  }
  if (facts.is_self) {
    throw new MigrationError(
      `DATABASE_ROLES names "${role}", the role running the migrations; the services must run as separate, least-privilege roles`,
    );
  }
  for (const statement of roleGrants(role, access, facts.database)) await client.query(statement);
}

export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  validateMigrations(migrations);
  const client = await pool.connect();
  // The server ending this connection (a restart, a failover) fails the query in flight, and pg
  // also emits `error` on the client, which the pool hears only on idle clients: the failed query
  // is what reports it (the migration retries), so the event must not crash the process.
  const ignoreLost = () => undefined;
  client.on("error", ignoreLost);
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
    );
    const known = new Map(migrations.map((migration) => [migration.version, migration]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (migration === undefined) {
        throw new MigrationError(
          `the database has migration ${row.version} (${row.name}) that this build does not know; is an older build running against a newer schema?`,
        );
      }
      if (checksum(migration) !== row.checksum) {
        throw new MigrationError(
          `migration ${row.version} (${row.name}) was changed after it was applied; add a new migration instead of editing it`,
        );
      }
    }
    const appliedVersions = new Set(rows.map((row) => row.version));
    const applied: MigrationResult["applied"] = [];
    for (const migration of migrations) {
      if (appliedVersions.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        [migration.version, migration.name, checksum(migration)],
      );
      applied.push({ version: migration.version, name: migration.name });
    }
    const roles = options.roles ?? [];
    for (const role of roles) await grantAccess(client, role);
    // Only when the roles are given: a migration without them (a service migrating at start) knows
    // nothing of the catalog, and must not take access away from anyone.
    const revoked =
      options.roles === undefined
        ? []
        : await revokeFormerRoles(
            client,
            roles.map(({ role }) => role),
          );
    await client.query("COMMIT");
    client.off("error", ignoreLost);
    client.release();
    return { applied, alreadyApplied: rows.length, granted: [...roles], revoked };
  } catch (error) {
    // A client whose ROLLBACK fails is broken (the connection dropped): destroy it, not reuse it.
    const rollbackFailed = await client.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    client.off("error", ignoreLost);
    client.release(rollbackFailed);
    throw error;
  }
}
