// `pnpm audit-report`: the report an auditor reads, offline from the plan or with a deployment's
// outputs piped in. Its main runs in this process on the stacks' runs test/global-setup.ts made
// (test/support/plans.ts), or on a run of its own where a test changes the stack file; one test
// spawns the CLI, for the wiring of the process (arguments, streams, exit code).
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { dump, load } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { formatUsd } from "../../policy/cost/estimate.ts";
import type { PolicyRuleResult } from "../../policy/evaluate.ts";
import { SECRET_KEYS } from "../../stacks/config/schema.ts";
import { touchesBucket } from "../../tools/audit/data.ts";
import { auditReport as auditMain } from "../../tools/audit/main.ts";
import { renderMarkdown } from "../../tools/audit/markdown.ts";
import { plaintextSecretPaths } from "../../tools/audit/outputs.ts";
import { evaluatePolicies, policySection } from "../../tools/audit/policies.ts";
import type { AuditReport } from "../../tools/audit/report.ts";
import { leakedSecret } from "../../tools/audit/secrets.ts";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { fakeSecret, runStack, stackFilePath } from "../../tools/mock/run-stack.ts";
import { pathSteps, valueAtSteps } from "../../tools/mock/secrets.ts";
import { PLANNED_RUNS, runCli, type ToolResult } from "../support/tool-in-process.ts";
import { planned } from "../support/plans.ts";

/** A JSON output; when there is none, the error says why (the exit code and stderr). */
function parsed({ code, stdout, stderr }: ToolResult): unknown {
  if (code !== 0 || stdout === "") throw new Error(`exit ${code}, stderr: ${stderr}`);
  return JSON.parse(stdout);
}

/**
 * The report's main in this process, `input` on its stdin: the stack's program run is the one the
 * global set-up made (or `run`), the bootstrap's plan too.
 */
