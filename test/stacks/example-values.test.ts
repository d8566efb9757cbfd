// The repository's example values, both ways: the offline plan (the mock runtime) runs on them,
// the engine of `pulumi preview` / `up` stops on them before anything reaches it. The engine is
// stood in for by what it hands a program (test/support/program-as-engine.ts) and a TCP listener
// at the monitor's address: the first registration, of anything, would connect to it.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ConfigProblem } from "../../stacks/config/problems.ts";
import { EXAMPLE_VALUES } from "../../stacks/config/placeholders.ts";
import { readStack } from "../../tools/mock/run-stack.ts";
import { SHIPPED_EXAMPLE_KEYS } from "../support/shipped-examples.ts";
import { planned } from "../support/plans.ts";

const script = fileURLToPath(new URL("../support/program-as-engine.ts", import.meta.url));

interface EngineRun {
  /** How the program ended, when it ended by itself. */
  outcome?: { outcome: string; message?: string; problems?: ConfigProblem[] };
  /** Connections the program opened to the engine's resource monitor. */
  monitorConnections: number;
}

/** Runs the program as the engine would, with `config`; stops it once it reaches the monitor. */
async function runAsEngine(
  config: Record<string, string>,
  secretKeys: string[],
): Promise<EngineRun> {
  let monitorConnections = 0;
  // The program, once started: the monitor stops it at its first connection.
  const started: { program?: ChildProcess } = {};
  const monitor = createServer((socket) => {
    monitorConnections += 1;
    socket.destroy();
    started.program?.kill();
  });
  monitor.listen(0, "127.0.0.1");
  await once(monitor, "listening");
  const address = monitor.address();
  if (address === null || typeof address === "string") throw new Error("no monitor port");
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      PULUMI_NODEJS_MONITOR: `127.0.0.1:${address.port}`,
      PULUMI_NODEJS_PROJECT: "platform",
      PULUMI_NODEJS_STACK: "staging",
      PULUMI_NODEJS_ORGANIZATION: "organization",
      PULUMI_NODEJS_DRY_RUN: "true",
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.program = child;
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  await once(child, "exit");
  monitor.close();
  return {
    ...(stdout === "" ? {} : { outcome: JSON.parse(stdout) as EngineRun["outcome"] }),
    monitorConnections,
  };
}

/** Values of an adopter's own, in place of each example the staging stack file ships. */
const OWN_VALUES: Record<string, unknown> = {
  digitalocean: { team: "northwind-staging" },
  domain: {
    zone: "northwind-staging.dev",
    appHost: "app.northwind-staging.dev",
    assetsHost: "assets.northwind-staging.dev",
  },
  "registry.name": "northwind-platform-staging",
  "edge.accountId": "3f9c2a71e84b4d06a5c1e2f7b9d08a64",
  "edge.zoneId": "a81d4c3e9f2b47d6b0e5c8a1f3d92e70",
  aws: { accountId: "493817265504" },
  "github.owner": "northwind",
  "monitoring.alertEmails": ["oncall@northwind.dev"],
};

/** Staging's stack file as the engine hands it over, with `own` values in place of its examples. */
async function stagingConfig(own: Record<string, unknown> = {}) {
  const file = await readStack("staging");
  const config = { ...file.values };
  for (const [path, value] of Object.entries(own)) {
    const [group = "", key] = path.split(".");
    const current = JSON.parse(config[`platform:${group}`] ?? "{}") as Record<string, unknown>;
    config[`platform:${group}`] = JSON.stringify(
      key === undefined ? value : { ...current, [key]: value },
    );
  }
  return { config, secretKeys: file.secretKeys };
}

describe("the repository's example values", () => {
  it("plan offline: the mock runtime runs the program on them", async () => {
    const { run } = await planned("staging");
    expect(run.errors).toEqual([]);
    expect(run.resources.length).toBeGreaterThan(50);
  });

  it("stop a real run before anything reaches the engine, each with its key and where to find yours", async () => {
    const { config, secretKeys } = await stagingConfig();
    const { outcome, monitorConnections } = await runAsEngine(config, secretKeys);
    expect(monitorConnections).toBe(0);
    expect(outcome?.outcome).toBe("config");
    expect(outcome?.problems?.map((problem) => problem.key)).toEqual(SHIPPED_EXAMPLE_KEYS);
    const zoneId = outcome?.problems?.find((problem) => problem.key === "platform:edge.zoneId");
    expect(zoneId).toEqual({
      key: "platform:edge.zoneId",
      found: '"00112233445566778899aabbccddeeff", an example value shipped with the repository',
      allowed: `the Cloudflare zone id of domain.zone: ${EXAMPLE_VALUES.find((entry) => entry.path === "edge.zoneId")?.whereToFind ?? ""}`,
      fix: "pulumi config set --path 'edge.zoneId' '<the Cloudflare zone id of domain.zone>'",
    });
    expect(outcome?.message).toMatch(/^Stack "staging" has 10 config problems/);
    expect(outcome?.message).toContain("Nothing was registered.");
  });

  it("once replaced, let the real run go on to the engine", async () => {
    const { config, secretKeys } = await stagingConfig(OWN_VALUES);
    const { outcome, monitorConnections } = await runAsEngine(config, secretKeys);
    // Its first step after the check registers the StackReference that reads the last deployment.
    expect(monitorConnections).toBeGreaterThan(0);
    expect(outcome).toBeUndefined();
  });
});
