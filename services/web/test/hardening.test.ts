// What an attacker and an auditor check on the running web (the standalone entry the image runs,
// in front of the real api on a real PostgreSQL): it does not start without its origin lock,
// slow clients are cut, the public form takes only UTF-8 text and a bounded number of posts per
// client, and every request leaves one log line, carried on to the api's, with no secret or body.
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../api/src/migrations.ts";
import { type TestDatabase, createTestDatabase } from "../../api/test/support/postgres.ts";
import {
  SHORT_TIMEOUTS,
  idleAfterOneRequest,
  slowHeaders,
  trickledBody,
} from "../../api/test/support/raw-http.ts";
import {
  type ServerProcess,
  standaloneEntry,
  startApi,
  startWeb,
  stopAll,
} from "./support/servers.ts";

const ORIGIN_LOCK = `hardening-origin-lock-${"x".repeat(32)}`;
const THROUGH_EDGE = { "x-origin-lock": ORIGIN_LOCK };
const BODY_MARKER = "form-body-never-logged";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("web_hardening");
  await migrate(db.pool);
});

afterEach(async () => {
  await stopAll();
});

afterAll(async () => {
  await db.drop();
});

const api = () => startApi(db.url, { ORIGIN_LOCK_SECRETS: ORIGIN_LOCK }, { headers: THROUGH_EDGE });

const web = (env: Record<string, string> = {}) =>
  startWeb({ API_URL: "http://127.0.0.1:1", ORIGIN_LOCK_SECRETS: ORIGIN_LOCK, ...env });

/** JSON log lines of a process's output. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server.output
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function logLine(
  server: ServerProcess,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = logLines(server).find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no such log line in:\n${server.output.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A multipart form post as React's Server Actions encode one (fields `1_title`, `1_status`). */
function formPost(
  title: Buffer,
  status = "todo",
): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = "----hardening";
  const part = (name: string, value: Buffer) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      value,
      Buffer.from("\r\n"),
    ]);
  return {
    body: new Uint8Array(
      Buffer.concat([
        part("1_title", title),
        part("1_status", Buffer.from(status)),
        Buffer.from(`--${boundary}--\r\n`),
      ]),
    ),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

async function post(
  server: ServerProcess,
  form: { body: Uint8Array<ArrayBuffer> | string; contentType: string },
  client = "203.0.113.20",
): Promise<Response> {
  return fetch(server.url, {
    method: "POST",
    headers: { ...THROUGH_EDGE, "content-type": form.contentType, "cf-connecting-ip": client },
    body: form.body,
  });
}

describe("the origin lock fails closed", () => {
  it("keeps the web from starting in production without its secrets, in one line", () => {
    const run = spawnSync(process.execPath, [standaloneEntry], {
      // Even under NODE_ENV=development: the standalone server is a production server.
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "development",
        API_URL: "http://api:3001",
        PORT: "0",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    // Errors go to stderr; nothing else was written (Next never started).
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: "error",
      msg: "invalid configuration",
      problems: [expect.stringMatching(/^ORIGIN_LOCK_SECRETS: is required in production/)],
    });
  });
});

describe("every connection is bounded in time", () => {
  it("cuts slow headers and a trickled form with 408, logs the refusal, closes idle connections", async () => {
    const server = await web(SHORT_TIMEOUTS);
    const headers = await slowHeaders(server.url);
    const form = await trickledBody(
      server.url,
      `POST / HTTP/1.1\r\nHost: web\r\nx-origin-lock: ${ORIGIN_LOCK}\r\n` +
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntitle=",
    );
    const idle = await idleAfterOneRequest(server.url);
    expect([headers.status, form.status, idle.status]).toEqual([408, 408, 200]);
    // Headers cut at 0.5 s, the form at 1 s, idle at 1 s plus Node's keep-alive buffer: each
    // within the second the deadlines are checked in.
    expect(headers.closedAfterMs).toBeGreaterThanOrEqual(450);
    expect(headers.closedAfterMs).toBeLessThan(2_500);
    expect(form.closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(form.closedAfterMs).toBeLessThan(3_000);
    expect(idle.closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(idle.closedAfterMs).toBeLessThan(4_000);
    expect(await logLine(server, (line) => line.msg === "connection refused")).toMatchObject({
      statusCode: 408,
      code: "ERR_HTTP_REQUEST_TIMEOUT",
    });
  });
});

describe("the public form", () => {
  it.each([
    ["raw \\xff bytes in the title", formPost(Buffer.from([0x62, 0xff, 0xfe])), "title"],
    ["a surrogate encoded as bytes", formPost(Buffer.from([0xed, 0xa0, 0x80])), "title"],
    [
      "a lone surrogate, percent-encoded, in a urlencoded status",
      { body: "title=fine&status=%ED%A0%80", contentType: "application/x-www-form-urlencoded" },
      "status",
    ],
    [
      "an invalid byte, percent-encoded, in a urlencoded title",
      { body: `title=${BODY_MARKER}%FF`, contentType: "application/x-www-form-urlencoded" },
      "title",
    ],
  ])("answers 400 naming the field for %s", async (_name, form, field) => {
    const server = await web();
    const response = await post(server, form);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await response.json()).toEqual({
      error: "invalid_encoding",
      message: "the form is not valid UTF-8 text",
      issues: [{ path: field, message: "must be UTF-8 text" }],
    });
  });

  it("lets valid text through to Next (which then wants a real action id)", async () => {
    const server = await web();
    const response = await post(server, formPost(Buffer.from("Grüße 🎉")));
    // Next's own answer to a form post without a Server Action id; the e2e test submits real ones.
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("Invalid Server Action request.");
  });

  it("limits the posts of each client address the edge verified", async () => {
    const server = await web({ FORM_POSTS_PER_MINUTE: "3" });
    const valid = formPost(Buffer.from(BODY_MARKER));
    for (let index = 0; index < 3; index += 1) {
      expect((await post(server, valid, "203.0.113.30")).status).not.toBe(429);
    }
    const limited = await post(server, valid, "203.0.113.30");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: "rate_limited" });
    // Another address has its own allowance; page loads are not counted.
    expect((await post(server, valid, "203.0.113.31")).status).not.toBe(429);
    const page = await fetch(server.url, {
      headers: { ...THROUGH_EDGE, "cf-connecting-ip": "203.0.113.30" },
    });
    expect(page.status).toBe(200);
  });
});

