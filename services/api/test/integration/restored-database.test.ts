// A database restored from backups to a point in time (DigitalOcean's fork of the cluster: the
// same databases, users and settings as of that moment) holds the schema and its migration
// history as of then. After a cut-over (README, Runbooks) the PRE_DEPLOY job migrates it with the
// current build. Here a copy taken before a migration plays the restored database: CREATE
// DATABASE … TEMPLATE copies the database's files as they are, and the roles are the cluster's,
// as in a fork. The migrations must apply only what came later, once, keep the rows of the
// restore point, grant the runtime role again, and leave the live database alone.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate, type Migration } from "../../src/migrations.ts";
import { adminUrl } from "../support/postgres.ts";

const suffix = randomBytes(4).toString("hex");
const runtime = `app_restore_${suffix}`;
const live = `api_live_${suffix}`;
const restored = `api_restored_${suffix}`;

/** A migration the live database took after the restore point. */
const LATER: Migration = {
  version: 1000,
  name: "add_item_notes",
  sql: `CREATE TABLE item_notes (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          item_id bigint NOT NULL REFERENCES items,
          body text NOT NULL
        )`,
};
const CURRENT_BUILD = [...MIGRATIONS, LATER];

function urlOf(database: string, role?: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  if (role !== undefined) {
    url.username = role;
    url.password = "not-checked-by-the-test-server";
  }
  return url.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function migrateDatabase(database: string, migrations: readonly Migration[]) {
  const pool = new pg.Pool({ connectionString: urlOf(database), max: 1 });
  try {
    return await migrate(pool, migrations, { roles: [{ role: runtime, access: "readwrite" }] });
  } finally {
    await pool.end();
  }
}

const asAdmin = (statements: string[]) =>
  withClient(adminUrl(), async (client) => {
    for (const statement of statements) await client.query(statement);
  });

const titlesIn = (database: string) =>
  withClient(urlOf(database), async (client) => {
    const { rows } = await client.query<{ title: string }>("SELECT title FROM items ORDER BY id");
    return rows.map((row) => row.title);
  });

const versionsIn = (database: string) =>
  withClient(urlOf(database), async (client) => {
    const { rows } = await client.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    return rows.map((row) => row.version);
  });

beforeAll(async () => {
  await asAdmin([`CREATE ROLE ${runtime} LOGIN`, `CREATE DATABASE ${live}`]);
  await migrateDatabase(live, MIGRATIONS);
  await withClient(urlOf(live), (client) =>
    client.query("INSERT INTO items (title) VALUES ('before the point'), ('also before')"),
  );
  // The restore point: a copy of the live database as it is now.
  await asAdmin([`CREATE DATABASE ${restored} TEMPLATE ${live}`]);
  // The live database moves on: a later migration, and a write after the restore point.
  await migrateDatabase(live, CURRENT_BUILD);
  await withClient(urlOf(live), (client) =>
    client.query("INSERT INTO items (title) VALUES ('after the point')"),
  );
});

afterAll(async () => {
  await asAdmin([
    `DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`,
    `DROP DATABASE IF EXISTS ${live} WITH (FORCE)`,
    `DROP ROLE IF EXISTS ${runtime}`,
  ]);
});

describe("the migrations on a database restored to a point in time", () => {
  it("apply only what came after the restore point, and then nothing", async () => {
    expect(await versionsIn(restored)).toEqual(MIGRATIONS.map(({ version }) => version));
    expect(await migrateDatabase(restored, CURRENT_BUILD)).toEqual({
      applied: [{ version: LATER.version, name: LATER.name }],
      alreadyApplied: MIGRATIONS.length,
      granted: [{ role: runtime, access: "readwrite" }],
      revoked: [],
    });
    expect(await migrateDatabase(restored, CURRENT_BUILD)).toEqual({
      applied: [],
      alreadyApplied: CURRENT_BUILD.length,
      granted: [{ role: runtime, access: "readwrite" }],
      revoked: [],
    });
  });

  it("keep the rows of the restore point, and nothing written after it", async () => {
    expect(await titlesIn(restored)).toEqual(["before the point", "also before"]);
  });

  it("let the runtime role use what they created, and nothing more", async () => {
    await withClient(urlOf(restored, runtime), async (client) => {
      const { rows } = await client.query<{ id: string }>(
        "INSERT INTO item_notes (item_id, body) VALUES (1, 'restored') RETURNING id",
      );
      expect(rows).toHaveLength(1);
      await expect(client.query("CREATE TABLE intruder (id int)")).rejects.toMatchObject({
        code: "42501",
      });
    });
  });

  it("never touch the live database", async () => {
    expect(await versionsIn(live)).toEqual(CURRENT_BUILD.map(({ version }) => version));
    expect(await titlesIn(live)).toEqual(["before the point", "also before", "after the point"]);
  });
});
