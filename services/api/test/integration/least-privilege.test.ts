// The release step and the runtime roles as DigitalOcean sets them up, on a real PostgreSQL:
// - the schema owner is an administrator that is NOT a superuser (DigitalOcean's `doadmin` has
//   CREATEDB and CREATEROLE, not SUPERUSER) and owns the application database;
// - the services' user is created as DigitalOcean's API creates it: LOGIN and a password, nothing
//   else, so on PostgreSQL 15+ it cannot even create a table in `public`.
// The migration job (`node src/migrate-cli.ts`, the App's PRE_DEPLOY job) then runs as the owner,
// and the api, started with only the runtime role's URL, serves reads and writes.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../src/migrations.ts";
import { type ApiProcess, startApi } from "../support/api-process.ts";
import { send } from "../support/http.ts";
import { adminUrl } from "../support/postgres.ts";

const suffix = randomBytes(4).toString("hex");
const owner = `doadmin_${suffix}`;
const runtime = `app_${suffix}`;
// A service whose catalog binding says `read`: it reads rows and writes none.
const reader = `reader_${suffix}`;
// A service that leaves the catalog: its role must lose everything, so that its user can go.
const former = `former_${suffix}`;
const database = `api_privileges_${suffix}`;
const apiRoot = fileURLToPath(new URL("../..", import.meta.url));
const running: ApiProcess[] = [];

function urlAs(role: string): string {
  const url = new URL(adminUrl());
  url.username = role;
  url.password = "not-checked-by-the-test-server";
  url.pathname = `/${database}`;
  return url.toString();
}

