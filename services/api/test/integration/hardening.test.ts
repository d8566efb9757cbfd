// What an attacker and an auditor check on the running api (`node src/server.ts` on a real
// PostgreSQL, spoken to over real sockets): the origin lock fails closed, slow clients are cut, only
// valid text gets in, every response carries its security headers and repeats nothing the client
// sent, and every request leaves one log line that names its client but no secret and no body.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/migrations.ts";
import { type ApiProcess, startApi } from "../support/api-process.ts";
import { send, until } from "../support/http.ts";
import { type TestDatabase, createTestDatabase } from "../support/postgres.ts";
import {
  SHORT_TIMEOUTS,
  idleAfterOneRequest,
  slowHeaders,
  trickledBody,
} from "../support/raw-http.ts";

const SECRET = "hardening-origin-lock-0123456789abcdef";
const THROUGH_PLATFORM = { "x-origin-lock": SECRET };
/** A password the database ignores (trust authentication) and the logs must never show. */
const DATABASE_PASSWORD = "pw-never-logged-5f1d";

let db: TestDatabase;
/** Processes a test started; each is stopped after its test. */
const running: ApiProcess[] = [];

async function api(
  env: Record<string, string>,
  options?: { awaitListening?: boolean; shared?: boolean },
): Promise<ApiProcess> {
  const url = new URL(db.url);
  url.password = DATABASE_PASSWORD;
  const started = await startApi({ DATABASE_URL: url.toString(), ...env }, options);
  if (options?.shared !== true) running.push(started);
  return started;
}

/** Once migrated; `shared` ones outlive their test and are stopped by whoever started them. */
async function readyApi(
  env: Record<string, string>,
  options?: { shared?: boolean },
): Promise<ApiProcess> {
  const started = await api(env, options);
  await until(async () => {
    const response = await fetch(`${started.url}/readyz`, { headers: THROUGH_PLATFORM });
    return response.status === 200;
  });
  return started;
}

beforeAll(async () => {
  db = await createTestDatabase("hardening");
  await migrate(db.pool);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop()));
});

afterAll(async () => {
  await db.drop();
});

describe("the origin lock fails closed", () => {
  it("refuses to start under NODE_ENV=production without its secrets, in one line", async () => {
    const server = await api({ NODE_ENV: "production" }, { awaitListening: false });
    expect(await server.exited).toBe(1);
    expect(server.stderr).toEqual([]);
    expect(server.logs).toEqual([
      expect.objectContaining({
        level: "fatal",
        msg: "invalid configuration",
        problems: [expect.stringMatching(/^ORIGIN_LOCK_SECRETS: is required when NODE_ENV=prod/)],
      }),
    ]);
  });

  it("starts in production with its secrets, and says at start when it is off elsewhere", async () => {
    const locked = await api({ NODE_ENV: "production", ORIGIN_LOCK_SECRETS: SECRET });
    expect(locked.logs.map((line) => line.msg)).not.toContain(
      expect.stringMatching(/origin lock off/),
    );
    expect((await send(`${locked.url}/items`)).status).toBe(403);

    const open = await api({});
    expect(open.logs).toContainEqual(
      expect.objectContaining({
        level: "warn",
        variable: "ORIGIN_LOCK_SECRETS",
        msg: expect.stringMatching(/^origin lock off: every request is admitted/) as unknown,
      }),
    );
  });
});

