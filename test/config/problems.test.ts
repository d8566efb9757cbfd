import { describe, expect, it } from "vitest";
import { configPath } from "../../stacks/config/config-path.ts";
import {
  describeAllowed,
  formatProblems,
  schemaAt,
  setCommands,
} from "../../stacks/config/problems.ts";

describe("config paths", () => {
  it.each([
    [["database"], "database"],
    [["database", "poolSize"], "database.poolSize"],
    [["database", "replicas", 0, "region"], "database.replicas[0].region"],
  ] as const)("%j is written %s", (path, written) => {
    expect(configPath(path)).toBe(written);
  });
});

describe("fix commands", () => {
  it("store a scalar with --path", () => {
    expect(setCommands(["database", "standbys"], 1)).toEqual([
      "pulumi config set --path 'database.standbys' 1",
    ]);
  });

  it("store a secret key with --secret, never with --path", () => {
    expect(setCommands(["logtailToken"], "lt_token")).toEqual([
      "pulumi config set --secret logtailToken lt_token",
    ]);
  });

  it("quote values the shell would split", () => {
    expect(setCommands(["github", "branch"], "it's main")).toEqual([
      "pulumi config set --path 'github.branch' 'it'\\''s main'",
    ]);
  });

  it("store lists and objects one leaf at a time", () => {
    expect(
      setCommands(["database", "replicas"], [{ region: "ams3", size: "db-s-2vcpu-4gb" }]),
    ).toEqual([
      "pulumi config set --path 'database.replicas[0].region' ams3",
      "pulumi config set --path 'database.replicas[0].size' db-s-2vcpu-4gb",
    ]);
  });
});

describe("what a key allows, in words", () => {
  it.each([
    [["edge", "hsts", "preload"], "true or false"],
    [["edge", "plan"], "one of free, pro, business, enterprise"],
    [["database", "standbys"], "a whole number from 0 to 2"],
    [["database", "maintenanceWindow"], "an object with the keys day, hour"],
    [["database", "engineVersion"], "one of 15, 16, 17"],
    [["edge", "rateLimit", "periodSeconds"], "one of 10, 60, 120, 300, 600, 3600"],
    [["monitoring", "alertEmails"], "a list (at least 1) of: an email address"],
    [["database", "trustedIpRanges"], "a list of: text"],
    [["domain", "zone"], "a lower-case DNS name such as app.example.com"],
    [["sentryDsn"], "an https URL"],
    [["no", "such", "key"], "pattern fallback"],
  ] as const)("%j: %s", (path, allowed) => {
    expect(describeAllowed(schemaAt(path), "pattern fallback")).toBe(allowed);
  });
});

describe("the printed report", () => {
  const problem = { key: "platform:x", found: "1", allowed: "2", fix: "3" };

  it("counts one problem in the singular", () => {
    expect(formatProblems("staging", [problem])).toBe(
      [
        'Stack "staging" has 1 config problem (Pulumi.staging.yaml):',
        "  1. platform:x",
        "     found:   1",
        "     allowed: 2",
        "     fix:     3",
        "Nothing was registered. Fix the values above and run again.",
      ].join("\n"),
    );
  });

  it("numbers several problems", () => {
    const text = formatProblems("production", [problem, { ...problem, key: "platform:y" }]);
    expect(text).toContain("has 2 config problems (Pulumi.production.yaml)");
    expect(text).toContain("  2. platform:y\n");
  });
});
