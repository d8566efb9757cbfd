// The api as production runs it: a separate `node src/server.ts` process, configured by its
// environment, observed through HTTP, its exit code and its JSON logs.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_LOCK_KEY, MIGRATIONS, migrate } from "../../src/migrations.ts";
import { type ApiProcess, startApi } from "../support/api-process.ts";
import { send, until } from "../support/http.ts";
import { type TestDatabase, createTestDatabase } from "../support/postgres.ts";
import {
  type TcpProxy,
  hostAndPort,
  startTcpProxy,
  withHostAndPort,
} from "../support/tcp-proxy.ts";

let db: TestDatabase;
const running: ApiProcess[] = [];
const proxies: TcpProxy[] = [];

async function api(
  env: Record<string, string>,
  options?: { awaitListening?: boolean },
): Promise<ApiProcess> {
  const started = await startApi({ DATABASE_URL: db.url, ...env }, options);
  running.push(started);
  return started;
}

/** Migrations run after the server listens: wait for them before using the items routes. */
async function readyApi(env: Record<string, string>): Promise<ApiProcess> {
  const started = await api(env);
  await until(async () => (await send(`${started.url}/readyz`)).status === 200);
  return started;
}

async function proxyToDatabase(): Promise<TcpProxy> {
  const proxy = await startTcpProxy(hostAndPort(db.url));
  proxies.push(proxy);
  return proxy;
}

beforeAll(async () => {
  db = await createTestDatabase("process");
  await migrate(db.pool);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await db.drop();
});

describe("logs", () => {
  it("writes JSON lines with the request id the caller sent", async () => {
    const server = await readyApi({});
    const response = await fetch(`${server.url}/items?limit=1`, {
      headers: { "x-request-id": "trace-4711" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("trace-4711");
    const line = await server.waitForLog((entry) => entry.requestId === "trace-4711");
    expect(line).toMatchObject({
      level: "info",
      service: "api",
      msg: "request completed",
      method: "GET",
      path: "/items",
      route: "/items",
      statusCode: 200,
    });
    expect(typeof line.time).toBe("string");
    expect(server.logs.every((entry) => entry.level !== "unparsed")).toBe(true);
  });
});

describe("database outages", () => {
  it("answers /readyz 503 while the database is gone, keeps living, and recovers", async () => {
    const proxy = await proxyToDatabase();
    const server = await api({
      DATABASE_URL: withHostAndPort(db.url, proxy.port),
      DATABASE_CONNECT_TIMEOUT_MS: "1000",
    });
    await until(async () => (await send(`${server.url}/readyz`)).status === 200);
    expect((await send(`${server.url}/items`)).status).toBe(200);

    await proxy.stop();

    const ready = await send(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: "unavailable",
      checks: { primary: "down" },
    });
    const items = await send(`${server.url}/items`);
    expect(items.status).toBe(503);
    expect(JSON.parse(items.body)).toMatchObject({ error: "database_unavailable" });
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    await proxy.start();
    await until(async () => (await send(`${server.url}/readyz`)).status === 200);
    expect((await send(`${server.url}/items`)).status).toBe(200);
  });

  it("starts without its database, and migrates once the database appears", async () => {
    const proxy = await proxyToDatabase();
    await proxy.stop();
    const fresh = await createTestDatabase("late");
    try {
      const server = await api({
        DATABASE_URL: withHostAndPort(fresh.url, proxy.port),
        DATABASE_CONNECT_TIMEOUT_MS: "1000",
      });
      expect((await send(`${server.url}/healthz`)).status).toBe(200);
      const ready = await send(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({
        checks: { primary: "down", schema: "pending" },
      });
      expect((await send(`${server.url}/items`)).status).toBe(503);

      await proxy.start();
      await until(async () => (await send(`${server.url}/readyz`)).status === 200);
      const created = await send(`${server.url}/items`, {
        method: "POST",
        body: { title: "late" },
      });
      expect(created.status).toBe(201);
    } finally {
      await Promise.all(running.splice(0).map((process) => process.stop()));
      await fresh.drop();
    }
  });
});

/** Holds `lock` in a transaction of its own until the returned function is called. */
async function holdLock(lock: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query(lock);
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}

describe("a slow database", () => {
  it("answers 503 with Retry-After once a query outlasts DATABASE_QUERY_TIMEOUT_MS, then serves again", async () => {
    const server = await readyApi({ DATABASE_QUERY_TIMEOUT_MS: "500" });
    const release = await holdLock("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
    let slow: Awaited<ReturnType<typeof send>>[];
    const started = performance.now();
    try {
      slow = await Promise.all([
        send(`${server.url}/items`),
        send(`${server.url}/items`, { method: "POST", body: { title: "behind a lock" } }),
      ]);
    } finally {
      await release();
    }
    const elapsedMs = performance.now() - started;
    for (const response of slow) {
      expect(response.status).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
      expect(JSON.parse(response.body)).toMatchObject({ error: "database_timeout" });
    }
    // Bounded by the query timeout, not by the lock (held until both had answered).
    expect(elapsedMs).toBeGreaterThanOrEqual(450);
    expect(elapsedMs).toBeLessThan(2_000);
    expect(server.logs).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "database query timed out" }),
    );
    // The timed-out connections were discarded: the next queries get fresh ones and answer.
    expect((await send(`${server.url}/items`)).status).toBe(200);
    expect(
      (await send(`${server.url}/items`, { method: "POST", body: { title: "after the lock" } }))
        .status,
    ).toBe(201);
  });

  it("does not bound the migrations at start: they wait out another instance's migration lock", async () => {
    const fresh = await createTestDatabase("slow_migrations");
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    try {
      // The lock migrate() takes, held as another instance's migration would hold it.
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      const server = await startApi({ DATABASE_URL: fresh.url, DATABASE_QUERY_TIMEOUT_MS: "300" });
      running.push(server);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await send(`${server.url}/readyz`)).status).toBe(503);
      await client.query("COMMIT");
      await until(async () => (await send(`${server.url}/readyz`)).status === 200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await client.end();
      await Promise.all(running.splice(0).map((process) => process.stop()));
      await fresh.drop();
    }
  });
});

