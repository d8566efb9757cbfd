import { describe, expect, it } from "vitest";
import pino from "pino";
import {
  createDatabase,
  isDatabaseTimeout,
  isDatabaseUnavailable,
  poolConfig,
} from "../../src/db.ts";

const options = { poolMax: 5, connectTimeoutMs: 1000 };

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("poolConfig", () => {
  it("passes the URL through when no CA certificate is given", () => {
    const url = "postgres://app@db:25060/app?sslmode=require";
    expect(poolConfig(url, options)).toMatchObject({
      connectionString: url,
      max: 5,
      connectionTimeoutMillis: 1000,
    });
  });

  it("bounds every query when a query timeout is given, and none otherwise (the migrations)", () => {
    const url = "postgres://app@db:25060/app";
    expect(poolConfig(url, { ...options, queryTimeoutMs: 2000 })).toMatchObject({
      query_timeout: 2000,
    });
    expect(poolConfig(url, options)).not.toHaveProperty("query_timeout");
    // Never as a startup parameter: DigitalOcean's PgBouncer pool refuses those.
    expect(poolConfig(url, { ...options, queryTimeoutMs: 2000 })).not.toHaveProperty(
      "statement_timeout",
    );
  });

  it("verifies TLS against the CA and drops URL TLS parameters that would override it", () => {
    const config = poolConfig("postgres://app:pw@db:25060/app?sslmode=require&application_name=x", {
      ...options,
      caCert: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----",
    });
    expect(config.connectionString).toBe("postgres://app:pw@db:25060/app?application_name=x");
    expect(config.ssl).toEqual({
      ca: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----",
      rejectUnauthorized: true,
    });
  });
});

describe("isDatabaseUnavailable", () => {
  it.each([
    ["connection refused", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["DNS failure", withCode("getaddrinfo ENOTFOUND db", "ENOTFOUND")],
    [
      "server shutting down",
      withCode("terminating connection due to administrator command", "57P01"),
    ],
    ["server starting", withCode("the database system is starting up", "57P03")],
    ["connection exception class", withCode("connection failure", "08006")],
    ["login refused", withCode("password authentication failed", "28P01")],
    [
      "write on a demoted primary",
      withCode("cannot execute INSERT in a read-only transaction", "25006"),
    ],
    ["dropped socket", new Error("Connection terminated unexpectedly")],
    ["pool connect timeout", new Error("timeout exceeded when trying to connect")],
    [
      "dual-stack refusal",
      new AggregateError(
        [withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")],
        "connect failed",
      ),
    ],
  ])("is true for %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ["a missing table", withCode('relation "items" does not exist', "42P01")],
    ["a syntax error", withCode("syntax error at or near", "42601")],
    ["a check violation", withCode("new row violates check constraint", "23514")],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["a non-error", "ECONNREFUSED"],
  ])("is false for %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe("isDatabaseTimeout", () => {
  it.each([
    ["pg's own query timeout", new Error("Query read timeout")],
    [
      "a server statement_timeout",
      withCode("canceling statement due to statement timeout", "57014"),
    ],
    ["a server lock_timeout", withCode("canceling statement due to lock timeout", "55P03")],
  ])("is true for %s", (_name, error) => {
    expect(isDatabaseTimeout(error)).toBe(true);
  });

  it.each([
    ["an unreachable database", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["a check violation", withCode("new row violates check constraint", "23514")],
    ["a message that only mentions a timeout", new Error("Query read timeout exceeded elsewhere")],
    ["a non-error", "Query read timeout"],
  ])("is false for %s", (_name, error) => {
    expect(isDatabaseTimeout(error)).toBe(false);
  });
});

describe("createDatabase", () => {
  const logger = pino({ level: "silent" });
  const primary = "postgres://app@127.0.0.1:9/app";

  it("reads through the primary's pool when the read URL is the primary's own (pnpm dev)", async () => {
    const db = createDatabase({ ...options, url: primary, readUrl: primary }, logger);
    expect(db.read).toBe(db.write);
    await db.close();
  });

  it("opens a pool of its own for a replica", async () => {
    const db = createDatabase(
      { ...options, url: primary, readUrl: "postgres://app@127.0.0.1:10/app" },
      logger,
    );
    expect(db.read).not.toBe(db.write);
    await db.close();
  });
});
