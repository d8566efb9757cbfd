import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, MigrationError, migrate } from "../../src/migrations.ts";
import { type TestDatabase, createTestDatabase } from "../support/postgres.ts";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("migrations");
});

afterAll(async () => {
  await db.drop();
});

describe("migrate", () => {
  it("applies every migration to an empty database, once, even when instances race", async () => {
    const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    expect(results.flatMap((result) => result.applied)).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    const { rows } = await db.pool.query<{ version: number }>(
      "SELECT version FROM schema_migrations",
    );
    expect(rows.map((row) => row.version)).toEqual(
      MIGRATIONS.map((migration) => migration.version),
    );
  });

  it("is a no-op when run again", async () => {
    expect(await migrate(db.pool)).toEqual({
      applied: [],
      alreadyApplied: MIGRATIONS.length,
      granted: [],
      revoked: [],
    });
  });

  it("creates the items table the api queries", async () => {
    const { rows } = await db.pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = 'items' ORDER BY ordinal_position`,
    );
    expect(rows).toEqual([
      { column_name: "id", data_type: "bigint" },
      { column_name: "title", data_type: "text" },
      { column_name: "status", data_type: "text" },
      { column_name: "created_at", data_type: "timestamp with time zone" },
      { column_name: "updated_at", data_type: "timestamp with time zone" },
      { column_name: "word_count", data_type: "integer" },
      { column_name: "processed_at", data_type: "timestamp with time zone" },
    ]);
  });

  it("creates the jobs table the processor claims from, with its due index", async () => {
    const { rows } = await db.pool.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'jobs' AND indexname = 'jobs_due_idx'",
    );
    expect(rows[0]?.indexdef).toBe(
      "CREATE INDEX jobs_due_idx ON public.jobs USING btree (run_at, id) WHERE (state = ANY (ARRAY['pending'::text, 'running'::text]))",
    );
    await expect(
      db.pool.query("INSERT INTO jobs (kind) VALUES ('Item Created')"),
    ).rejects.toMatchObject({ code: "23514" });
  });

  it("applies only what is new", async () => {
    const next = [
      ...MIGRATIONS,
      { version: 100, name: "add_notes", sql: "ALTER TABLE items ADD COLUMN notes text" },
    ];
    expect(await migrate(db.pool, next)).toEqual({
      applied: [{ version: 100, name: "add_notes" }],
      alreadyApplied: MIGRATIONS.length,
      granted: [],
      revoked: [],
    });
  });

  it("refuses a database with a migration this build does not know", async () => {
    await expect(migrate(db.pool)).rejects.toThrow(
      "the database has migration 100 (add_notes) that this build does not know",
    );
  });

  it("refuses an applied migration whose SQL was edited", async () => {
    const edited = [
      ...MIGRATIONS,
      { version: 100, name: "add_notes", sql: "ALTER TABLE items ADD COLUMN notes varchar(10)" },
    ];
    await expect(migrate(db.pool, edited)).rejects.toThrow(
      new MigrationError(
        "migration 100 (add_notes) was changed after it was applied; add a new migration instead of editing it",
      ),
    );
  });

  it("rolls back a failing migration completely", async () => {
    const broken = [
      ...MIGRATIONS,
      { version: 100, name: "add_notes", sql: "ALTER TABLE items ADD COLUMN notes text" },
      {
        version: 101,
        name: "half_done",
        sql: "CREATE TABLE tags (id int); SELECT nonsense FROM nowhere",
      },
    ];
    await expect(migrate(db.pool, broken)).rejects.toThrow('relation "nowhere" does not exist');
    const { rows } = await db.pool.query(
      "SELECT 1 FROM information_schema.tables WHERE table_name = 'tags'",
    );
    expect(rows).toEqual([]);
  });

  it("fails, without crashing the process, when the server ends its connection midway", async () => {
    const cut = [
      ...MIGRATIONS,
      // Applied by the tests above.
      { version: 100, name: "add_notes", sql: "ALTER TABLE items ADD COLUMN notes text" },
      { version: 200, name: "cut_off", sql: "SELECT pg_terminate_backend(pg_backend_pid())" },
    ];
    await expect(migrate(db.pool, cut)).rejects.toThrow(/terminat/);
    // Nothing of it stayed, and the pool serves the next run.
    const { rows } = await db.pool.query("SELECT 1 FROM schema_migrations WHERE version = 200");
    expect(rows).toEqual([]);
  });

  it("rejects versions that do not increase", async () => {
    const shuffled = [
      { version: 2, name: "b", sql: "" },
      { version: 1, name: "a", sql: "" },
    ];
    await expect(migrate(db.pool, shuffled)).rejects.toThrow(
      'migration "a" has version 1; versions must be integers increasing from 1',
    );
  });
});
