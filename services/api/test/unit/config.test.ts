import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

const minimal = { DATABASE_URL: "postgres://app:secret@db.internal:25060/app" };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("fills defaults around the one required variable", () => {
    expect(loadConfig(minimal)).toEqual({
      ...minimal,
      HOST: "0.0.0.0",
      PORT: 3001,
      DATABASE_POOL_MAX: 10,
      DATABASE_CONNECT_TIMEOUT_MS: 3000,
      MIGRATE_ON_START: true,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      ORIGIN_LOCK_SECRETS: [],
      LOG_LEVEL: "info",
    });
  });

  it("reads the origin lock's secrets as a list, and refuses a short one", () => {
    const long = "s".repeat(32);
    expect(
      loadConfig({ ...minimal, ORIGIN_LOCK_SECRETS: `${long}, ${long}x` }).ORIGIN_LOCK_SECRETS,
    ).toEqual([long, `${long}x`]);
    expect(() => loadConfig({ ...minimal, ORIGIN_LOCK_SECRETS: "short" })).toThrow(
      "ORIGIN_LOCK_SECRETS.0: each secret must be at least 32 characters",
    );
  });

  it("treats empty values as unset", () => {
    const config = loadConfig({ ...minimal, DATABASE_READ_URL: "", SENTRY_DSN: "  ", PORT: "" });
    expect(config.DATABASE_READ_URL).toBeUndefined();
    expect(config.SENTRY_DSN).toBeUndefined();
    expect(config.PORT).toBe(3001);
  });

  it("coerces numbers and booleans from strings", () => {
    const config = loadConfig({
      ...minimal,
      PORT: "8080",
      SHUTDOWN_TIMEOUT_MS: "25000",
      MIGRATE_ON_START: "false",
    });
    expect(config).toMatchObject({
      PORT: 8080,
      SHUTDOWN_TIMEOUT_MS: 25_000,
      MIGRATE_ON_START: false,
    });
  });

  it("names every wrong variable at once", () => {
    expect(
      problemsOf({
        DATABASE_READ_URL: "mysql://replica/app",
        PORT: "http",
        LOG_LEVEL: "loud",
        SENTRY_DSN: "not a url",
        DATABASE_CA_CERT: "abc",
      })
        .map((problem) => problem.split(":")[0])
        .sort(),
    ).toEqual([
      "DATABASE_CA_CERT",
      "DATABASE_READ_URL",
      "DATABASE_URL",
      "LOG_LEVEL",
      "PORT",
      "SENTRY_DSN",
    ]);
  });

  it("says what is wrong without echoing secrets", () => {
    const problems = problemsOf({ DATABASE_URL: "https://app:hunter2@db/app" });
    expect(problems).toEqual(["DATABASE_URL: must be a postgres:// or postgresql:// URL"]);
    expect(problems.join()).not.toContain("hunter2");
  });

  it("reports a missing database URL as required", () => {
    expect(problemsOf({})).toEqual(["DATABASE_URL: is required"]);
  });
});
