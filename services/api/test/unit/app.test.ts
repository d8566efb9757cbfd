// The HTTP surface against a database that is down: nothing here needs one that answers, which is
// the point: the process must keep answering (503, 400, 404), never crash.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type App, buildApp } from "../../src/app.ts";
import { createDatabase } from "../../src/db.ts";
import { memoryLogger } from "../support/logs.ts";

// Port 1 on loopback refuses connections at once.
const DEAD_DATABASE = "postgres://app@127.0.0.1:1/app";

let app: App;
let lines: Record<string, unknown>[];
let schemaReady = true;

beforeEach(() => {
  const memory = memoryLogger();
  lines = memory.lines;
  schemaReady = true;
  app = buildApp({
    db: createDatabase({ url: DEAD_DATABASE, poolMax: 2, connectTimeoutMs: 500 }, memory.logger),
    logger: memory.logger,
    isSchemaReady: () => schemaReady,
    readinessTimeoutMs: 500,
  });
});

afterEach(async () => {
  await app.close();
});

describe("health", () => {
  it("answers /healthz while the process lives, database or not", async () => {
    const response = await app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("answers HEAD /healthz for monitors that only look at the status", async () => {
    expect((await app.inject({ method: "HEAD", url: "/healthz" })).statusCode).toBe(200);
  });

  it("answers /readyz with 503 and the failing check when the database is unreachable", async () => {
    const response = await app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: "unavailable",
      checks: { primary: "down", replica: "not configured", schema: "migrated" },
    });
  });
});

describe("errors", () => {
  it("turns an unreachable database into 503 with Retry-After, not a crash", async () => {
    const response = await app.inject({ method: "GET", url: "/items" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.json()).toMatchObject({ error: "database_unavailable" });
  });

  it("answers 503 before migrations have run", async () => {
    schemaReady = false;
    const response = await app.inject({ method: "GET", url: "/items" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: "not_ready" });
  });

  it("validates before touching the database", async () => {
    const response = await app.inject({ method: "POST", url: "/items", payload: { title: 42 } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: "validation_failed",
      issues: [{ path: "body.title", message: "must be a string" }],
    });
  });

  it("rejects malformed JSON as a 400 on the body", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/items",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_body", issues: [{ path: "body" }] });
  });

  it("rejects other content types with 415", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/items",
      headers: { "content-type": "text/plain" },
      payload: "title=x",
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ error: "unsupported_media_type" });
  });

  it("rejects bodies over 16 KiB with 413", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/items",
      payload: { title: "x".repeat(20_000) },
    });
    expect(response.statusCode).toBe(413);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await app.inject({ method: "GET", url: "/nothing/here" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      error: "route_not_found",
      message: "no route for this method and path",
    });
  });

  it("names a bad path parameter", async () => {
    const response = await app.inject({ method: "GET", url: "/items/abc" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      issues: [{ path: "params.id", message: "must be a positive integer id" }],
    });
  });
});

describe("request ids", () => {
  it("generates one, returns it, and logs the request with it", async () => {
    const response = await app.inject({ method: "GET", url: "/nothing" });
    const id = response.headers["x-request-id"];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json()).toMatchObject({ requestId: id });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "info",
        msg: "request completed",
        requestId: id,
        method: "GET",
        statusCode: 404,
        service: "api",
      }),
    );
  });

  it("keeps a well-formed id from the caller and replaces anything else", async () => {
    const kept = await app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "lb-abc.123" },
    });
    expect(kept.headers["x-request-id"]).toBe("lb-abc.123");
    const replaced = await app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": 'evil"\ninjected' },
    });
    expect(replaced.headers["x-request-id"]).not.toContain("evil");
  });

  it("does not log health probes that succeed", async () => {
    await app.inject({ method: "GET", url: "/healthz" });
    expect(lines.filter((line) => line.url === "/healthz")).toEqual([]);
  });
});

describe("the origin lock", () => {
  const secret = "a".repeat(40);
  const previous = "b".repeat(40);
  let locked: App;

  beforeEach(() => {
    const memory = memoryLogger();
    locked = buildApp({
      db: createDatabase({ url: DEAD_DATABASE, poolMax: 1, connectTimeoutMs: 200 }, memory.logger),
      logger: memory.logger,
      readinessTimeoutMs: 200,
      originLockSecrets: [secret, previous],
    });
  });

  afterEach(async () => {
    await locked.close();
  });

  it.each([
    ["no header", {}],
    ["a wrong secret", { "x-origin-lock": "c".repeat(40) }],
    ["a prefix of the secret", { "x-origin-lock": secret.slice(0, 20) }],
  ])("refuses a request with %s, writes included", async (_case, headers) => {
    for (const [method, url] of [
      ["GET", "/items"],
      ["POST", "/items"],
      ["DELETE", "/items/1"],
      ["GET", "/readyz"],
    ] as const) {
      const response = await locked.inject({
        method,
        url,
        headers,
        payload: method === "POST" ? { title: "x" } : undefined,
      });
      expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 403 });
      expect(response.json()).toMatchObject({ error: "forbidden" });
    }
  });

  it("admits the current and the previous secret", async () => {
    for (const value of [secret, previous]) {
      const response = await locked.inject({
        method: "GET",
        url: "/readyz",
        headers: { "x-origin-lock": value },
      });
      // Past the lock: the (dead) database decides the answer.
      expect(response.statusCode).toBe(503);
    }
  });

  it("leaves /healthz open for App Platform's own health check", async () => {
    expect((await locked.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
  });
});

describe("with tracing on", () => {
  const ids = { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" };
  let traced: App;
  let tracedLines: Record<string, unknown>[];
  let routes: string[];

  beforeEach(() => {
    const memory = memoryLogger();
    tracedLines = memory.lines;
    routes = [];
    traced = buildApp({
      db: createDatabase({ url: DEAD_DATABASE, poolMax: 1, connectTimeoutMs: 200 }, memory.logger),
      logger: memory.logger,
      readinessTimeoutMs: 200,
      originLockSecrets: ["a".repeat(40)],
      tracing: {
        nameRoute: (route) => routes.push(route),
        currentIds: () => ids,
      },
    });
  });

  afterEach(async () => {
    await traced.close();
  });

  it("names each request after its route, refused ones too, and not a missing one", async () => {
    await traced.inject({ method: "GET", url: "/items/42?x=1" });
    await traced.inject({ method: "GET", url: "/no/such/route" });
    expect(routes).toEqual(["/items/:id"]);
  });

  it("puts the trace's ids on the request's log lines", async () => {
    const response = await traced.inject({ method: "GET", url: "/items/42" });
    expect(response.statusCode).toBe(403);
    expect(tracedLines.find((line) => line.msg === "request completed")).toMatchObject({
      ...ids,
      route: "/items/:id",
      statusCode: 403,
    });
  });
});
