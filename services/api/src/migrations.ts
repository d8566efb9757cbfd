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
// Migrations run as the role that owns the schema (DigitalOcean's `doadmin`), never as the role the
// services run as. DigitalOcean gives a user created through its API no privilege beyond CONNECT
// (PostgreSQL 15+ grants PUBLIC no CREATE on schema `public`), so the same transaction grants that
// runtime role exactly the data access the services need: it can read and write rows, but it cannot
// create, alter or drop anything.
import { createHash } from "node:crypto";
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
];

// Any constant works; it only has to be the same for every instance of this service.
export const MIGRATION_LOCK_KEY = 7_241_853_311;

export interface MigrationResult {
  applied: { version: number; name: string }[];
  alreadyApplied: number;
  /** The role granted data access, when one was asked for. */
  grantedTo?: string;
}

export interface MigrateOptions {
  /**
   * The least-privilege role the services connect as. It gets USAGE on the schema, row access on
   * every table and USAGE on every sequence, now and (through default privileges) for the tables
   * later migrations create; nothing else.
   */
  runtimeRole?: string | undefined;
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
 * The statements that give `role` data access in `public` and take away what PUBLIC could do
 * beyond connecting. Every one is idempotent, so they run on every release and repair drift.
 * REVOKE by a non-owner only warns, so they are safe where the schema belongs to someone else.
 */
export function runtimeGrants(role: string, database: string): string[] {
  const grantee = pg.escapeIdentifier(role);
  return [
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    `REVOKE TEMPORARY ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA public TO ${grantee}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${grantee}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${grantee}`,
    // The migration history is the migrator's: the services have no business changing it.
    `REVOKE ALL ON schema_migrations FROM ${grantee}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${grantee}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${grantee}`,
  ];
}

async function grantRuntimeAccess(client: pg.PoolClient, role: string): Promise<void> {
  const { rows } = await client.query<{ exists: boolean; is_self: boolean; database: string }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists,
            $1 = current_user AS is_self, current_database() AS database`,
    [role],
  );
  const [facts] = rows;
  if (!facts?.exists) {
    throw new MigrationError(
      `DATABASE_RUNTIME_ROLE names "${role}", which is no role on this server; create the user first (the platform's stack does, as digitalocean.DatabaseUser) or fix the name`,
    );
  }
  if (facts.is_self) {
    throw new MigrationError(
      `DATABASE_RUNTIME_ROLE is "${role}", the role running the migrations; the services must run as a separate, least-privilege role`,
    );
  }
  for (const statement of runtimeGrants(role, facts.database)) await client.query(statement);
}

export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  validateMigrations(migrations);
  const client = await pool.connect();
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
    if (options.runtimeRole !== undefined) await grantRuntimeAccess(client, options.runtimeRole);
    await client.query("COMMIT");
    client.release();
    return {
      applied,
      alreadyApplied: rows.length,
      ...(options.runtimeRole === undefined ? {} : { grantedTo: options.runtimeRole }),
    };
  } catch (error) {
    // A client whose ROLLBACK fails is broken (the connection dropped): destroy it, not reuse it.
    const rollbackFailed = await client.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    client.release(rollbackFailed);
    throw error;
  }
}
