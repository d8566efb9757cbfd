import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  loadStackConfig,
  validateStackConfig,
  type RawStackConfig,
} from "../../stacks/config/load.ts";
import { rawStackConfig, VALIDATION_CONTEXT, withValue } from "../support/stack-config.ts";

let production: RawStackConfig;
let staging: RawStackConfig;

beforeAll(async () => {
  production = await rawStackConfig("production");
  staging = await rawStackConfig("staging");
});

describe("the repository's stack files", () => {
  it.each(["staging", "production"] as const)("%s is valid", async (stack) => {
    const result = validateStackConfig(await rawStackConfig(stack), VALIDATION_CONTEXT);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it("differ where staging and production differ", () => {
    const load = (raw: RawStackConfig) => loadStackConfig(raw, VALIDATION_CONTEXT);
    const [prod, stag] = [load(production), load(staging)];
    expect(prod.database.standbys).toBeGreaterThan(stag.database.standbys);
    expect(prod.database.replicas.length).toBeGreaterThan(stag.database.replicas.length);
    expect(prod.regions.secondary).toBeDefined();
    expect(stag.regions.secondary).toBeUndefined();
    expect(prod.edge.plan).toBe("pro");
    expect(stag.edge.plan).toBe("free");
  });
});

describe("loading config", () => {
  it("accepts a PostgreSQL version written as a YAML number", () => {
    const config = loadStackConfig(
      withValue(production, "database.engineVersion", 16),
      VALIDATION_CONTEXT,
    );
    expect(config.database.engineVersion).toBe("16");
  });

  it("defaults the database firewall's extra ranges to none", () => {
    expect(loadStackConfig(production, VALIDATION_CONTEXT).database.trustedIpRanges).toEqual([]);
  });

  it("keeps every configured secret inside a Pulumi secret", async () => {
    const raw = withValue(production, "sentryDsn", "https://key@o1.ingest.sentry.io/2");
    const config = loadStackConfig(
      { ...raw, secretKeys: new Set(["sentryDsn"]) },
      VALIDATION_CONTEXT,
    );
    const dsn = config.secrets.sentryDsn;
    expect(dsn).toBeDefined();
    if (dsn === undefined) return;
    expect(await pulumi.isSecret(dsn)).toBe(true);
    expect(config.secrets.logtailToken).toBeUndefined();
    expect(Object.keys(config)).not.toContain("sentryDsn");
  });

  it("throws a ConfigError that carries the problems and reads as a report", () => {
    const bad = withValue(staging, "regions.primary", "mars1");
    expect(() => loadStackConfig(bad, VALIDATION_CONTEXT)).toThrow(ConfigError);
    try {
      loadStackConfig(bad, VALIDATION_CONTEXT);
    } catch (error) {
      expect(error).toBeInstanceOf(pulumi.RunError);
      expect((error as ConfigError).problems).toHaveLength(1);
      expect((error as ConfigError).message).toContain("platform:regions.primary");
    }
  });
});