describe("every connection is bounded in time", () => {
  it("cuts a client that sends its headers too slowly with 408, in the api's headers", async () => {
    const server = await api(SHORT_TIMEOUTS);
    const { status, closedAfterMs, response } = await slowHeaders(server.url);
    expect({ status, inTime: closedAfterMs >= 450 && closedAfterMs < 2_500 }).toEqual({
      status: 408,
      inTime: true,
    });
    expect(response.toLowerCase()).toContain("x-content-type-options: nosniff");
  });

  it("cuts a body that trickles in, logs the refusal, and keeps serving", async () => {
    const server = await readyApi(SHORT_TIMEOUTS);
    const head =
      "POST /items HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n" +
      'Content-Length: 1000\r\n\r\n{"title":"';
    const { status, closedAfterMs, response } = await trickledBody(server.url, head);
    expect({ status, inTime: closedAfterMs >= 950 && closedAfterMs < 3_000 }).toEqual({
      status: 408,
      inTime: true,
    });
    expect(response).toContain('"error":"request_timeout"');
    const refused = await server.waitForLog((line) => line.msg === "connection refused");
    expect(refused).toMatchObject({ statusCode: 408, code: "ERR_HTTP_REQUEST_TIMEOUT" });
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
  });

  it("closes a kept-alive connection that stays idle", async () => {
    const server = await api(SHORT_TIMEOUTS);
    const { status, closedAfterMs } = await idleAfterOneRequest(server.url);
    // keepAliveTimeout, plus the second Node waits beyond it (keepAliveTimeoutBuffer).
    expect({ status, inTime: closedAfterMs >= 950 && closedAfterMs < 4_000 }).toEqual({
      status: 200,
      inTime: true,
    });
  });
});

describe("only valid text gets in", () => {
  let server: ApiProcess;

  beforeAll(async () => {
    server = await readyApi({}, { shared: true });
  });

  afterAll(async () => {
    await server.stop();
  });

  const post = (body: string | Buffer, method = "POST", path = "/items") =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body,
    });

  it.each([
    ["raw \\xff\\xfe bytes", Buffer.from([0xff, 0xfe])],
    ["a surrogate encoded as bytes (CESU-8)", Buffer.from([0xed, 0xa0, 0x80])],
    ["a truncated sequence", Buffer.from([0xe2, 0x82])],
  ])("refuses a body with %s, naming the body", async (_name, bytes) => {
    const body = Buffer.concat([Buffer.from('{"title":"bad '), bytes, Buffer.from('"}')]);
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: "invalid_encoding",
      issues: [{ path: "body", message: expect.stringMatching(/^must be UTF-8 text/) as unknown }],
    });
  });

  it("refuses a lone surrogate escaped in JSON, naming the field, on create and update", async () => {
    const created = await post('{"title":"half \\ud800 a character"}');
    expect(created.status).toBe(400);
    expect(await created.json()).toMatchObject({
      error: "validation_failed",
      issues: [{ path: "body.title", message: expect.stringMatching(/lone surrogate/) as unknown }],
    });
    const { rows } = await db.pool.query<{ id: string }>(
      "INSERT INTO items (title) VALUES ('whole') RETURNING id::text AS id",
    );
    const updated = await post('{"title":"\\udfff"}', "PATCH", `/items/${rows[0]?.id ?? ""}`);
    expect(updated.status).toBe(400);
    expect(await updated.json()).toMatchObject({ issues: [{ path: "body.title" }] });
  });

  it("stores valid text exactly, and nothing of what it refused", async () => {
    const title = "Grüße aus Zürich 🎉 ✓";
    const created = await post(JSON.stringify({ title }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const { rows } = await db.pool.query<{ title: string }>(
      "SELECT title FROM items WHERE id = $1",
      [id],
    );
    expect(rows[0]?.title).toBe(title);
    const stored = await db.pool.query(
      "SELECT 1 FROM items WHERE title LIKE 'bad %' OR title LIKE 'half%' OR title LIKE '%\uFFFD%'",
    );
    expect(stored.rows).toEqual([]);
  });
});

