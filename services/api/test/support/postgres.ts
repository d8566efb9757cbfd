// Each test file works in databases of its own, created on the server TEST_DATABASE_URL names and
// dropped afterwards, so files run in parallel without seeing each other's rows.
import { randomBytes } from "node:crypto";
import pg from "pg";

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === "") throw new Error("TEST_DATABASE_URL is not set");
  return url;
}

export interface TestDatabase {
  name: string;
  url: string;
  /** A pool for the test's own setup and assertions (not the api's). */
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `api_${label}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  // pool.end() resolves before every backend has gone; DROP ... WITH (FORCE) then terminates the
  // stragglers, which is expected here and must not surface as an uncaught error.
  pool.on("error", () => undefined);
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
