import { describe, expect, it } from "vitest";
import { databaseConnection } from "../src/database.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

describe("databaseConnection", () => {
  it("verifies the server against the cluster's CA, dropping the URL's own TLS parameters", () => {
    expect(
      databaseConnection("postgres://u:p@db.internal:25060/app?sslmode=require&ssl=true", CA),
    ).toEqual({
      connectionString: "postgres://u:p@db.internal:25060/app",
      ssl: { ca: CA, rejectUnauthorized: true },
    });
  });

  it("leaves the URL as it is without a CA", () => {
    const url = "postgres://u:p@127.0.0.1:5432/app?sslmode=disable";
    expect(databaseConnection(url, undefined)).toEqual({ connectionString: url });
  });
});
