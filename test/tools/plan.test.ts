// `pnpm plan`: its main in this process on the runs test/global-setup.ts made of the repository's
// stacks (test/support/tool-in-process.ts), and its cli.ts in a child process where the input is
// another stack file or a last deployment, or where the process itself is the point (the exit
// code and streams, the same bytes in any process).
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stackFilePath } from "../../tools/mock/run-stack.ts";
import { main } from "../../tools/plan/plan.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { planned } from "../support/plans.ts";
import { SHIPPED_EXAMPLE_KEYS } from "../support/shipped-examples.ts";
import {
  PLANNED_RUNS,
  runCli,
  runMain,
  type ToolResult as PlanResult,
} from "../support/tool-in-process.ts";

/** `pnpm plan ...args` in this process, on the planned runs. */
const plan = (...args: string[]): Promise<PlanResult> =>
  runMain((tool) => main(tool, PLANNED_RUNS), args);

/** `pnpm plan ...args` in a process of its own, which runs the program itself. */
const planInChild = (...args: string[]): Promise<PlanResult> => runCli("tools/plan/cli.ts", args);

/** `pnpm plan production --json` as the test run planned it (test/support/plans.ts). */
const productionJson = async (): Promise<PlanResult> => ({
  code: 0,
  stdout: (await planned("production")).manifestText,
  stderr: "",
});

