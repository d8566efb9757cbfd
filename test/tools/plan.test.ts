import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT, stackFilePath } from "../../tools/mock/run-stack.ts";

const run = promisify(execFile);

interface PlanResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function plan(...args: string[]): Promise<PlanResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["tools/plan/cli.ts", ...args], {
      cwd: REPOSITORY_ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("pnpm plan", () => {
  it("plans the run after a deployment from that deployment's outputs (--last-outputs)", async () => {
    const firstRun = await plan("production", "--json");
    const { outputs } = JSON.parse(firstRun.stdout) as { outputs: Record<string, unknown> };
    const file = join(await mkdtemp(join(tmpdir(), "plan-")), "outputs.json");
    await writeFile(file, JSON.stringify(outputs));
    const next = await plan("production", "--json", "--last-outputs", file);
    expect(next.code).toBe(0);
    const ignored = (
      JSON.parse(next.stdout) as { resources: { type: string; ignoreChanges: string[] }[] }
    ).resources
      .filter((resource) => resource.type === "digitalocean:index/app:App")
      .map((resource) => resource.ignoreChanges.length);
    expect(ignored).toEqual([13, 13]);
    const missing = await plan("production", "--last-outputs", `${file}.missing`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Cannot read --last-outputs .*outputs\.json\.missing: ENOENT/);
    expect(missing.stderr).toContain("pulumi stack output --json >");
  });

  it("writes a byte-identical manifest on every run of the same input", async () => {
    const [first, second] = await Promise.all([
      plan("production", "--json"),
      plan("production", "--json"),
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const manifest = JSON.parse(first.stdout) as {
      stack: string;
      counts: Record<string, number>;
      resources: { urn: string }[];
    };
    expect(manifest.stack).toBe("production");
    expect(manifest.counts.digitalocean).toBeGreaterThan(0);
    const urns = manifest.resources.map((resource) => resource.urn);
    expect(urns).toEqual([...urns].sort((a, b) => a.localeCompare(b)));
  });

  it("plans staging when no stack is named, as a tree with counts and outputs", async () => {
    const { code, stdout } = await plan();
    expect(code).toBe(0);
    expect(stdout).toContain('Plan of stack "staging"');
    expect(stdout).toContain(
      "  ├─ platform:core:EnvironmentProject  project\n  │  └─ digitalocean:index/project:Project  project-project\n",
    );
    expect(stdout).toMatch(
      /\n {2}│ {2}├─ digitalocean:index\/databaseCluster:DatabaseCluster {2}database-cluster\n/,
    );
    expect(stdout).toMatch(
      /Per provider:\n {2}aws +\d+\n {2}cloudflare +\d+\n {2}digitalocean +\d+\n {2}docker +2\n {2}platform +\d+\n {2}pulumi +1\n/,
    );
    expect(stdout).toContain('    environment: "staging"');
  });

  it("prints only the config errors, and fails, when the stack file is wrong", async () => {
    const directory = await mkdtemp(join(tmpdir(), "plan-"));
    const broken = (await readFile(stackFilePath("production"), "utf8"))
      .replace("primary: fra1", "primary: fra2")
      .replace(/^ {4}poolSize: \d+\n/m, "")
      .concat("  platform:slackWebhookUrl: https://hooks.slack.com/services/T0/B0/plaintext\n");
    const stackFile = join(directory, "Pulumi.production.yaml");
    await writeFile(stackFile, broken);

    const { code, stdout, stderr } = await plan("production", "--stack-file", stackFile);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^Stack "production" has 3 config problems/);
    expect(stderr).toContain("  1. platform:regions.primary\n");
    expect(stderr).toContain(
      "  2. platform:database.poolSize\n     found:   nothing (the key is not set)\n",
    );
    expect(stderr).toContain("  3. platform:slackWebhookUrl\n     found:   a plaintext value");
    expect(stderr).not.toContain("plaintext\n");
  });

  it("names the known stacks when the stack has no file", async () => {
    const { code, stderr } = await plan("qa");
    expect(code).toBe(1);
    expect(stderr).toContain("No stack file");
    expect(stderr).toContain("Stacks of this project: staging, production");
  });
});
