// `pnpm cost` and the cost section of `pnpm plan --diff`: their mains in this process on the runs
// test/global-setup.ts made, and the CLI in a child where the process itself or another stack file
// is the point.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main as costMain } from "../../tools/cost/main.ts";
import type { CostReport } from "../../tools/cost/render.ts";
import { stackFilePath } from "../../tools/mock/run-stack.ts";
import { main as planMain } from "../../tools/plan/plan.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { planned } from "../support/plans.ts";
import { PLANNED_RUNS, runCli, runMain, type ToolResult } from "../support/tool-in-process.ts";

/** `pnpm cost ...args` in this process, on the runs test/global-setup.ts made. */
const cost = (...args: string[]): Promise<ToolResult> =>
  runMain((tool) => costMain(tool, PLANNED_RUNS), args);

let production: CostReport;
let staging: CostReport;
let text: ToolResult;
/** The production manifest without its read replica: a base that lacks one priced resource. */
let baseFile: string;

beforeAll(async () => {
  // The text report runs as `pnpm cost` does, in a process of its own: exit code and streams.
  const [prod, stag, human, plan] = await Promise.all([
    cost("production", "--json"),
    cost("staging", "--json"),
    runCli("tools/cost/cli.ts", ["staging"]),
    planned("production").then(({ manifestText }) => ({ stdout: manifestText })),
  ]);
  expect(prod.code).toBe(0);
  expect(stag.code).toBe(0);
  production = JSON.parse(prod.stdout) as CostReport;
  staging = JSON.parse(stag.stdout) as CostReport;
  text = human;
  const manifest = JSON.parse(plan.stdout) as Manifest;
  manifest.resources = manifest.resources.filter(
    (resource) => resource.type !== "digitalocean:index/databaseReplica:DatabaseReplica",
  );
  baseFile = join(await mkdtemp(join(tmpdir(), "cost-")), "base.json");
  await writeFile(baseFile, JSON.stringify(manifest));
}, 60_000);

describe("pnpm cost --json", () => {
  it("prints the totals and the line items, each price with its source", () => {
    for (const report of [production, staging]) {
      expect(report.currency).toBe("USD");
      expect(report.problems).toEqual([]);
      expect(report.assumptions.length).toBeGreaterThan(5);
      for (const item of report.items) {
        expect(Object.keys(item).sort()).toEqual(
          ["charge", "monthly", "quantity", "resource", "source", "unit", "unitPrice"].sort(),
        );
        expect(item.source.url).toMatch(/^https:\/\//);
        expect(item.source.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      const sum = report.items.reduce((total, item) => total + item.monthly.min, 0);
      expect(report.monthly.min).toBeCloseTo(sum, 2);
    }
    expect(production.stack).toBe("production");
    expect(production.monthly.min).toBeGreaterThan(staging.monthly.max);
    expect(production.monthly.max).toBeGreaterThan(production.monthly.min);
  });
});

describe("pnpm cost", () => {
  it("prints a table of what costs something, then the free, the unpriced and the assumptions", () => {
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Monthly cost of stack "staging": \$\d+\.\d\d \(USD, offline plan\)\n/,
    );
    expect(text.stdout).toMatch(/\n {2}resource +charge +quantity +unit price +monthly\n/);
    expect(text.stdout).toMatch(
      /\n {2}app-fra-app: service web +apps-s-1vcpu-1gb instances +1 +\$12 \/ instance-month +\$12\.00\n/,
    );
    expect(text.stdout).toContain("Not in the total, no published price found:");
    expect(text.stdout).toContain("\nAssumptions:\n");
  });

  it("shows before, after and the difference against a base manifest (--diff)", async () => {
    const diff = await cost("production", "--diff", baseFile);
    expect(diff.code).toBe(0);
    const before = production.monthly.min - 60;
    expect(diff.stdout).toContain(`### Monthly cost of \`production\`: $${before.toFixed(2)}–`);
    expect(diff.stdout).toContain(
      "| database-replica-ams3: db-s-2vcpu-4gb read-only node | $0.00 | $60.00 | +$60.00 |",
    );
  });

  it("adds the same before and after to the offline plan's diff of forks (pnpm plan --diff)", async () => {
    const diff = await runMain(
      (tool) => planMain(tool, PLANNED_RUNS),
      ["production", "--diff", baseFile],
    );
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^### Offline plan of `production`: 1 to add/);
    expect(diff.stdout).toContain("\n\n### Monthly cost of `production`: ");
    expect(diff.stdout).toContain("| $0.00 | $60.00 | +$60.00 |");
  });

  it("exits 1 and names what the table lacks when the estimate is incomplete", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "cost-")), "Pulumi.staging.yaml");
    const yaml = await readFile(stackFilePath("staging"), "utf8");
    await writeFile(file, yaml.replace("awsRegion: eu-central-1", "awsRegion: ap-south-2"));
    // Another stack file: a program run of its own, in a process of its own.
    const result = await runCli("tools/cost/cli.ts", ["staging", "--stack-file", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'The estimate is incomplete; add these to policy/cost/prices.ts with their source:\n  - S3 buckets in region "ap-south-2", which policy/cost/prices.ts (S3_REGIONS) lacks\n',
    );
  });

  it("refuses a stack file that is not YAML in one line", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "cost-")), "Pulumi.staging.yaml");
    await writeFile(file, "config:\n  platform:edge: [unclosed\n");
    const result = await cost("staging", "--stack-file", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Pulumi\.staging\.yaml:\d+:\d+: .*\(YAML syntax\)/);
  });

  it.each([
    [["staging", "production"], 2, "usage: pnpm cost"],
    [["staging", "--budget"], 2, "Unknown option '--budget'"],
    [["staging", "--json", "--diff", "base.json"], 2, "(one of --json, --diff at a time)"],
    [["qa"], 1, "No stack file"],
    [["staging", "--diff", "missing.json"], 1, "Cannot read --diff missing.json"],
  ])("refuses %j (exit %i)", async (args, code, message) => {
    const result = await cost(...args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});