describe("pnpm plan", () => {
  it("plans the run after a deployment from that deployment's outputs (--last-outputs)", async () => {
    const firstRun = await productionJson();
    const { outputs } = JSON.parse(firstRun.stdout) as { outputs: Record<string, unknown> };
    const file = join(await mkdtemp(join(tmpdir(), "plan-")), "outputs.json");
    await writeFile(file, JSON.stringify(outputs));
    const next = await planInChild("production", "--json", "--last-outputs", file);
    expect(next.code).toBe(0);
    const ignored = (
      JSON.parse(next.stdout) as { resources: { type: string; ignoreChanges: string[] }[] }
    ).resources
      .filter((resource) => resource.type === "digitalocean:index/app:App")
      .map((resource) => resource.ignoreChanges.length);
    // Per app: 11 alerts' destinations (2 of the app, 3 of each service and of the worker) and 7
    // SECRET values (the web's lock; the api's lock and 2 URLs; the processor's 2 URLs; the job's).
    expect(ignored).toEqual([18, 18]);
    const missing = await plan("production", "--last-outputs", `${file}.missing`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Cannot read --last-outputs .*outputs\.json\.missing: ENOENT/);
    expect(missing.stderr).toContain("pulumi stack output --json >");
  });

  it("writes a byte-identical manifest on every run of the same input, in any process", async () => {
    const [first, second] = await Promise.all([
      productionJson(),
      planInChild("production", "--json"),
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const manifest = JSON.parse(first.stdout) as {
      stack: string;
      counts: Record<string, number>;
      resources: { urn: string }[];
      outputs: { platform: { apps: { appId: string; originHost: string }[] } };
      simulated: string[];
    };
    expect(manifest.stack).toBe("production");
    expect(manifest.counts.digitalocean).toBeGreaterThan(0);
    const urns = manifest.resources.map((resource) => resource.urn);
    expect(urns).toEqual([...urns].sort((a, b) => a.localeCompare(b)));
    // What the mock made up, which a deployment decides: ids, hosts, Cloudflare's ranges.
    const [app] = manifest.outputs.platform.apps;
    expect(manifest.simulated).toEqual(
      expect.arrayContaining([app?.appId, app?.originHost, "173.245.48.0/20"]),
    );
    expect(manifest.simulated).toEqual([...new Set(manifest.simulated)].sort());
    // Values derived from the inputs are not made up, and no secret is listed.
    expect(manifest.simulated).not.toContain("arn:aws:s3:::assets.example.com");
    expect(first.stdout).not.toMatch(/AVNS_/);
  });

  it("plans staging when no stack is named, as a tree with counts and outputs", async () => {
    const { code, stdout, stderr } = await plan();
    expect(code).toBe(0);
    // The shipped example values plan, with one warning line (a real run stops on them).
    expect(stderr).toBe(
      `warning: 10 example values remain in Pulumi.staging.yaml (${SHIPPED_EXAMPLE_KEYS.join(", ")}); a real pulumi preview or up stops until each is yours (README: Example values)\n`,
    );
    expect(stdout).toContain('Plan of stack "staging"');
    expect(stdout).toContain(
      "  ├─ platform:core:EnvironmentProject  project\n  │  └─ digitalocean:index/project:Project  project-project\n",
    );
    expect(stdout).toMatch(
      /\n {2}│ {2}├─ digitalocean:index\/databaseCluster:DatabaseCluster {2}database-cluster\n/,
    );
    expect(stdout).toMatch(
      /Per provider:\n {2}aws +\d+\n {2}cloudflare +\d+\n {2}digitalocean +\d+\n {2}docker +3\n {2}github +\d+\n {2}platform +\d+\n {2}pulumi +3\n/,
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

    const { code, stdout, stderr } = await planInChild("production", "--stack-file", stackFile);
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

  it("refuses staging on production's zone id, naming both files, and plans nothing", async () => {
    const directory = await mkdtemp(join(tmpdir(), "plan-"));
    const sameZone = (await readFile(stackFilePath("staging"), "utf8")).replace(
      "zoneId: 00112233445566778899aabbccddeeff",
      "zoneId: fedcba9876543210fedcba9876543210",
    );
    const stackFile = join(directory, "Pulumi.staging.yaml");
    await writeFile(stackFile, sameZone);
    const { code, stdout, stderr } = await planInChild("staging", "--stack-file", stackFile);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      '  1. platform:edge.zoneId\n     found:   "fedcba9876543210fedcba9876543210" in Pulumi.staging.yaml, and the same in Pulumi.production.yaml\n',
    );
  });

  it("names the known stacks when the stack has no file", async () => {
    const { code, stderr } = await plan("qa");
    expect(code).toBe(1);
    expect(stderr).toContain("No stack file");
    expect(stderr).toContain("Stacks of this project: staging, production");
  });

  it("prints one resource in full with --details, secret leaves masked", async () => {
    const { code, stdout } = await plan("production", "--details", "app-fra-app");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^digitalocean:index\/app:App {2}app-fra-app\n/);
    expect(stdout).toContain('      instanceSizeSlug: "apps-d-1vcpu-2gb"');
    expect(stdout).toContain("        minInstanceCount: 2");
    expect(stdout).toContain('        httpPath: "/healthz"');
    expect(stdout).toContain('    - "spec.services[1].envs[1].value"');
    expect(stdout).toContain('value: "[secret]"');
    expect(stdout).not.toMatch(/postgres(ql)?:\/\//);

    const typo = await plan("production", "--details", "app-fra-ap");
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'No resource named "app-fra-ap" in this plan. Did you mean "app-fra-app"? The tree (pnpm plan without --details) lists every name.\n',
    );
  });

  it("compares with a base manifest (--diff): added, removed and changed paths as Markdown", async () => {
    const head = JSON.parse((await productionJson()).stdout) as Manifest;
    const base: Manifest = structuredClone(head);
    const app = base.resources.find((resource) => resource.name === "app-fra-app");
    if (app === undefined) throw new Error("no app-fra-app in the manifest");
    const spec = app.inputs.spec as { services: { instanceSizeSlug: string }[] };
    spec.services.forEach((service) => (service.instanceSizeSlug = "apps-d-1vcpu-1gb"));
    const removedFromHead = base.resources.findIndex((r) => r.name === "database-replica-ams3");
    const [replica] = base.resources.splice(removedFromHead, 1);
    base.resources.push({ ...structuredClone(app), urn: "urn:gone", name: "gone" });
    const file = join(await mkdtemp(join(tmpdir(), "plan-")), "base.json");
    await writeFile(file, JSON.stringify(base));

    const { code, stdout } = await plan("production", "--diff", file);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^### Offline plan of `production`: 1 to add, 1 to change, 1 to remove \(\d+ unchanged\)\n/,
    );
    expect(stdout).toContain(`**Added**\n\n- \`database-replica-ams3\` (${replica?.type})\n`);
    expect(stdout).toContain("**Removed**\n\n- `gone`");
    expect(stdout).toContain(
      '- `app-fra-app` (digitalocean:index/app:App)\n  - `inputs.spec.services[0].instanceSizeSlug`: `"apps-d-1vcpu-1gb"` → `"apps-d-1vcpu-2gb"`\n',
    );

    const same = await plan("production", "--diff", file.replace("base.json", "same.json"));
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(
      /^Cannot read --diff .*same\.json: ENOENT.*pnpm plan production --json >/,
    );
    await writeFile(file, "{}");
    const notManifest = await plan("production", "--diff", file);
    expect(notManifest.stderr).toMatch(/is not a plan manifest/);
  });

  it("reports no changes against its own manifest, and refuses two modes at once", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "plan-")), "base.json");
    await writeFile(file, (await plan("staging", "--json")).stdout);
    const { stdout } = await plan("staging", "--diff", file);
    expect(stdout).toMatch(
      /: 0 to add, 0 to change, 0 to remove \(\d+ unchanged\)\n\nNo resource changes\.\n\n### Monthly cost of `staging`: (\$[\d.,]+) → \1 \(±\$0\.00\)\n\nNo change to the monthly estimate\.\n/,
    );
    const both = await plan("staging", "--json", "--mermaid");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("one of --json, --details, --diff, --mermaid at a time");
  });

  it("draws the components and what each uses as a Mermaid flowchart (--mermaid)", async () => {
    const { code, stdout } = await plan("staging", "--mermaid");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^flowchart LR\n {2}subgraph tier_compute \[compute\]\n/);
    expect(stdout).toContain("  app_load_balancer --> app_fra\n");
    expect(stdout).not.toContain("app_ams");
  });

  it("reports a YAML syntax error in the stack file as one line with file, line and column", async () => {
    const directory = await mkdtemp(join(tmpdir(), "plan-"));
    const stackFile = join(directory, "Pulumi.production.yaml");
    const text = await readFile(stackFilePath("production"), "utf8");
    await writeFile(
      stackFile,
      text.replace("    team: acme-production\n", "    team: [acme-production\n"),
    );
    // js-yaml notices the unclosed list on the line after it.
    const line = text.split("\n").findIndex((row) => row === "    team: acme-production") + 2;

    const { code, stdout, stderr } = await plan("production", "--stack-file", stackFile);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      new RegExp(
        `^${stackFile}:${line}:\\d+: .+ \\(YAML syntax\\)\\. Fix the file there and run again\\.\\n$`,
      ),
    );
  });

  it("names a misspelt key, the key it resembles and the rename, and plans nothing", async () => {
    const directory = await mkdtemp(join(tmpdir(), "plan-"));
    const stackFile = join(directory, "Pulumi.staging.yaml");
    const text = await readFile(stackFilePath("staging"), "utf8");
    await writeFile(stackFile, text.replace("    plan: free\n", "    pln: free\n"));
    const { code, stdout, stderr } = await planInChild("staging", "--stack-file", stackFile);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        'Stack "staging" has 1 config problem (Pulumi.staging.yaml):',
        "  1. platform:edge.pln",
        "     found:   a key the platform does not know: did you mean platform:edge.plan?",
        "     allowed: one of accountId, zoneId, hsts, plan, accountPlan, originLockGeneration, staticEdgeTtlSeconds, rateLimit",
        `     fix:     pulumi config set --path 'edge.plan' "$(pulumi config get --path 'edge.pln')" && pulumi config rm --path 'edge.pln'`,
        "Nothing was registered. Fix the values above and run again.",
        "",
      ].join("\n"),
    );
  });
});