describe("migrations at start", () => {
  it("exits 1 when the database has a migration this build does not know", async () => {
    const newer = await createTestDatabase("newer");
    try {
      await migrate(newer.pool, [
        ...MIGRATIONS,
        { version: 999, name: "from_a_newer_build", sql: "SELECT 1" },
      ]);
      // It may fail before or after it listens: only the exit matters.
      const server = await api({ DATABASE_URL: newer.url }, { awaitListening: false });
      expect(await server.exited).toBe(1);
      expect(server.logs).toContainEqual(
        expect.objectContaining({ level: "fatal", msg: "migrations failed" }),
      );
    } finally {
      await newer.drop();
    }
  });
});

describe("graceful shutdown", () => {
  // A transaction holding the row lock makes the api's UPDATE wait: a request in flight for as
  // long as the test wants.
  async function holdRowLock(): Promise<{ id: string; lock: pg.Client }> {
    const { rows } = await db.pool.query<{ id: string }>(
      "INSERT INTO items (title) VALUES ('locked') RETURNING id::text AS id",
    );
    const row = rows[0];
    if (row === undefined) throw new Error("no row");
    const lock = new pg.Client({ connectionString: db.url });
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("SELECT 1 FROM items WHERE id = $1 FOR UPDATE", [row.id]);
    return { id: row.id, lock };
  }

  async function waitUntilBlocked(): Promise<void> {
    await until(async () => {
      const { rows } = await db.pool.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = $1 AND application_name = 'platform-api' AND wait_event_type = 'Lock'`,
        [db.name],
      );
      return rows.length > 0;
    });
  }

  it("finishes the request in flight, refuses new connections, and exits 0", async () => {
    const server = await readyApi({ SHUTDOWN_TIMEOUT_MS: "10000" });
    const { id, lock } = await holdRowLock();
    try {
      const inFlight = send(`${server.url}/items/${id}`, {
        method: "PATCH",
        body: { status: "done" },
      });
      await waitUntilBlocked();

      server.child.kill("SIGTERM");
      await server.waitForLog((line) => line.msg === "shutting down: finishing the work in flight");
      // The listener closes right after that line: from then on connections are refused, while
      // the request in flight is still waiting for its row.
      await until(async () => {
        const outcome = await send(`${server.url}/healthz`).then(
          () => "served",
          (error: unknown) => (error as NodeJS.ErrnoException).code,
        );
        return outcome === "ECONNREFUSED";
      }, 2_000);
      expect(server.child.exitCode).toBeNull();

      await lock.query("COMMIT");
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ id, status: "done" });
      expect(await server.exited).toBe(0);
      expect(server.logs.map((line) => line.msg)).toContain("shutdown complete");
    } finally {
      await lock.end();
    }
  });

  it("exits 1 at the deadline when a request will not finish", async () => {
    const server = await readyApi({ SHUTDOWN_TIMEOUT_MS: "300" });
    const { id, lock } = await holdRowLock();
    try {
      const inFlight = send(`${server.url}/items/${id}`, {
        method: "PATCH",
        body: { status: "done" },
      });
      inFlight.catch(() => undefined);
      await waitUntilBlocked();
      const signalledAt = Date.now();
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(1);
      expect(Date.now() - signalledAt).toBeLessThan(3000);
      expect(server.logs.map((line) => line.msg)).toContain(
        "shutdown deadline passed with work still in flight; exiting",
      );
      await expect(inFlight).rejects.toThrow();
    } finally {
      await lock.query("ROLLBACK");
      await lock.end();
    }
  });
});

describe("Sentry", () => {
  let ingest: Server;
  const envelopes: string[] = [];

  beforeAll(async () => {
    // Stands in for sentry.io: accepts envelopes the way Sentry's ingestion endpoint does.
    ingest = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        if (req.url?.startsWith("/api/7/envelope/") === true)
          envelopes.push(Buffer.concat(chunks).toString());
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => ingest.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => ingest.close(resolve));
  });

  it("reports an unexpected error with its request id, environment and release", async () => {
    const port = (ingest.address() as AddressInfo).port;
    const broken = await createTestDatabase("sentry");
    try {
      // A database without the items table: the query fails in a way no retry fixes.
      const misconfigured = await api({
        DATABASE_URL: broken.url,
        MIGRATE_ON_START: "false",
        SENTRY_DSN: `http://publickey@127.0.0.1:${port}/7`,
        SENTRY_ENVIRONMENT: "test",
        SENTRY_RELEASE: "sha256:5e1ec7ed",
      });
      const response = await send(`${misconfigured.url}/items`);
      expect(response.status).toBe(500);
      const { requestId } = JSON.parse(response.body) as { requestId: string };

      await until(() =>
        Promise.resolve(envelopes.some((envelope) => envelope.includes(requestId))),
      );
      const envelope = envelopes.find((entry) => entry.includes(requestId)) ?? "";
      const event = JSON.parse(envelope.split("\n")[2] ?? "{}") as {
        environment?: string;
        release?: string;
        tags?: Record<string, string>;
        exception?: { values?: { value?: string }[] };
      };
      expect(event.environment).toBe("test");
      expect(event.release).toBe("sha256:5e1ec7ed");
      expect(event.tags).toMatchObject({ requestId, route: "/items", method: "GET" });
      expect(event.exception?.values?.[0]?.value).toBe('relation "items" does not exist');
    } finally {
      await Promise.all(running.splice(0).map((process) => process.stop()));
      await broken.drop();
    }
  });
});
