// `pnpm preflight staging` against local stand-ins of every API it asks (test/support/
// fake-provider-apis.ts): a ready account passes and nothing is written, an unready one fails with
// the fix of each problem, and without credentials each missing one is named.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stackFilePath } from "../../tools/mock/run-stack.ts";
import { type Check, type Report, renderText } from "../../tools/preflight/check.ts";
import type { Plans } from "../../tools/preflight/plans.ts";
import { main } from "../../tools/preflight/main.ts";
import { runPreflight } from "../../tools/preflight/preflight.ts";
import {
  DEPLOY_VARIABLES,
  type FakeProviderApis,
  PROVIDER_SECRETS,
  preflightEnv,
  readyStagingWorld as readyWorld,
  startFakeProviderApis,
  type World,
} from "../support/fake-provider-apis.ts";
import { sharedPlans } from "../support/preflight-plans.ts";
import { runCli, runMain } from "../support/tool-in-process.ts";

const STACK = "staging";
let apis: FakeProviderApis;
let world: World;
let plans: Plans;
/** A HOME without ~/.pulumi, so that no real `pulumi login` leaks in. */
const home = mkdtempSync(path.join(tmpdir(), "preflight-home-"));
/**
 * The stack file as `pulumi stack init --secrets-provider` leaves it: the repository's, with the
 * bootstrap's KMS key and the data key it encrypted (README: Adopting, step 4).
 */
const initialisedStackFile = path.join(home, `Pulumi.${STACK}.yaml`);
writeFileSync(
  initialisedStackFile,
  `secretsprovider: awskms://alias/platform-staging-secrets?region=eu-central-1\nencryptedkey: AQICAHhExampleDataKey==\n${readFileSync(stackFilePath(STACK), "utf8")}`,
);

async function preflight(
  current: World,
  extra: Record<string, string | undefined> = {},
  stackFile = initialisedStackFile,
): Promise<Report> {
  world = current;
  apis.requests.length = 0;
  return runPreflight({
    stack: STACK,
    stackFile,
    env: preflightEnv(apis, current, home, extra),
    plans: () => Promise.resolve(plans),
  });
}