describe("responses", () => {
  const MARKER = "zq9marker";

  it("carry nosniff and no-store, and never repeat what the client sent", async () => {
    const server = await readyApi({ ORIGIN_LOCK_SECRETS: SECRET });
    const json = { ...THROUGH_PLATFORM, "content-type": "application/json" };
    const requests: [string, RequestInit, number][] = [
      ["/items", { headers: THROUGH_PLATFORM }, 200],
      ["/items", { method: "POST", headers: json, body: '{"title":"fine"}' }, 201],
      [`/${MARKER}/<script>`, { headers: THROUGH_PLATFORM }, 404],
      [`/items?${MARKER}=1`, { headers: THROUGH_PLATFORM }, 400],
      [`/items?status=${MARKER}`, { headers: THROUGH_PLATFORM }, 400],
      [`/items/${MARKER}`, { headers: THROUGH_PLATFORM }, 400],
      ["/items", { method: "POST", headers: json, body: `{"${MARKER}":1,"title":"x"}` }, 400],
      [
        "/items",
        { method: "POST", headers: json, body: `{"title":"x","status":"${MARKER}"}` },
        400,
      ],
      ["/items", { method: "POST", headers: json, body: `{${MARKER}` }, 400],
      ["/items", { method: "POST", headers: json, body: `["${MARKER.repeat(2_000)}"]` }, 413],
      [
        "/items",
        {
          method: "POST",
          headers: { ...THROUGH_PLATFORM, "content-type": `text/${MARKER}` },
          body: "x",
        },
        415,
      ],
      ["/items", { headers: { "x-origin-lock": MARKER } }, 403],
    ];
    for (const [path, init, status] of requests) {
      const response = await fetch(`${server.url}${path}`, init);
      const body = await response.text();
      const seen = {
        path,
        status: response.status,
        nosniff: response.headers.get("x-content-type-options"),
        cache: response.headers.get("cache-control"),
        reflects: body.toLowerCase().includes(MARKER),
      };
      expect(seen).toEqual({
        path,
        status,
        nosniff: "nosniff",
        cache: "no-store",
        reflects: false,
      });
    }
  });
});

describe("request logs", () => {
  it("write one line per request, refusals included, naming the client the edge verified", async () => {
    const server = await readyApi({ ORIGIN_LOCK_SECRETS: SECRET });
    const secretTitle = "body-never-logged-7a3c";
    const calls: [string, RequestInit][] = [
      [
        "/items?limit=1",
        {
          headers: {
            ...THROUGH_PLATFORM,
            "cf-connecting-ip": "203.0.113.7",
            "x-request-id": "l-1",
          },
        },
      ],
      ["/items", { headers: { "cf-connecting-ip": "198.51.100.9", "x-request-id": "l-2" } }],
      [
        "/items",
        {
          method: "POST",
          headers: {
            ...THROUGH_PLATFORM,
            "content-type": "application/json",
            "cf-connecting-ip": "not-an-address",
            "x-request-id": "l-3",
          },
          body: JSON.stringify({ title: secretTitle }),
        },
      ],
    ];
    for (const [path, init] of calls) await (await fetch(`${server.url}${path}`, init)).text();

    const line = (id: string) => server.waitForLog((entry) => entry.requestId === id);
    expect(await line("l-1")).toMatchObject({
      level: "info",
      msg: "request completed",
      method: "GET",
      path: "/items",
      route: "/items",
      statusCode: 200,
      clientIp: "203.0.113.7",
      durationMs: expect.any(Number) as unknown,
    });
    // Refused by the origin lock: logged, but its CF-Connecting-IP is anyone's word.
    const refused = await line("l-2");
    expect(refused).toMatchObject({ statusCode: 403, path: "/items" });
    expect(refused).not.toHaveProperty("clientIp");
    const created = await line("l-3");
    expect(created).toMatchObject({ method: "POST", statusCode: 201 });
    expect(created).not.toHaveProperty("clientIp");
    expect(server.logs.filter((entry) => entry.msg === "request completed")).toHaveLength(3);

    await server.stop();
    const everything = [...server.logs.map((entry) => JSON.stringify(entry)), ...server.stderr];
    for (const forbidden of [SECRET, DATABASE_PASSWORD, secretTitle]) {
      expect(everything.filter((text) => text.includes(forbidden))).toEqual([]);
    }
  });

  it("trust no CF-Connecting-IP while the lock is off", async () => {
    const server = await readyApi({});
    await fetch(`${server.url}/items`, {
      headers: { "cf-connecting-ip": "203.0.113.7", "x-request-id": "open-1" },
    });
    const entry = await server.waitForLog((line) => line.requestId === "open-1");
    expect(entry).toMatchObject({ statusCode: 200 });
    expect(entry).not.toHaveProperty("clientIp");
  });
});