async function auditReport(args: string[], input = "", run?: ProgramRun): Promise<ToolResult> {
  let stdout = "";
  let stderr = "";
  const code = await auditMain({
    argv: args,
    stdin: Readable.from([Buffer.from(input)]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    runs: run === undefined ? PLANNED_RUNS : { stack: () => Promise.resolve(run) },
    bootstrapPlan: async () => (await planned("identity")).manifest,
  });
  return { code, stdout, stderr };
}

const SECTIONS = [
  "## Deployment",
  "## Public endpoints",
  "## 1. Inventory",
  "## 2. Policy results",
  "## 3. Data: where it lives and who can reach it",
  "## 4. Encryption",
  "## 5. Protection from deletion",
  "## 6. Secrets (names only)",
  "## 7. Monitors and alert routes",
  "## 8. Pipeline controls",
  "## 9. Cost",
];

const JSON_SECTIONS = [
  "deployment",
  "endpoints",
  "inventory",
  "policies",
  "data",
  "encryption",
  "protection",
  "secrets",
  "monitoring",
  "pipeline",
  "cost",
  "simulated",
];

interface PlatformShape {
  environment: string;
  images: { api: { digest: string; repoDigest: string } };
  apps: { originHost: string; services: { name: string; exposure: string }[] }[];
  database: { trustedSources: { source: string; type: string; value: string }[] };
  delivery?: unknown;
}

let markdown: ToolResult;
let json: ToolResult;
let stagingMarkdown: ToolResult;
let stagingJson: ToolResult;
let report: AuditReport;
/** `pulumi stack output --json` as the offline plan would have it. */
let planOutputs: { platform: PlatformShape };
/** What the offline plan made up (`pnpm plan production --json`). */
let planSimulated: string[];

beforeAll(async () => {
  const [md, js, stagingMd, stagingJs, plan] = await Promise.all([
    auditReport(["production"]),
    auditReport(["production", "--json"]),
    auditReport(["staging"]),
    auditReport(["staging", "--json"]),
    planned("production"),
  ]);
  markdown = md;
  json = js;
  stagingMarkdown = stagingMd;
  stagingJson = stagingJs;
  report = parsed(js) as AuditReport;
  // `pnpm plan production --json`, made once for every test file (test/support/plans.ts).
  const manifest = plan.manifest as unknown as {
    outputs: { platform: PlatformShape };
    simulated: string[];
  };
  planOutputs = manifest.outputs;
  planSimulated = manifest.simulated;
}, 60_000);

describe("pnpm audit-report production (offline)", () => {
  it("prints a Markdown report with every section, from the offline plan", () => {
    expect(markdown.stderr).toBe("");
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/^# Audit report: stack `production`\n/);
    expect(markdown.stdout).toContain(
      "| Facts (ids, endpoints, digests, ranges, trusted sources) | the offline plan: simulated by the mock runtime, no cloud contacted |",
    );
    let previous = -1;
    for (const section of SECTIONS) {
      const at = markdown.stdout.indexOf(`\n${section}\n`);
      expect(at, section).toBeGreaterThan(previous);
      previous = at;
    }
  });

  it("counts the inventory by provider and by tier, and lists every protected resource", () => {
    const { inventory, protection } = report;
    const byTier = inventory.byTier.reduce(
      (sum, tier) => sum + tier.components + tier.resources,
      0,
    );
    expect(byTier).toBe(inventory.total);
    expect(Object.values(inventory.byProvider).reduce((a, b) => a + b, 0)).toBe(
      inventory.total - inventory.components,
    );
    expect(inventory.byTier.map((tier) => tier.tier)).toEqual(
      expect.arrayContaining(["compute", "data", "delivery", "edge", "observability", "storage"]),
    );
    expect(protection.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["database-cluster", "assets-bucket", "registry-registry"]),
    );
    for (const resource of protection.resources) {
      expect(markdown.stdout).toContain(`| \`${resource.name}\` | \`${resource.type}\` |`);
    }
  });

  it("says where data lives, who can reach it and how it is encrypted", () => {
    const { data, encryption } = report;
    expect(data.database?.region).toBe("fra1");
    expect(data.database?.trustedSources.map((s) => s.source)).toEqual(["vpc fra1", "vpc ams3"]);
    const assets = data.buckets.find((bucket) => bucket.purpose === "assets");
    const reads = assets?.policy.find((statement) => statement.actions.includes("s3:GetObject"));
    expect(reads?.conditions[0]).toMatch(/^source IP in \d+ ranges: /);
    expect(encryption.map((row) => `${row.state}: ${row.how}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^at rest: SSE-S3 \(AES256/),
        expect.stringMatching(
          /^in transit: sslmode require in (\d+) of \1 connection URLs; \1 of \1 beside/,
        ),
        expect.stringMatching(/^in transit: minimum TLS 1\.2/),
      ]),
    );
  });

  it("shows the repository's rulesets, rule by rule, as the bootstrap declares them", () => {
    const [branches, tags] = report.pipeline?.rulesetsInPlan ?? [];
    expect(branches).toMatchObject({
      name: "protected-branches",
      target: "branch",
      enforcement: "active",
    });
    expect(branches?.rules).toEqual(
      expect.arrayContaining(["deletion", "nonFastForward", "pullRequest.requireCodeOwnerReview"]),
    );
    expect(tags).toMatchObject({ name: "release-tags", target: "tag", enforcement: "active" });
    expect(tags?.rules).toEqual(expect.arrayContaining(["creation", "update", "deletion"]));
    expect(report.pipeline?.declaredBy).toMatch(/^the bootstrap project \(bootstrap\/\)/);
  });

  it.each([
    ["arn:aws:s3:::assets.example.com", true],
    ["arn:aws:s3:::assets.example.com/healthz.txt", true],
    ["arn:aws:s3:::*", true],
    ["*", true],
    ["arn:aws:s3:::assets.*/*", true],
    ["arn:aws:s3:::assets.example.com-logs", false],
    ["arn:aws:s3:::assets.example.com-logs/*", false],
    ["arn:aws:s3:::assetsXexample.com", false],
  ])("counts an IAM grant on %s as reaching the assets bucket: %s", (resource, reaches) => {
    expect(touchesBucket(resource, "assets.example.com")).toBe(reaches);
  });

  it("prices the stack as pnpm cost does, and holds it to the stack file's budget", () => {
    const { cost } = report;
    expect(cost.budget).toBe(900);
    expect(cost.withinBudget).toBe(true);
    expect(cost.problems).toEqual([]);
    expect(cost.monthly.min).toBeLessThan(cost.monthly.max);
    expect(cost.items.map((item) => item.charge)).toContain("db-s-2vcpu-4gb standby nodes");
    expect(markdown.stdout).toContain(
      `Monthly estimate ${formatUsd(cost.monthly)} (USD, list prices): the minimum is within the budget of $900.00`,
    );
    const budgetRule = report.policies.available
      ? report.policies.rules.find((rule) => rule.id === "cost-within-budget")
      : undefined;
    expect(budgetRule?.result).toBe("pass");
  });

  it("lists every host and path the internet reaches, with what guards it", () => {
    const { public: reachable, internal } = report.endpoints;
    const guard = (host: string, path: string) =>
      reachable.find((e) => e.host === host && e.path === path)?.guard;
    expect(guard("app.example.com", "/")).toBe("edge");
    expect(guard("assets.example.com", "/")).toBe("edge");
    for (const { originHost } of planOutputs.platform.apps) {
      expect(guard(originHost, "all but /healthz")).toBe("origin lock");
      expect(guard(originHost, "/healthz")).toBe("none");
    }
    // The bucket admits reads from Cloudflare's ranges only: its S3 endpoint is origin-locked.
    expect(guard("assets.example.com.s3.eu-central-1.amazonaws.com", "objects")).toBe(
      "origin lock",
    );
    expect(reachable.map((e) => e.guard)).not.toContain(undefined);
    const unrouted = planOutputs.platform.apps
      .flatMap((app) => app.services)
      .filter((service) => service.exposure === "internal");
    expect(unrouted.length).toBeGreaterThan(0);
    expect(internal).toEqual([...new Set(unrouted.map((service) => service.name))]);
    expect(markdown.stdout).toContain(
      "| `app.example.com` | / | web of platform-production-fra, platform-production-ams, load-balanced | edge | Cloudflare: TLS 1.2 or newer,",
    );
  });

  it("marks each value the offline plan made up, wherever it shows", () => {
    expect(report.simulated).toEqual(
      expect.arrayContaining([
        "deployment.project.id",
        "deployment.apps[0].appId",
        "deployment.apps[0].originHost",
        "deployment.images[0].repoDigest",
        "data.database.trustedSources[0].value",
        "pipeline.environments[0].awsRole.trusts",
      ]),
    );
    // Cloudflare's ranges in the bucket policy, GitHub's ids in the roles' subjects.
    expect(markdown.stdout).toMatch(/when source IP in 4 ranges: [^|\n]+ \(simulated\)\n/);
    expect(markdown.stdout).toMatch(
      /`repo:acme@\d+\/platform@\d+:environment:production` \(simulated\)/,
    );
    // Take away every marked value; none of what the plan made up may be left.
    const marked = report.simulated
      .map((path) => String(valueAtSteps(report, pathSteps(path))))
      .sort((a, b) => b.length - a.length);
    let unmarked = markdown.stdout.replaceAll(/`[^`]*` \(simulated\)/g, "");
    for (const value of marked) unmarked = unmarked.replaceAll(`${value} (simulated)`, "");
    const madeUp = planSimulated.filter((value) => value.length >= 6);
    expect(madeUp.length).toBeGreaterThan(20);
    for (const value of madeUp) expect(unmarked, value).not.toContain(value);
    // Declared values are not marked.
    expect(markdown.stdout).not.toContain("`app.example.com` (simulated)");
  });

  it("prints the same report as JSON with --json", () => {
    expect(json.code).toBe(0);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(JSON_SECTIONS));
    expect(report).toMatchObject({
      stack: "production",
      source: { facts: "offline plan", outputsFile: null, declarations: "offline plan" },
      missingOutputs: [],
    });
    // Every rule of the pack, each with a result.
    if (!report.policies.available) throw new Error(report.policies.reason);
    expect(report.policies.rules.length).toBeGreaterThan(0);
    expect(report.policies.summary.rules).toBe(report.policies.rules.length);
    expect(markdown.stdout).toContain(
      `${report.policies.summary.rules} rules of the policy pack (policy/) on the offline plan:`,
    );
    expect(report.pipeline?.environments.map((e) => `${e.name} ${e.kind}`)).toEqual([
      "production deploy",
      "production-preview preview",
      "production-drift drift",
    ]);
    // What the stack writes lands in the deploy environment, beside the bootstrap's variables.
    expect(report.pipeline?.environments[0]?.secrets).toEqual(["ORIGIN_LOCK_SECRET"]);
    expect(report.pipeline?.environments[0]?.variables).toEqual(
      expect.arrayContaining(["AWS_ROLE_ARN", "APP_URL"]),
    );
    for (const environment of report.pipeline?.environments ?? []) {
      expect(environment.trustInPlan).toEqual({
        subjects: [environment.awsRole.trusts],
        audiences: ["sts.amazonaws.com"],
        wildcard: false,
      });
    }
  });
});

/** The Markdown without what differs between runs: the commit, its work tree, the time. */
function stableMarkdown(text: string): string {
  return text
    .replace(/^\| Commit \| .* \|$/m, "| Commit | <commit> |")
    .replace(/^\| Generated \| .* \|$/m, "| Generated | <generated-at> |");
}

/** The same for the JSON, printed as the CLI prints it. */
function stableJson(text: string): string {
  const stable = {
    ...(JSON.parse(text) as AuditReport),
    commit: "<commit>",
    uncommittedChanges: "<uncommitted changes>",
    generatedAt: "<generated-at>",
  };
  return `${JSON.stringify(stable, null, 2)}\n`;
}

// The whole report of both stacks, as an auditor receives it: a change to its content shows here
// line by line. After a deliberate change, rewrite the files and review their diff:
// pnpm exec vitest run test/tools/audit-report.test.ts --update
describe("the report of each stack, in full (golden files)", () => {
  it.each([
    ["production", "md", () => markdown, stableMarkdown],
    ["production", "json", () => json, stableJson],
    ["staging", "md", () => stagingMarkdown, stableMarkdown],
    ["staging", "json", () => stagingJson, stableJson],
  ] as const)("%s as %s", async (stack, format, result, stable) => {
    const { code, stdout, stderr } = result();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    await expect(stable(stdout)).toMatchFileSnapshot(`golden/audit-${stack}.${format}`);
  });
});

describe("pnpm audit-report production --outputs", () => {
  it("takes the deployment's facts from `pulumi stack output --json` on stdin", async () => {
    const real = structuredClone(planOutputs);
    const digest = `sha256:${"1".repeat(64)}`;
    real.platform.images.api.digest = digest;
    real.platform.images.api.repoDigest = `registry.digitalocean.com/acme-platform/api@${digest}`;
    const [first] = real.platform.apps;
    if (first === undefined) throw new Error("the plan has no app");
    first.originHost = "platform-production-fra-real1.ondigitalocean.app";
    real.platform.database.trustedSources.push({
      source: "stack config",
      type: "ip_addr",
      value: "203.0.113.7",
    });
    const result = await auditReport(["production", "--outputs", "-"], JSON.stringify(real));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("| the deployed stack's outputs (stdin) |");
    expect(result.stdout).toContain(
      `api | \`registry.digitalocean.com/acme-platform/api@${digest}\``,
    );
    expect(result.stdout).toContain("`platform-production-fra-real1.ondigitalocean.app` |");
    // What the deployment reports is not marked; what is still the plan's is.
    expect(result.stdout).not.toContain("real1.ondigitalocean.app` (simulated)");
    expect(result.stdout).toContain(`\`${planOutputs.platform.apps[1]?.originHost}\` (simulated)`);
    expect(result.stdout).toContain("| stack config | ip_addr | `203.0.113.7` |");
    expect(result.stdout).not.toContain(planOutputs.platform.images.api.digest);
    await expect(stableMarkdown(result.stdout)).toMatchFileSnapshot(
      "golden/audit-production-outputs.md",
    );
  });

  it("reads a file too, and says which sections an older deployment lacks", async () => {
    const older = structuredClone(planOutputs);
    delete older.platform.delivery;
    const file = join(await mkdtemp(join(tmpdir(), "audit-")), "outputs.json");
    // `pulumi stack output platform --json`: the object alone, without the outputs' wrapper.
    await writeFile(file, JSON.stringify(older.platform));
    const result = await auditReport(["production", "--json", "--outputs", file]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      source: { facts: "stack outputs", outputsFile: file, declarations: "offline plan" },
      missingOutputs: ["delivery"],
      pipeline: null,
    });
  });

  it.each([
    [
      "not JSON",
      "{ platform: oops",
      /^stdin is not JSON; pipe the stack's outputs in: pulumi stack output --json --stack production \| /,
    ],
    ["no platform key", JSON.stringify({ other: 1 }), /^stdin has no "platform" object: /],
    [
      "a section of another shape",
      JSON.stringify({ platform: { environment: "production", apps: [{ name: 7 }] } }),
      /^stdin differs from the platform output of this commit \(stacks\/outputs\.ts\): platform\.apps\[0\]\.name: Invalid input: expected string, received number; /,
    ],
    [
      "another stack's outputs",
      JSON.stringify({ platform: { environment: "staging" } }),
      /^stdin holds the outputs of stack "staging", not "production": /,
    ],
  ])("refuses %s in one line, exit 1", async (_name, input, message) => {
    const result = await auditReport(["production", "--outputs", "-"], input);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("refuses a missing file in one line, with the command that writes it", async () => {
    const result = await runCli("tools/audit/cli.ts", [
      "production",
      "--outputs",
      "no-such-outputs.json",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Cannot read --outputs no-such-outputs.json: ENOENT. Write it with: pulumi stack output --json --stack production > no-such-outputs.json\n",
    );
  });

  it("finds outputs written with --show-secrets (a plaintext where the plan has a secret)", () => {
    const offline = { a: "[secret]", b: [{ c: "[secret]", d: 1 }], e: "plain" };
    expect(
      plaintextSecretPaths(offline, { a: "[secret]", b: [{ c: "[secret]" }], e: "x" }),
    ).toEqual([]);
    expect(
      plaintextSecretPaths(offline, { a: "hunter22", b: [{ c: "[secret]" }, { c: "swordfish" }] }),
    ).toEqual(["platform.a", "platform.b[1].c"]);
  });
});

describe("policy results", () => {
  // Results as policy/evaluate.ts returns them: one rule of each outcome.
  const results: PolicyRuleResult[] = [
    {
      id: "database-protected",
      description: "Stateful resources are protected",
      remediation: "Set protect in production",
      enforcementLevel: "mandatory",
      violations: [],
    },
    {
      id: "bucket-tls-only",
      description: "Buckets deny requests without TLS",
      remediation: "Add a DenyInsecureTransport statement",
      enforcementLevel: "mandatory",
      violations: [
        {
          resource:
            "urn:pulumi:production::platform::platform:storage:AssetBucket$aws:s3/bucketPolicy:BucketPolicy::assets-policy",
          message: "no TLS-only statement",
        },
      ],
    },
    {
      id: "one-standby",
      description: "Production has a standby",
      remediation: "Set database.standbys: 1",
      enforcementLevel: "advisory",
      advisoryReason: "staging runs without one",
      violations: [{ message: "no standby" }],
    },
  ];

  it("are rendered pass, FAIL and advisory, with the remediation of each finding", () => {
    const section = policySection(results);
    expect(section).toMatchObject({ summary: { rules: 3, pass: 1, fail: 1, advisory: 1 } });
    const text = renderMarkdown({ ...report, policies: section });
    expect(text).toContain(
      "| `database-protected` Stateful resources are protected | mandatory | pass | — |",
    );
    expect(text).toContain(
      "| `bucket-tls-only` Buckets deny requests without TLS | mandatory | **FAIL** | `assets-policy`: no TLS-only statement |",
    );
    expect(text).toContain(
      "| `one-standby` Production has a standby | advisory (staging runs without one) | advisory | no standby |",
    );
    expect(text).toContain("- `bucket-tls-only`: Add a DenyInsecureTransport statement");
    expect(text).not.toContain("- `database-protected`:");
  });

  it("say why they are missing when the pack cannot run", () => {
    const broken = evaluatePolicies("production", [], () => {
      throw new Error("rule x crashed\nstack");
    });
    expect(broken).toEqual({
      available: false,
      reason: "the policy pack failed on this plan: rule x crashed",
    });
    const text = renderMarkdown({ ...report, policies: broken });
    expect(text).toContain("Not evaluated: the policy pack failed on this plan: rule x crashed.");
  });
});

describe("secrets", () => {
  let stackFile: string;
  let withSecrets: ProgramRun;
  let secretMarkdown: ToolResult;
  let secretJson: ToolResult;

  beforeAll(async () => {
    // Production with every optional integration and an APM backend: each secret key is set.
    const config = load(await readFile(stackFilePath("production"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const monitoring = config.config["platform:monitoring"] as Record<string, unknown>;
    config.config["platform:monitoring"] = { ...monitoring, apm: { provider: "datadog" } };
    for (const key of SECRET_KEYS) {
      config.config[`platform:${key}`] = { secure: "v1:ZmFrZS1ub25jZQ==:ZmFrZQ==" };
    }
    stackFile = join(await mkdtemp(join(tmpdir(), "audit-")), "Pulumi.production.yaml");
    await writeFile(stackFile, dump(config));
    withSecrets = await runStack("production", { stackFile });
    [secretMarkdown, secretJson] = await Promise.all([
      auditReport(["production", "--stack-file", stackFile], "", withSecrets),
      auditReport(["production", "--json", "--stack-file", stackFile], "", withSecrets),
    ]);
  }, 60_000);

  it("are named with where each goes, and never shown", () => {
    expect(withSecrets.errors).toEqual([]);
    expect(secretMarkdown.code).toBe(0);
    expect(secretJson.code).toBe(0);
    const values = [
      ...SECRET_KEYS.map(fakeSecret),
      ...withSecrets.resources.flatMap((resource) =>
        resource.secretInputs.map((path) => String(valueAtSteps(resource.inputs, pathSteps(path)))),
      ),
    ];
    expect(values.length).toBeGreaterThan(SECRET_KEYS.length);
    for (const value of values) {
      expect(secretMarkdown.stdout).not.toContain(value);
      expect(secretJson.stdout).not.toContain(value);
    }
    const { secrets } = JSON.parse(secretJson.stdout) as AuditReport;
    for (const secret of secrets.config) {
      expect(secret.set, secret.key).toBe(true);
      expect(secret.destinations.length, secret.key).toBeGreaterThan(0);
    }
    expect(secrets.config.find((s) => s.key === "sentryDsn")?.destinations).toContainEqual({
      resource: "app-fra-app",
      type: "digitalocean:index/app:App",
      where: "spec.services[api].envs[SENTRY_DSN].value",
    });
    expect(secretMarkdown.stdout).toContain("`sentryDsn` goes to:");
  });

  it("are all in the report of a stack with every integration on (golden file)", async () => {
    await expect(stableMarkdown(secretMarkdown.stdout)).toMatchFileSnapshot(
      "golden/audit-production-integrations.md",
    );
  });

  it("stop the report before it prints when a value would appear", () => {
    const secret = { value: "correct horse battery staple", name: "app-fra-app spec.x" };
    expect(leakedSecret(`... ${secret.value} ...`, [secret])).toBe("app-fra-app spec.x");
    expect(leakedSecret("nothing here", [secret])).toBeNull();
  });
});