describe("request logs", () => {
  it("write one line per request, pass the request id and the client on to the api, keep no secret or body", async () => {
    const backend = await api();
    const server = await web({ API_URL: backend.url });
    const page = await fetch(server.url, {
      headers: { ...THROUGH_EDGE, "x-request-id": "web-log-1", "cf-connecting-ip": "203.0.113.7" },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get("x-request-id")).toBe("web-log-1");
    const refused = await fetch(`${server.url}/`, {
      headers: { "x-request-id": "web-log-2", "cf-connecting-ip": "198.51.100.9" },
    });
    expect(refused.status).toBe(403);
    await post(server, formPost(Buffer.from([0x62, 0xff])), "203.0.113.8");

    expect(await logLine(server, (line) => line.requestId === "web-log-1")).toMatchObject({
      level: "info",
      msg: "request completed",
      method: "GET",
      path: "/",
      statusCode: 200,
      clientIp: "203.0.113.7",
      durationMs: expect.any(Number) as unknown,
    });
    // The api's line for the call the page made carries the page's request id and client.
    expect(
      await logLine(backend, (line) => line.requestId === "web-log-1" && line.path === "/items"),
    ).toMatchObject({ statusCode: 200, clientIp: "203.0.113.7" });
    // Refused by the origin lock: logged, and its CF-Connecting-IP, anyone's word, left out.
    const refusal = await logLine(server, (line) => line.requestId === "web-log-2");
    expect(refusal).toMatchObject({ statusCode: 403 });
    expect(refusal).not.toHaveProperty("clientIp");
    expect(
      await logLine(server, (line) => line.method === "POST" && line.statusCode === 400),
    ).toMatchObject({ path: "/", clientIp: "203.0.113.8" });
    // Probes that succeed are not logged.
    await fetch(`${server.url}/healthz`);
    expect(logLines(server).filter((line) => line.path === "/healthz")).toEqual([]);

    for (const output of [server.output, backend.output]) {
      const leaks = output.filter(
        (line) => line.includes(ORIGIN_LOCK) || line.includes(BODY_MARKER),
      );
      expect(leaks).toEqual([]);
    }
  });
});