function check(report: Report, id: string): Check {
  const found = report.checks.find((candidate) => candidate.id === id);
  if (found === undefined)
    throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(", ")}`);
  return found;
}

beforeAll(async () => {
  // The SDK's credential chain would otherwise ask the EC2 metadata service for a role.
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  world = readyWorld();
  apis = await startFakeProviderApis(() => world);
  plans = await sharedPlans();
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await apis.close();
});

describe("pnpm preflight, a ready account", () => {
  it("passes every check, each on what the provider answered", async () => {
    const report = await preflight(readyWorld());
    expect(report.checks.filter((candidate) => candidate.status !== "pass")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((candidate) => candidate.id)).toEqual([
      "credentials.digitalocean",
      "credentials.cloudflare",
      "credentials.github",
      "credentials.aws",
      "credentials.backend",
      "stack.plan",
      "digitalocean.team",
      "digitalocean.scopes",
      "digitalocean.registry",
      "digitalocean.app-spec.platform-staging-fra",
      "digitalocean.app-vpc.platform-staging-fra",
      "digitalocean.alert-emails",
      "aws.account",
      "cloudflare.token",
      "cloudflare.zone",
      "cloudflare.permissions",
      "cloudflare.load-balancing",
      "cloudflare.rulesets",
      "cloudflare.dns-records",
      "github.repository",
      "github.plan",
      "github.environment.staging",
      "github.environment.staging-preview",
      "github.environment.staging-drift",
      "github.repository-secrets",
      "backend.expected",
      "backend.reachable",
    ]);
    expect(check(report, "digitalocean.team").detail).toContain('team "acme-staging"');
    expect(check(report, "aws.account").detail).toContain("account 111111111111");
    expect(check(report, "cloudflare.zone").detail).toContain("Free Website");
    expect(check(report, "digitalocean.app-vpc.platform-staging-fra").detail).toContain(
      "the default VPC of fra1",
    );
  });

  it("stops a stack file without its secrets provider on the S3 backend, naming the bootstrap's key", async () => {
    const report = await preflight(readyWorld(), {}, stackFilePath(STACK));
    expect(report.ok).toBe(false);
    expect(check(report, "credentials.secrets-provider")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(
        "Pulumi.staging.yaml names none (no secretsprovider, no encryptionsalt)",
      ) as unknown,
      fix: "commit the secretsprovider and encryptedkey lines pulumi stack init wrote into Pulumi.staging.yaml; if they are lost: pulumi stack change-secrets-provider --stack staging 'awskms://alias/platform-staging-secrets?region=eu-central-1', then commit the file   (README: Adopting, step 4)",
    });
  });

  it("prints no credential, in either form", async () => {
    const current = readyWorld();
    const report = await preflight(current);
    const printed = `${renderText(report)}${JSON.stringify(report)}`;
    for (const secret of [
      current.digitalocean.token,
      current.cloudflare.token,
      current.github.token,
      current.aws.accessKeyId,
      "secret-access-key-example",
    ]) {
      expect(printed).not.toContain(secret);
    }
  });

  it("writes nothing: every call is a read, but the documented read-only POSTs", async () => {
    await preflight(readyWorld());
    const writes = apis.requests.filter(({ method }) => method !== "GET" && method !== "HEAD");
    expect(writes.map(({ method, path: url }) => `${method} ${url}`).sort()).toEqual([
      "POST /aws/sts/",
      "POST /do/v2/apps/propose",
      "POST /do/v2/registries/validate-name",
    ]);
  });

  it("proposes the app as App Platform's API spells it, with a real VPC in place of the plan's", async () => {
    await preflight(readyWorld());
    const proposal = apis.requests.find(({ path: url }) => url === "/do/v2/apps/propose");
    const { spec } = JSON.parse(proposal?.body ?? "{}") as { spec: Record<string, unknown> };
    // The team's default VPC of fra1 stands in for the one the stack creates.
    expect(spec.vpc).toEqual({ id: "5a4981aa-9653-4bd1-bef5-d6bff52042e4" });
    expect(spec).toMatchObject({ name: "platform-staging-fra", region: "fra" });
    const services = spec.services as Record<string, unknown>[];
    expect(services.map((service) => service.name)).toEqual(["web", "api"]);
    expect(services[0]).toMatchObject({
      http_port: 3000,
      instance_size_slug: "apps-s-1vcpu-1gb",
      image: { registry_type: "DOCR", repository: "web" },
      health_check: { http_path: "/healthz", port: 3000 },
    });
    // The internal-only api sends no http_port, and no alert carries destinations.
    expect(services[1]).not.toHaveProperty("http_port");
    expect(JSON.stringify(spec)).not.toContain("destinations");
    // Every key in the API's snake_case.
    expect(JSON.stringify(spec)).not.toMatch(/"[a-z]+[A-Z][A-Za-z]*":/);
    // Secret values never leave the machine: the plan masks them.
    expect(JSON.stringify(spec)).toContain('"value":"[secret]"');
  });
});

describe("pnpm preflight, an account that is not ready", () => {
  function unreadyWorld(): World {
    const ready = readyWorld();
    return {
      digitalocean: {
        ...ready.digitalocean,
        missingScopes: ["database:read", "uptime:read"],
        appPlatformVpc: false,
        email: "someone@example.com",
        validateName: 409,
      },
      aws: { ...ready.aws, account: "222222222222", arn: "arn:aws:iam::222222222222:user/someone" },
      cloudflare: {
        ...ready.cloudflare,
        zone: {
          ...(ready.cloudflare.zone ?? { id: "", name: "", status: "", accountId: "", plan: "" }),
          status: "pending",
        },
        subscriptions: [],
        rulesets: [
          {
            id: "4814384a9e5d4991b9815dcfc25d2f1f",
            name: "default",
            kind: "zone",
            phase: "http_request_firewall_managed",
          },
          {
            id: "efb7b8c949ac4650a09736fc376e9aee",
            name: "Cloudflare Managed Ruleset",
            kind: "managed",
            phase: "http_request_firewall_managed",
          },
        ],
      },
      github: {
        ...ready.github,
        repository: { owner: "acme", name: "platform", private: true, ownerType: "Organization" },
        plan: "free",
        environments: {
          staging: { variables: [...DEPLOY_VARIABLES], secrets: ["DIGITALOCEAN_TOKEN"] },
          "staging-preview": { variables: [...DEPLOY_VARIABLES], secrets: [...PROVIDER_SECRETS] },
        },
        repositorySecrets: ["PULUMI_ACCESS_TOKEN"],
      },
      pulumi: ready.pulumi,
    };
  }

  let report: Report;
  beforeAll(async () => {
    report = await preflight(unreadyWorld());
  });

  it("exits non-zero", () => {
    expect(report.ok).toBe(false);
  });

  it("names the read scopes the DigitalOcean token lacks, by DigitalOcean's names", () => {
    expect(check(report, "digitalocean.scopes")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("database:read, uptime:read missing") as unknown,
    });
  });

  it("finds the registry name taken by another account", () => {
    expect(check(report, "digitalocean.registry")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining(
        "pulumi config set --path registry.name 'acme-platform-staging-<suffix>'",
      ) as unknown,
    });
  });

  it("sees App Platform drop the VPC from the proposed spec: no App Platform VPC on the team", () => {
    expect(check(report, "digitalocean.app-spec.platform-staging-fra").status).toBe("pass");
    expect(check(report, "digitalocean.app-vpc.platform-staging-fra")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("enable App Platform VPC") as unknown,
    });
  });

  it("asks to confirm alert e-mails it cannot find in the team, without failing on them", () => {
    expect(check(report, "digitalocean.alert-emails")).toMatchObject({
      status: "confirm",
      detail: expect.stringContaining("platform-staging@example.com") as unknown,
    });
  });

  it("names both AWS accounts", () => {
    expect(check(report, "aws.account")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(
        "lives in account 111111111111 (platform:aws.accountId), but the credentials are arn:aws:iam::222222222222:user/someone",
      ) as unknown,
    });
  });

  it("refuses a zone that is not active yet, and an account without the Load Balancing add-on", () => {
    expect(check(report, "cloudflare.zone")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("ada.ns.cloudflare.com, bob.ns.cloudflare.com") as unknown,
    });
    expect(check(report, "cloudflare.load-balancing")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("Traffic → Load Balancing") as unknown,
    });
  });

  it("prints the import that adopts an existing entry-point ruleset, with its parent component", () => {
    const rulesets = check(report, "cloudflare.rulesets");
    expect(rulesets.status).toBe("fail");
    expect(rulesets.detail).toContain(
      'http_request_firewall_managed "default" (4814384a9e5d4991b9815dcfc25d2f1f) for edge-rules-waf',
    );
    expect(report.importFile).toEqual({
      resources: [
        { type: "platform:edge:EdgeRules", name: "edge-rules", component: true },
        {
          type: "cloudflare:index/ruleset:Ruleset",
          name: "edge-rules-waf",
          id: "zones/00112233445566778899aabbccddeeff/4814384a9e5d4991b9815dcfc25d2f1f",
          version: "6.22.1",
          parent: "edge-rules",
        },
      ],
    });
    expect(rulesets.fix).toContain(
      "pulumi import --stack staging --file rulesets-staging.import.json --protect=false --generate-code=false",
    );
  });

  it("refuses a private repository on GitHub Free: no environments, policies or rulesets there", () => {
    expect(check(report, "github.plan")).toMatchObject({
      status: "fail",
      detail:
        'the repository is private and acme is on "free": GitHub refuses environments, deployment branch and tag policies, rulesets there',
      fix: "move acme to GitHub Pro, Team or Enterprise, or make the repository public",
    });
  });

  it("names each missing environment and secret, with the command that sets it", () => {
    expect(check(report, "github.environment.staging")).toMatchObject({
      status: "fail",
      detail: "secrets missing: CLOUDFLARE_API_TOKEN, PLATFORM_GITHUB_TOKEN",
      fix: "gh secret set CLOUDFLARE_API_TOKEN --env staging --repo acme/platform\ngh secret set PLATFORM_GITHUB_TOKEN --env staging --repo acme/platform",
    });
    expect(check(report, "github.environment.staging-drift")).toMatchObject({
      status: "fail",
      detail: "does not exist",
    });
  });

  it("refuses a backend credential held at the repository level", () => {
    expect(check(report, "github.repository-secrets")).toMatchObject({
      status: "fail",
      fix: "gh secret delete PULUMI_ACCESS_TOKEN --repo acme/platform   (then set it in each environment)",
    });
  });
});

describe("pnpm preflight without credentials", () => {
  const bare = { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: "true" };
  /** Its main in this process, on the plans test/global-setup.ts made of the standard stacks. */
  const run = (args: string[]) =>
    runMain(
      (tool) =>
        main(tool, (stack, stackFile) => {
          if (stack !== STACK || stackFile !== undefined) {
            throw new Error(`no shared plan of ${stack} (${String(stackFile)}): use runCli`);
          }
          return sharedPlans();
        }),
      args,
      bare,
    );
  /** The CLI in a process of its own, which plans in two more (planBoth). */
  const runInChild = (args: string[]) => runCli("tools/preflight/cli.ts", args, bare);

  it("exits non-zero naming every missing credential", async () => {
    const result = await run([STACK]);
    expect(result.code).toBe(1);
    for (const missing of [
      "✗ DigitalOcean token: DIGITALOCEAN_TOKEN or DIGITALOCEAN_ACCESS_TOKEN is not set",
      "✗ Cloudflare token: CLOUDFLARE_API_TOKEN is not set",
      "✗ GitHub token: GITHUB_TOKEN is not set",
      "✗ AWS credentials: none found",
      "✗ State backend: PULUMI_BACKEND_URL is not set and `pulumi login` names no backend",
    ]) {
      expect(result.stdout).toContain(missing);
    }
    expect(result.stdout).toContain("– DigitalOcean checks: not run: no token (see Credentials)");
    expect(result.stdout).toContain(
      "fix: pulumi login 's3://acme-pulumi-state-staging?region=eu-central-1'",
    );
  }, 60_000);

  it("prints one JSON object for CI with --json, and exits the same way", async () => {
    const result = await runInChild([STACK, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ stack: STACK, ok: false, counts: { fail: 5, skipped: 3 } });
    expect(report.checks[0]).toEqual({
      id: "credentials.digitalocean",
      group: "Credentials",
      title: "DigitalOcean token",
      status: "fail",
      detail: "DIGITALOCEAN_TOKEN or DIGITALOCEAN_ACCESS_TOKEN is not set",
      fix: "export DIGITALOCEAN_TOKEN=<a token of the environment's team>   (README: The tokens, exactly)",
    });
  }, 60_000);

  it("needs the stack named, and a stack file for it", async () => {
    expect(await run([])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("usage: pnpm preflight <staging|production>") as unknown,
    });
    expect(await run(["qa"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("No stack file") as unknown,
    });
    expect(await run(["--help"])).toMatchObject({ code: 0 });
  }, 60_000);
});
