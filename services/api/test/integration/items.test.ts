// The items resource over real PostgreSQL: CRUD, pagination, validation, and the read/write split,
// proven with two separate databases standing in for the primary and its replica.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApp } from "../../src/app.ts";
import { createDatabase } from "../../src/db.ts";
import { migrate } from "../../src/migrations.ts";
import { memoryLogger } from "../support/logs.ts";
import { type TestDatabase, createTestDatabase } from "../support/postgres.ts";

interface ItemJson {
  id: string;
  title: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

describe("items on one database", () => {
  let db: TestDatabase;
  let app: App;

  beforeAll(async () => {
    db = await createTestDatabase("items");
    await migrate(db.pool);
    const { logger } = memoryLogger();
    app = buildApp({
      db: createDatabase({ url: db.url, poolMax: 4, connectTimeoutMs: 2000 }, logger),
      logger,
    });
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const create = async (payload: Record<string, unknown>) =>
    app.inject({ method: "POST", url: "/items", payload });

  it("records, with each item it creates, the job that processes it; nothing for a refused one", async () => {
    await db.pool.query("TRUNCATE jobs");
    const created = await create({ title: "Water the plants" });
    const item = created.json<ItemJson & { wordCount: null; processedAt: null }>();
    // Not processed yet: the processor fills these in.
    expect(item).toMatchObject({ wordCount: null, processedAt: null });
    expect((await create({ title: "" })).statusCode).toBe(400);
    const { rows } = await db.pool.query(
      "SELECT kind, payload, state, attempts FROM jobs ORDER BY id",
    );
    expect(rows).toEqual([
      { kind: "item.created", payload: { itemId: item.id }, state: "pending", attempts: 0 },
    ]);
  });

  it("creates, reads, updates and deletes an item", async () => {
    const created = await create({ title: "Write the runbook" });
    expect(created.statusCode).toBe(201);
    const item = created.json<ItemJson>();
    expect(item).toMatchObject({ title: "Write the runbook", status: "todo" });
    expect(created.headers.location).toBe(`/items/${item.id}`);
    expect(new Date(item.createdAt).toISOString()).toBe(item.createdAt);

    const fetched = await app.inject({ method: "GET", url: `/items/${item.id}` });
    expect(fetched.json()).toEqual(item);

    const updated = await app.inject({
      method: "PATCH",
      url: `/items/${item.id}`,
      payload: { status: "done" },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json<ItemJson>()).toMatchObject({
      id: item.id,
      title: item.title,
      status: "done",
    });
    expect(updated.json<ItemJson>().updatedAt >= item.updatedAt).toBe(true);

    const deleted = await app.inject({ method: "DELETE", url: `/items/${item.id}` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");

    for (const method of ["GET", "PATCH", "DELETE"] as const) {
      const gone = await app.inject({
        method,
        url: `/items/${item.id}`,
        payload: { status: "todo" },
      });
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({
        error: "not_found",
        message: "no item has this id",
      });
    }
  });

  it("pages through every item once, newest first", async () => {
    await db.pool.query("DELETE FROM items");
    const titles = Array.from({ length: 7 }, (_, index) => `page item ${index}`);
    for (const title of titles) await create({ title });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = cursor === null ? "/items?limit=3" : `/items?limit=3&cursor=${cursor}`;
      const page = (await app.inject({ method: "GET", url })).json<{
        items: ItemJson[];
        nextCursor: string | null;
      }>();
      seen.push(...page.items.map((item) => item.title));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);

    expect(pages).toBe(3);
    expect(seen).toEqual([...titles].reverse());
  });

  it("filters by status", async () => {
    const item = (await create({ title: "finished", status: "done" })).json<ItemJson>();
    const page = (await app.inject({ method: "GET", url: "/items?status=done" })).json<{
      items: ItemJson[];
    }>();
    expect(page.items.map((entry) => entry.id)).toEqual([item.id]);
  });

  it("returns 400 naming the field, and stores nothing", async () => {
    const before = await db.pool.query("SELECT count(*)::int AS n FROM items");
    const response = await create({ title: "   ", status: "someday" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: "validation_failed",
      issues: [{ path: "body.title", message: "must not be empty" }, { path: "body.status" }],
    });
    const after = await db.pool.query("SELECT count(*)::int AS n FROM items");
    expect(after.rows).toEqual(before.rows);
  });

  it("refuses a NUL character in a title with 400, before it reaches PostgreSQL", async () => {
    const response = await create({ title: "before\u0000after" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: "validation_failed",
      issues: [{ path: "body.title", message: "must not contain NUL characters (\\u0000)" }],
    });
    const patched = await app.inject({
      method: "PATCH",
      url: "/items/1",
      payload: { title: "\u0000" },
    });
    expect(patched.statusCode).toBe(400);
  });

  it("answers a value PostgreSQL refuses (SQLSTATE class 22) with 400, not 500", async () => {
    // PostgreSQL itself refuses the value, as it would an invalid byte sequence (22021).
    await db.pool.query(`
      CREATE FUNCTION refuse_title() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'title % is refused', NEW.title USING ERRCODE = '22023'; END $$;
      CREATE TRIGGER refuse_title BEFORE INSERT ON items
        FOR EACH ROW WHEN (NEW.title = 'refuse me') EXECUTE FUNCTION refuse_title();
    `);
    try {
      const response = await create({ title: "refuse me" });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        error: "invalid_value",
        message: "the database refused a value of the request (SQLSTATE 22023)",
      });
      // PostgreSQL's message quotes the value; the answer does not repeat it.
      expect(response.body).not.toContain("refuse me");
      expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await db.pool.query("DROP TRIGGER refuse_title ON items; DROP FUNCTION refuse_title()");
    }
  });

  it("answers a schema problem with 500 and a request id, and keeps serving", async () => {
    const logger = memoryLogger();
    const captured: unknown[] = [];
    const broken = buildApp({
      db: createDatabase({ url: db.url, poolMax: 1, connectTimeoutMs: 2000 }, logger.logger),
      logger: logger.logger,
      reporter: {
        capture: (error) => captured.push(error),
        flush: () => Promise.resolve(true),
      },
    });
    try {
      await db.pool.query("ALTER TABLE items RENAME TO items_moved");
      const response = await broken.inject({ method: "GET", url: "/items" });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({
        error: "internal_error",
        message: "internal error",
        requestId: response.headers["x-request-id"],
      });
      expect(captured).toEqual([expect.objectContaining({ code: "42P01" })]);
      expect((await broken.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await db.pool.query("ALTER TABLE items_moved RENAME TO items");
      await broken.close();
    }
  });
});

describe("read/write split", () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let app: App;

  beforeAll(async () => {
    [primary, replica] = await Promise.all([
      createTestDatabase("primary"),
      createTestDatabase("replica"),
    ]);
    await Promise.all([migrate(primary.pool), migrate(replica.pool)]);
    // Only the "replica" has this row: an api that lists it read from the replica.
    // Its id is far from the primary's so the two never collide.
    await replica.pool.query(
      "INSERT INTO items (id, title) OVERRIDING SYSTEM VALUE VALUES (1000, 'only on the replica')",
    );
    const { logger } = memoryLogger();
    app = buildApp({
      db: createDatabase(
        { url: primary.url, readUrl: replica.url, poolMax: 2, connectTimeoutMs: 2000 },
        logger,
      ),
      logger,
    });
  });

  afterAll(async () => {
    await app.close();
    await Promise.all([primary.drop(), replica.drop()]);
  });

  it("reads the list and single items from the replica", async () => {
    const list = (await app.inject({ method: "GET", url: "/items" })).json<{ items: ItemJson[] }>();
    expect(list.items.map((item) => item.title)).toEqual(["only on the replica"]);
    const single = await app.inject({ method: "GET", url: "/items/1000" });
    expect(single.json()).toMatchObject({ id: "1000", title: "only on the replica" });
  });

  it("writes to the primary", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/items",
      payload: { title: "written" },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<ItemJson>().id;

    const onPrimary = await primary.pool.query("SELECT title FROM items");
    const onReplica = await replica.pool.query("SELECT title FROM items ORDER BY id");
    expect(onPrimary.rows).toEqual([{ title: "written" }]);
    expect(onReplica.rows).toEqual([{ title: "only on the replica" }]);

    // The replica has never seen the write (no replication here), so a read of it misses.
    expect((await app.inject({ method: "GET", url: `/items/${id}` })).statusCode).toBe(404);
    // Updates and deletes act on the primary, whatever the replica holds.
    const patched = await app.inject({
      method: "PATCH",
      url: `/items/${id}`,
      payload: { status: "doing" },
    });
    expect(patched.json()).toMatchObject({ title: "written", status: "doing" });
  });

  it("checks both databases for readiness", async () => {
    const response = await app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: "ready",
      checks: { primary: "up", replica: "up", schema: "migrated" },
    });
  });

  it("is not ready when the replica is unreachable", async () => {
    const { logger } = memoryLogger();
    const halfDown = buildApp({
      db: createDatabase(
        {
          url: primary.url,
          readUrl: "postgres://app@127.0.0.1:1/app",
          poolMax: 1,
          connectTimeoutMs: 500,
        },
        logger,
      ),
      logger,
    });
    try {
      const response = await halfDown.inject({ method: "GET", url: "/readyz" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ checks: { primary: "up", replica: "down" } });
    } finally {
      await halfDown.close();
    }
  });
});
