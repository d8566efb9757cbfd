// The contract the stacks write and the services read: DATABASE_ROLES both ways, the binding names.
import { describe, expect, it } from "vitest";
import { formatDatabaseRoles, parseDatabaseRoles, serviceUrlEnv } from "../src/contract.ts";
import { readEnv, telemetrySettings, commonEnv } from "../src/env.ts";
import { z } from "zod";

describe("DATABASE_ROLES", () => {
  it("reads back what the stack writes", () => {
    const roles = [
      { role: "api", access: "readwrite" as const },
      { role: "reports", access: "read" as const },
    ];
    expect(formatDatabaseRoles(roles)).toBe("api=readwrite,reports=read");
    expect(parseDatabaseRoles(formatDatabaseRoles(roles))).toEqual({ ok: true, roles });
    expect(parseDatabaseRoles("")).toEqual({ ok: true, roles: [] });
  });

  it.each([
    [
      "Api=read",
      'entry 1 names "Api", not a PostgreSQL role name (lower-case letters, digits and _); expected role=read or role=readwrite',
    ],
    ["api=write", 'entry 1 (api) gives access "write"; use read or readwrite'],
    ["api=read,api=readwrite", "entry 2 names api a second time"],
  ])("refuses %s", (text, problem) => {
    expect(parseDatabaseRoles(text)).toEqual({ ok: false, problem });
  });
});

describe("bindings to other services", () => {
  it("name the env var after the service", () => {
    expect(serviceUrlEnv("api")).toBe("API_URL");
    expect(serviceUrlEnv("image-resizer")).toBe("IMAGE_RESIZER_URL");
  });
});

describe("the common environment", () => {
  const schema = z.object(commonEnv);

  it("names each problem's variable, never its value, and treats empty values as unset", () => {
    expect(readEnv(schema, { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", SENTRY_DSN: "" })).toEqual({
      ok: false,
      problems: [
        "OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported (Datadog's OTLP intake refuses it): use http/protobuf",
      ],
    });
  });

  it("names the service after OTEL_SERVICE_NAME, the resource, or the fallback", () => {
    const read = (env: Record<string, string>) => {
      const result = readEnv(schema, {
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example",
        ...env,
      });
      if (!result.ok) throw new Error(result.problems.join("; "));
      return telemetrySettings(result.config, "fallback")?.resource["service.name"];
    };
    expect(read({})).toBe("fallback");
    expect(read({ OTEL_RESOURCE_ATTRIBUTES: "service.name=from-resource" })).toBe("from-resource");
    expect(read({ OTEL_SERVICE_NAME: "named", OTEL_RESOURCE_ATTRIBUTES: "service.name=x" })).toBe(
      "named",
    );
  });
});
