// A database of its own for each test file, migrated by the api's migrations (which own the
// schema the processor works on), on the server TEST_DATABASE_URL names; dropped afterwards.
import { randomBytes } from "node:crypto";
import { migrate } from "@platform/api/src/migrations.ts";
import pg from "pg";

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === "") throw new Error("TEST_DATABASE_URL is not set");
  return url;
}

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `processor_${label}_${randomBytes(4).toString("hex")}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 6 });
  pool.on("error", () => undefined);
  await migrate(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Creates an item and its `item.created` job, as the api does; returns the item's id. */
export async function createItem(pool: pg.Pool, title: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH item AS (INSERT INTO items (title) VALUES ($1) RETURNING id)
     INSERT INTO jobs (kind, payload) SELECT 'item.created', jsonb_build_object('itemId', id::text) FROM item
     RETURNING payload->>'itemId' AS id`,
    [title],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error("no item created");
  return id;
}

export interface JobRow {
  id: string;
  kind: string;
  state: string;
  attempts: number;
  run_at: Date;
  last_error: string | null;
}

export async function jobs(pool: pg.Pool): Promise<JobRow[]> {
  const { rows } = await pool.query<JobRow>(
    "SELECT id::text AS id, kind, state, attempts, run_at, last_error FROM jobs ORDER BY id",
  );
  return rows;
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