async function asServer(statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Runs one statement as `role` and returns the SQLSTATE it failed with, or "ok". */
async function sqlStateAs(role: string, statement: string): Promise<string> {
  const client = new pg.Client({ connectionString: urlAs(role) });
  await client.connect();
  try {
    await client.query(statement);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

interface JobRun {
  code: number | null;
  logs: { level: number | string; msg: string; [key: string]: unknown }[];
}

/** The PRE_DEPLOY job exactly as the App spec runs it. */
async function runMigrationJob(env: Record<string, string>): Promise<JobRun> {
  const child = spawn(process.execPath, ["src/migrate-cli.ts"], {
    cwd: apiRoot,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  const logs = Buffer.concat(chunks)
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as JobRun["logs"][number]);
  return { code, logs };
}

beforeAll(async () => {
  await asServer([
    `CREATE ROLE ${owner} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD 'owner'`,
    `CREATE ROLE ${runtime} LOGIN PASSWORD 'runtime'`,
    `CREATE ROLE ${reader} LOGIN PASSWORD 'reader'`,
    `CREATE ROLE ${former} LOGIN PASSWORD 'former'`,
    `CREATE DATABASE ${database} OWNER ${owner}`,
  ]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.stop()));
});

afterAll(async () => {
  await asServer([
    `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
    `DROP ROLE IF EXISTS ${runtime}`,
    `DROP ROLE IF EXISTS ${reader}`,
    `DROP ROLE IF EXISTS ${former}`,
    `DROP ROLE IF EXISTS ${owner}`,
  ]);
});

describe("least-privilege roles with migrations as a release step", () => {
  it("shows why: the runtime role alone cannot migrate (42501), so the api exits", async () => {
    expect(await sqlStateAs(runtime, "CREATE TABLE probe (id int)")).toBe("42501");
    const api = await startApi(
      { DATABASE_URL: urlAs(runtime), MIGRATE_ON_START: "true" },
      { awaitListening: false },
    );
    running.push(api);
    const failure = await api.waitForLog((line) => line.msg === "migrations failed");
    expect(failure.err).toMatchObject({ code: "42501" });
    expect(await api.exited).toBe(1);
  });

  it("refuses a role that does not exist, naming it and the fix", async () => {
    const job = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${runtime}=readwrite,nobody_here=read`,
    });
    expect(job.code).toBe(1);
    expect(JSON.stringify(job.logs)).toContain(
      'DATABASE_ROLES names \\"nobody_here\\", which is no role on this server',
    );
    // Refused inside the migration transaction: nothing was half applied.
    expect(await sqlStateAs(owner, "SELECT 1 FROM schema_migrations")).toBe("42P01");
  });

  it("refuses to grant to the role that runs the migrations", async () => {
    const job = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${owner}=readwrite`,
    });
    expect(job.code).toBe(1);
    expect(JSON.stringify(job.logs)).toContain("the services must run as separate");
  });

  it("refuses DATABASE_ROLES that names an access the catalog does not have", async () => {
    const job = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${runtime}=admin`,
    });
    expect(job.code).toBe(1);
    expect(job.logs[0]).toMatchObject({
      msg: "invalid configuration",
      problems: [
        `DATABASE_ROLES: entry 1 (${runtime}) gives access "admin"; use read or readwrite`,
      ],
    });
  });

  it("migrates as the owner and grants each role the access its binding names", async () => {
    const roles = `${runtime}=readwrite,${reader}=read`;
    const job = await runMigrationJob({ DATABASE_URL: urlAs(owner), DATABASE_ROLES: roles });
    expect(job.code).toBe(0);
    expect(job.logs.at(-1)).toMatchObject({
      msg: "database schema is up to date",
      applied: MIGRATIONS.map(({ version, name }) => ({ version, name })),
      granted: [
        { role: runtime, access: "readwrite" },
        { role: reader, access: "read" },
      ],
    });
    // A second release with nothing new is a no-op that still succeeds.
    const again = await runMigrationJob({ DATABASE_URL: urlAs(owner), DATABASE_ROLES: roles });
    expect(again.code).toBe(0);
    expect(again.logs.at(-1)).toMatchObject({ applied: [], alreadyApplied: MIGRATIONS.length });
  });

  it("serves reads and writes started with only the runtime role's URL", async () => {
    const api = await startApi({ DATABASE_URL: urlAs(runtime), MIGRATE_ON_START: "false" });
    running.push(api);
    expect((await send(`${api.url}/readyz`)).status).toBe(200);

    const created = await send(`${api.url}/items`, {
      method: "POST",
      body: { title: "written by the runtime role" },
    });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    const patched = await send(`${api.url}/items/${id}`, {
      method: "PATCH",
      body: { status: "done" },
    });
    expect(JSON.parse(patched.body)).toMatchObject({ id, status: "done" });
    const listed = await send(`${api.url}/items?status=done`);
    expect(JSON.parse(listed.body)).toMatchObject({
      items: [{ id, title: "written by the runtime role" }],
    });
    expect((await send(`${api.url}/items/${id}`, { method: "DELETE" })).status).toBe(204);
  });

  it.each([
    ["create a table", "CREATE TABLE intruder (id int)"],
    ["create a temporary table", "CREATE TEMPORARY TABLE scratch (id int)"],
    ["alter a table", "ALTER TABLE items ADD COLUMN extra text"],
    ["drop a table", "DROP TABLE items"],
    ["truncate a table", "TRUNCATE items"],
    ["create a schema", "CREATE SCHEMA side"],
    ["read the migration history", "SELECT * FROM schema_migrations"],
    ["rewrite the migration history", "DELETE FROM schema_migrations"],
  ])("refuses the runtime role to %s (42501)", async (_what, statement) => {
    expect(await sqlStateAs(runtime, statement)).toBe("42501");
  });

  it("lets a read role read every table but the migration history", async () => {
    expect(await sqlStateAs(reader, "SELECT count(*) FROM items")).toBe("ok");
    expect(await sqlStateAs(reader, "SELECT count(*) FROM jobs")).toBe("ok");
    expect(await sqlStateAs(reader, "SELECT * FROM schema_migrations")).toBe("42501");
  });

  it.each([
    ["insert a row", "INSERT INTO items (title) VALUES ('from a reader')"],
    ["update a row", "UPDATE items SET title = 'changed by a reader'"],
    ["delete a row", "DELETE FROM items"],
    ["record a job", "INSERT INTO jobs (kind) VALUES ('item.created')"],
    ["draw from a sequence", "SELECT nextval(pg_get_serial_sequence('items', 'id'))"],
    ["truncate a table", "TRUNCATE jobs"],
    ["create a table", "CREATE TABLE intruder (id int)"],
  ])("refuses a read role to %s (42501)", async (_what, statement) => {
    expect(await sqlStateAs(reader, statement)).toBe("42501");
  });

  it("takes writing away from a role whose binding turns from readwrite to read", async () => {
    const widened = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${runtime}=readwrite,${reader}=readwrite`,
    });
    expect(widened.code).toBe(0);
    expect(await sqlStateAs(reader, "UPDATE items SET title = title")).toBe("ok");
    const narrowed = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${runtime}=readwrite,${reader}=read`,
    });
    expect(narrowed.code).toBe(0);
    expect(await sqlStateAs(reader, "UPDATE items SET title = title")).toBe("42501");
    expect(await sqlStateAs(reader, "SELECT count(*) FROM items")).toBe("ok");
  });

  it("revokes every access of a role the catalog no longer names, so that its user can be deleted", async () => {
    const withFormer = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${runtime}=readwrite,${reader}=read,${former}=readwrite`,
    });
    expect(withFormer.code).toBe(0);
    expect(await sqlStateAs(former, "INSERT INTO items (title) VALUES ('x')")).toBe("ok");
    const without = await runMigrationJob({
      DATABASE_URL: urlAs(owner),
      DATABASE_ROLES: `${runtime}=readwrite,${reader}=read`,
    });
    expect(without.code).toBe(0);
    expect(without.logs.at(-1)).toMatchObject({ revoked: [former] });
    expect(await sqlStateAs(former, "SELECT count(*) FROM items")).toBe("42501");
    // What the stack's deletion of the user then does: nothing depends on the role any more.
    await asServer([`DROP ROLE ${former}`]);
    // The roles still listed keep their access.
    expect(await sqlStateAs(runtime, "UPDATE items SET title = title")).toBe("ok");
    expect(await sqlStateAs(reader, "SELECT count(*) FROM items")).toBe("ok");
  });

  it("gives the runtime role access to tables that later migrations create", async () => {
    const pool = new pg.Pool({ connectionString: urlAs(owner), max: 1 });
    try {
      await migrate(
        pool,
        [
          ...MIGRATIONS,
          {
            version: 100,
            name: "create_tags",
            sql: "CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text)",
          },
        ],
        // Default privileges alone, without the per-release grant, must cover the new table.
        {},
      );
    } finally {
      await pool.end();
    }
    expect(await sqlStateAs(runtime, "INSERT INTO tags (name) VALUES ('new')")).toBe("ok");
    expect(await sqlStateAs(runtime, "SELECT * FROM tags")).toBe("ok");
    expect(await sqlStateAs(runtime, "DROP TABLE tags")).toBe("42501");
    expect(await sqlStateAs(reader, "SELECT * FROM tags")).toBe("ok");
    expect(await sqlStateAs(reader, "INSERT INTO tags (name) VALUES ('no')")).toBe("42501");
  });
});
