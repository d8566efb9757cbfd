// Each provider's preflight checks against the stand-in APIs, one answer changed at a time: every
// way a check can fail, be confirmed by hand or pass, and what it then says to do.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stackFilePath } from "../../tools/mock/run-stack.ts";
import type { PlatformConfig } from "../../stacks/config/load.ts";
import { apiAppSpec, plannedVpcId } from "../../tools/preflight/app-spec.ts";
import { accountCheck, callerIdentity, s3BackendCheck } from "../../tools/preflight/aws.ts";
import { expectedBackendCheck, reachableCheck } from "../../tools/preflight/backend.ts";
import { type Check, renderText, reportOf } from "../../tools/preflight/check.ts";
import { cloudflareChecks, rulesetImportFile } from "../../tools/preflight/cloudflare.ts";
import { apiBases, type Backend, currentBackend } from "../../tools/preflight/credentials.ts";
import { digitalOceanChecks } from "../../tools/preflight/digitalocean.ts";
import { gitHubChecks, tierOfPlan } from "../../tools/preflight/github.ts";
import { apiClient, callApi, describeAnswer } from "../../tools/preflight/http.ts";
import {
  planBoth,
  plannedApps,
  plannedRepository,
  plannedRecords,
  plannedRulesets,
  plannedVpcs,
  type Plans,
} from "../../tools/preflight/plans.ts";
import { runPreflight } from "../../tools/preflight/preflight.ts";
import { readStackSettings } from "../../tools/preflight/stack-settings.ts";
import {
  DEPLOY_VARIABLES,
  type FakeProviderApis,
  PROVIDER_SECRETS,
  preflightEnv,
  readyStagingWorld,
  startFakeProviderApis,
  type World,
} from "../support/fake-provider-apis.ts";
import { sharedPlans } from "../support/preflight-plans.ts";

let apis: FakeProviderApis;
let world: World;
let plans: Plans;
let config: PlatformConfig;
const home = mkdtempSync(path.join(tmpdir(), "preflight-providers-"));
/** The tokens this "shell" holds: a world whose API accepts others refuses them. */
const SENT = readyStagingWorld();
/** A port nothing listens on: the API there never answers. */
const CLOSED = "http://127.0.0.1:9";

function manifest() {
  if (!plans.stack.ok) throw new Error(plans.stack.message);
  return plans.stack.manifest;
}

function bootstrapManifest() {
  if (!plans.bootstrap.ok) throw new Error(plans.bootstrap.message);
  return plans.bootstrap.manifest;
}

function byId(checks: Check[], id: string): Check {
  const found = checks.find((check) => check.id === id);
  if (found === undefined)
    throw new Error(`no ${id} in ${checks.map((check) => check.id).join(", ")}`);
  return found;
}

/** A zone entry point the stack created itself: its name is the program's. */
const OWN_WAF = {
  id: "r-1",
  name: "platform waf",
  kind: "zone",
  phase: "http_request_firewall_managed",
};

/** The ready world with `change` applied. */
function worldWith(change: (draft: World) => void): World {
  const draft = readyStagingWorld();
  change(draft);
  return draft;
}

beforeAll(async () => {
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  world = readyStagingWorld();
  apis = await startFakeProviderApis(() => world);
  plans = await sharedPlans();
  const read = readStackSettings("staging", stackFilePath("staging"));
  if (!read.ok) throw new Error(read.message);
  config = read.settings.config;
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await apis.close();
});

describe("DigitalOcean", () => {
  function ask(current: World, base = apis.endpoints.DIGITALOCEAN_API_URL ?? "") {
    world = current;
    return digitalOceanChecks({
      client: apiClient(base, { authorization: `Bearer ${SENT.digitalocean.token}` }),
      stack: "staging",
      config,
      apps: plannedApps(manifest()),
      vpcs: plannedVpcs(manifest()),
    });
  }

  it.each([
    [
      "a token DigitalOcean refuses",
      (draft: World) => (draft.digitalocean.token = "dop_v1_other"),
      "DigitalOcean refused the token (HTTP 401: Unable to authenticate you.)",
    ],
    [
      "a token without account:read",
      (draft: World) => (draft.failures = { "do GET /v2/account": 403 }),
      "scope account:read is missing",
    ],
    [
      "an API in trouble",
      (draft: World) => (draft.failures = { "do GET /v2/account": 500 }),
      "GET /v2/account answered HTTP 500",
    ],
    [
      "a personal token",
      (draft: World) => (draft.digitalocean.team = undefined),
      "acts for platform-staging@example.com personally",
    ],
    [
      "another team's token",
      (draft: World) => (draft.digitalocean.team = { uuid: "u-1", name: "acme-production" }),
      'lives in team "acme-staging" (platform:digitalocean.team), but the token belongs to team "acme-production" (u-1)',
    ],
  ])("stops at %s, and runs nothing else", async (_, change, detail) => {
    const checks = await ask(worldWith(change));
    expect(checks.map((check) => check.status)).toEqual(["fail", "skipped"]);
    expect(checks[0]?.detail).toContain(detail);
  });

  it("names the list call that failed for another reason than a missing scope", async () => {
    const checks = await ask(worldWith((draft) => (draft.failures = { "do GET /v2/sizes": 502 })));
    expect(byId(checks, "digitalocean.scopes").detail).toBe("GET /v2/sizes answered HTTP 502");
  });

  it("recognises the stack's own registry, and refuses to add a second one to a team", async () => {
    const own = await ask(
      worldWith((draft) => (draft.digitalocean.registries = ["acme-platform-staging"])),
    );
    expect(byId(own, "digitalocean.registry")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("already the team's") as unknown,
    });
    const other = await ask(worldWith((draft) => (draft.digitalocean.registries = ["legacy"])));
    expect(byId(other, "digitalocean.registry")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("pulumi config set --path registry.name 'legacy'") as unknown,
    });
    const unlisted = await ask(
      worldWith((draft) => (draft.digitalocean.missingScopes = ["registry:read"])),
    );
    expect(byId(unlisted, "digitalocean.registry").status).toBe("skipped");
  });

  it("says how full the stack's registry is, and how to free it before a push is refused", async () => {
    const ofWorld = (registryStorage: World["digitalocean"]["registryStorage"]) =>
      ask(
        worldWith((draft) => {
          draft.digitalocean.registries = ["acme-platform-staging"];
          draft.digitalocean.registryStorage = registryStorage;
        }),
      );
    const roomy = await ofWorld({ usedBytes: 2 ** 30, includedBytes: 5 * 2 ** 30, overage: false });
    expect(byId(roomy, "digitalocean.registry")).toMatchObject({
      status: "pass",
      detail:
        "already the team's registry (created by this stack): 1.00 GiB of the 5.00 GiB the Basic tier includes",
    });
    const nearlyFull = { usedBytes: 4.6 * 2 ** 30, includedBytes: 5 * 2 ** 30 };
    const full = await ofWorld({ ...nearlyFull, overage: false });
    expect(byId(full, "digitalocean.registry")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(
        "a deploy's push would be refused once it is full",
      ) as unknown,
      fix: expect.stringMatching(
        /^in a quiet moment: doctl registry garbage-collection start --include-untagged-manifests acme-platform-staging .*; or a tier with more storage: pulumi config set --path registry.tier professional$/,
      ) as unknown,
    });
    const billed = await ofWorld({ ...nearlyFull, overage: true });
    expect(byId(billed, "digitalocean.registry")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("above it each GiB is billed (2 cents a month)") as unknown,
    });
  });

  it.each([
    [403 as const, "scope registry:create is missing"],
    [500 as const, "answered HTTP 500: registry name is not available"],
  ])("fails when the name check answers %d", async (status, detail) => {
    const checks = await ask(worldWith((draft) => (draft.digitalocean.validateName = status)));
    expect(byId(checks, "digitalocean.registry").detail).toContain(detail);
  });

  it("reports the first problem App Platform finds in a spec", async () => {
    const checks = await ask(
      worldWith(
        (draft) =>
          (draft.digitalocean.proposeError = {
            status: 400,
            message: "services[0].instance_size_slug: unknown size",
          }),
      ),
    );
    expect(byId(checks, "digitalocean.app-spec.platform-staging-fra")).toMatchObject({
      status: "fail",
      detail:
        "App Platform refused the spec: HTTP 400: services[0].instance_size_slug: unknown size",
    });
    expect(byId(checks, "digitalocean.app-vpc.platform-staging-fra").status).toBe("skipped");
  });

  it("refuses an app name another app of the team holds, with App Platform's suggestion", async () => {
    const checks = await ask(worldWith((draft) => (draft.digitalocean.appNameTaken = true)));
    expect(byId(checks, "digitalocean.app-spec.platform-staging-fra")).toMatchObject({
      status: "fail",
      fix: 'rename or delete that app (App Platform suggests "platform-staging-fra-2")',
    });
  });

  it("proposes an update of the deployed app, in its own VPC, and trusts the addresses it accepted", async () => {
    const checks = await ask(
      worldWith((draft) => {
        draft.digitalocean.apps = [
          {
            id: "app-1",
            name: "platform-staging-fra",
            alertEmails: ["platform-staging@example.com"],
          },
        ];
        draft.digitalocean.email = "admin@example.com";
        draft.digitalocean.vpcs.push({
          id: "vpc-own",
          name: "platform-staging-fra1",
          region: "fra1",
          default: false,
        });
      }),
    );
    expect(byId(checks, "digitalocean.app-spec.platform-staging-fra").detail).toBe(
      "App Platform accepts it as an update of the existing app (about $29 a month)",
    );
    expect(byId(checks, "digitalocean.app-vpc.platform-staging-fra").detail).toBe(
      'the proposed spec keeps its VPC, "platform-staging-fra1"',
    );
    expect(byId(checks, "digitalocean.alert-emails").status).toBe("pass");
    const proposal = apis.requests.filter(({ path: url }) => url === "/do/v2/apps/propose").at(-1);
    expect(JSON.parse(proposal?.body ?? "{}")).toMatchObject({
      app_id: "app-1",
      spec: { vpc: { id: "vpc-own" } },
    });
  });

  it("asks to confirm App Platform VPC when the datacenter has no VPC to propose with", async () => {
    const checks = await ask(worldWith((draft) => (draft.digitalocean.vpcs = [])));
    expect(byId(checks, "digitalocean.app-vpc.platform-staging-fra")).toMatchObject({
      status: "confirm",
      fix: expect.stringContaining("App Platform VPC is enabled for the team") as unknown,
    });
  });

  it("says when the API does not answer at all", async () => {
    const checks = await ask(readyStagingWorld(), CLOSED);
    expect(checks).toEqual([
      expect.objectContaining({
        id: "digitalocean.reachable",
        status: "fail",
        detail: expect.stringContaining("no answer from http://127.0.0.1:9") as unknown,
      }),
    ]);
  });
});

describe("Cloudflare", () => {
  function ask(current: World, options: { plan?: string; base?: string } = {}) {
    world = current;
    return cloudflareChecks({
      client: apiClient(options.base ?? apis.endpoints.CLOUDFLARE_BASE_URL ?? "", {
        authorization: `Bearer ${SENT.cloudflare.token}`,
      }),
      stack: "staging",
      config: {
        ...config,
        edge: {
          ...config.edge,
          plan: (options.plan ?? config.edge.plan) as PlatformConfig["edge"]["plan"],
        },
      },
      rulesets: plannedRulesets(manifest()),
      records: plannedRecords(manifest()),
    });
  }

  it("verifies an account-owned token where user tokens are verified elsewhere", async () => {
    const { checks } = await ask(worldWith((draft) => (draft.cloudflare.owner = "account")));
    expect(byId(checks, "cloudflare.token")).toMatchObject({
      status: "pass",
      detail: "active (an account token)",
    });
  });

  it("stops at a refused or disabled token", async () => {
    const refused = await ask(worldWith((draft) => (draft.cloudflare.token = "cf-other")));
    expect(refused.checks.map((check) => check.status)).toEqual(["fail", "skipped"]);
    expect(refused.checks[0]?.detail).toBe(
      "Cloudflare refused the token (HTTP 401: Invalid API Token (1000))",
    );
    const disabled = await ask(worldWith((draft) => (draft.cloudflare.status = "disabled")));
    expect(disabled.checks[0]?.detail).toBe("the token is disabled");
  });

  it("refuses a zone the token cannot read, or one of another name and account", async () => {
    const unreadable = await ask(worldWith((draft) => (draft.cloudflare.zone = undefined)));
    expect(byId(unreadable.checks, "cloudflare.zone").detail).toContain(
      "the token cannot read zone 00112233445566778899aabbccddeeff",
    );
    const other = await ask(
      worldWith((draft) => {
        if (draft.cloudflare.zone === undefined) return;
        draft.cloudflare.zone.name = "example.org";
        draft.cloudflare.zone.accountId = "ffffffffffffffffffffffffffffffff";
      }),
    );
    const zone = byId(other.checks, "cloudflare.zone");
    expect(zone.detail).toBe(
      "zone 00112233445566778899aabbccddeeff is example.org, not example-staging.com (platform:domain.zone); the zone belongs to account ffffffffffffffffffffffffffffffff, not 0123456789abcdef0123456789abcdef (platform:edge.accountId)",
    );
    expect(zone.fix).toContain(
      "pulumi config set --path edge.accountId 'ffffffffffffffffffffffffffffffff'",
    );
  });

  it("refuses a plan above the zone's, and passes one below it", async () => {
    const above = await ask(readyStagingWorld(), { plan: "pro" });
    expect(byId(above.checks, "cloudflare.zone")).toMatchObject({
      status: "fail",
      fix: "pulumi config set --path edge.plan free   (or upgrade the zone to pro)",
    });
    const below = await ask(
      worldWith((draft) => {
        if (draft.cloudflare.zone !== undefined) draft.cloudflare.zone.plan = "business";
      }),
    );
    expect(byId(below.checks, "cloudflare.zone").detail).toContain(
      "(edge.plan free uses less than the zone's plan allows)",
    );
  });

  it("names each permission the token lacks by the dashboard's name", async () => {
    const { checks } = await ask(
      worldWith((draft) => (draft.cloudflare.forbidden = ["dns_records", "policies", "rulesets"])),
    );
    expect(byId(checks, "cloudflare.permissions").detail).toBe(
      "the token may not read: DNS, the zone's rulesets (Zone WAF, Transform Rules, Cache Rules, Config Rules), Notifications",
    );
    expect(byId(checks, "cloudflare.rulesets").status).toBe("skipped");
  });

  it("knows the add-on from existing pools, and asks to confirm it when billing is out of the token's reach", async () => {
    const pools = await ask(
      worldWith((draft) => {
        draft.cloudflare.pools = 2;
        draft.cloudflare.subscriptions = [];
      }),
    );
    expect(byId(pools.checks, "cloudflare.load-balancing").detail).toBe(
      "the account already has 2 load balancer pool(s)",
    );
    const hidden = await ask(worldWith((draft) => (draft.cloudflare.subscriptions = "forbidden")));
    expect(byId(hidden.checks, "cloudflare.load-balancing")).toMatchObject({
      status: "confirm",
      fix: expect.stringContaining("add Billing: Read to the token") as unknown,
    });
  });

  it("recognises the stack's own rulesets, and names their parent by URN when it exists", async () => {
    const ownOnly = await ask(worldWith((draft) => (draft.cloudflare.rulesets = [OWN_WAF])));
    expect(byId(ownOnly.checks, "cloudflare.rulesets").detail).toBe(
      "1 of 6 are the stack's own; the other phases have none yet",
    );
    const mixed = await ask(
      worldWith(
        (draft) =>
          (draft.cloudflare.rulesets = [
            OWN_WAF,
            {
              id: "r-2",
              name: "dashboard cache rules",
              kind: "zone",
              phase: "http_request_cache_settings",
            },
          ]),
      ),
    );
    expect(mixed.importFile).toEqual({
      nameTable: {
        "edge-rules": "urn:pulumi:staging::platform::platform:edge:EdgeRules::edge-rules",
      },
      resources: [
        {
          type: "cloudflare:index/ruleset:Ruleset",
          name: "edge-rules-cache",
          id: "zones/00112233445566778899aabbccddeeff/r-2",
          version: "6.22.1",
          parent: "edge-rules",
        },
      ],
    });
  });

  it("counts an adopted ruleset as the stack's own once an `up` has marked it, though it keeps its name", async () => {
    const dashboardWaf = { ...OWN_WAF, name: "default", description: "" };
    const imported = await ask(worldWith((draft) => (draft.cloudflare.rulesets = [dashboardWaf])));
    expect(byId(imported.checks, "cloudflare.rulesets")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("keeps their names, and marks them") as unknown,
    });
    const marked = await ask(
      worldWith(
        (draft) => (draft.cloudflare.rulesets = [{ ...dashboardWaf, description: "platform waf" }]),
      ),
    );
    expect(byId(marked.checks, "cloudflare.rulesets")).toMatchObject({
      status: "pass",
      detail: "1 of 6 are the stack's own; the other phases have none yet",
    });
    expect(marked.importFile).toBeUndefined();
  });

  it("finds another record on a hostname the stack gives a CNAME, and knows its own by the comment", async () => {
    const [planned] = plannedRecords(manifest());
    expect(planned?.name).toBe("assets.example-staging.com");
    const record = {
      id: "d-1",
      name: "assets.example-staging.com",
      type: "A",
      content: "203.0.113.7",
    };
    const taken = await ask(worldWith((draft) => (draft.cloudflare.dnsRecords = [record])));
    expect(byId(taken.checks, "cloudflare.dns-records")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("assets.example-staging.com: A 203.0.113.7 (d-1)") as unknown,
    });
    const own = await ask(
      worldWith(
        (draft) =>
          (draft.cloudflare.dnsRecords = [
            { ...record, type: "CNAME", content: "bucket", comment: planned?.comment ?? "" },
          ]),
      ),
    );
    expect(byId(own.checks, "cloudflare.dns-records").status).toBe("pass");
    // Its comment edited in the dashboard, the stack's record is still known by its target.
    const edited = await ask(
      worldWith(
        (draft) =>
          (draft.cloudflare.dnsRecords = [
            { ...record, type: "CNAME", content: planned?.content ?? "", comment: "edited" },
          ]),
      ),
    );
    expect(planned?.content).toBe("assets.example-staging.com.s3.eu-central-1.amazonaws.com");
    expect(byId(edited.checks, "cloudflare.dns-records").status).toBe("pass");
    const hidden = await ask(worldWith((draft) => (draft.cloudflare.forbidden = ["dns_records"])));
    expect(byId(hidden.checks, "cloudflare.dns-records").status).toBe("skipped");
  });

  it("says when the API does not answer at all", async () => {
    const { checks } = await ask(readyStagingWorld(), { base: CLOSED });
    expect(checks.map((check) => check.id)).toEqual(["cloudflare.reachable"]);
  });
});

describe("rulesetImportFile", () => {
  it("creates every component above a ruleset, parents first, when none exists yet", () => {
    const file = rulesetImportFile(
      "z",
      [
        {
          rulesetId: "r",
          planned: {
            name: "edge-rules-waf",
            rulesetName: "platform waf",
            rulesetDescription: "platform waf",
            phase: "http_request_firewall_managed",
            ancestors: [
              { type: "platform:edge:Edge", name: "edge", urn: "urn:a" },
              { type: "platform:edge:EdgeRules", name: "edge-rules", urn: "urn:b" },
            ],
          },
        },
      ],
      false,
    );
    expect(file).toEqual({
      resources: [
        { type: "platform:edge:Edge", name: "edge", component: true },
        { type: "platform:edge:EdgeRules", name: "edge-rules", component: true, parent: "edge" },
        {
          type: "cloudflare:index/ruleset:Ruleset",
          name: "edge-rules-waf",
          id: "zones/z/r",
          version: "6.22.1",
          parent: "edge-rules",
        },
      ],
    });
  });

  it("leaves the parent out for a ruleset at the top of the stack", () => {
    expect(
      rulesetImportFile(
        "z",
        [
          {
            rulesetId: "r",
            planned: {
              name: "top",
              rulesetName: "top",
              rulesetDescription: "top",
              phase: "p",
              ancestors: [],
            },
          },
        ],
        false,
      ),
    ).toEqual({
      resources: [
        {
          type: "cloudflare:index/ruleset:Ruleset",
          name: "top",
          id: "zones/z/r",
          version: "6.22.1",
        },
      ],
    });
  });
});

describe("GitHub", () => {
  function ask(
    current: World,
    options: { stack?: string; planned?: "failed"; base?: string } = {},
  ) {
    world = current;
    return gitHubChecks({
      client: apiClient(options.base ?? apis.endpoints.GITHUB_BASE_URL ?? "", {
        authorization: `Bearer ${SENT.github.token}`,
      }),
      owner: "acme",
      repository: "platform",
      planned:
        options.planned === "failed"
          ? { ok: false, message: 'Stack "identity" has 1 config problem' }
          : {
              ok: true,
              repository: plannedRepository(bootstrapManifest(), options.stack ?? "staging"),
            },
      backendSecrets: ["PULUMI_ACCESS_TOKEN"],
    });
  }

  function privateRepository(
    draft: World,
    plan: string | undefined,
    ownerType: "Organization" | "User" = "Organization",
  ) {
    draft.github.repository = { owner: "acme", name: "platform", private: true, ownerType };
    draft.github.plan = plan;
  }

  it("stops at a refused token, or a repository it cannot see", async () => {
    const refused = await ask(worldWith((draft) => (draft.github.token = "other")));
    expect(refused[0]?.detail).toBe("GitHub refused the token (HTTP 401: Bad credentials)");
    const hidden = await ask(worldWith((draft) => (draft.github.repository = undefined)));
    expect(hidden.map((check) => check.status)).toEqual(["fail", "skipped"]);
    expect(hidden[0]?.detail).toBe("not found, or the token cannot see it (HTTP 404: Not Found)");
  });

  it("refuses required reviewers on a private repository below Enterprise (production's approvals)", async () => {
    const checks = await ask(
      worldWith((draft) => {
        privateRepository(draft, "team");
      }),
      { stack: "production" },
    );
    expect(byId(checks, "github.plan")).toMatchObject({
      status: "fail",
      detail:
        'the repository is private and acme is on "team": GitHub refuses required reviewers there',
      fix: expect.stringContaining(
        "move acme to GitHub Enterprise, or make the repository public, or (not recommended) drop production's reviewers",
      ) as unknown,
    });
    const enterprise = await ask(
      worldWith((draft) => {
        privateRepository(draft, "enterprise");
      }),
      { stack: "production" },
    );
    expect(byId(enterprise, "github.plan").status).toBe("pass");
  });

  it("asks to confirm a plan GitHub shows only to owners, or one it does not know", async () => {
    const hidden = await ask(
      worldWith((draft) => {
        privateRepository(draft, undefined);
      }),
      { stack: "production" },
    );
    expect(byId(hidden, "github.plan")).toMatchObject({
      status: "confirm",
      fix: "confirm acme is on GitHub Enterprise (Settings → Billing and plans), or make the repository public",
    });
    const unknown = await ask(
      worldWith((draft) => {
        privateRepository(draft, "medium");
      }),
    );
    expect(byId(unknown, "github.plan").detail).toContain(
      'the plan "medium" is not one preflight knows',
    );
  });

  it("reads a personal repository's plan from the user", async () => {
    const checks = await ask(
      worldWith((draft) => {
        privateRepository(draft, "pro", "User");
      }),
    );
    expect(byId(checks, "github.plan").detail).toBe(
      'private, on "pro", which has environments, deployment branch and tag policies, rulesets',
    );
  });

  it("names what an environment lacks, and a token that may not read environments", async () => {
    const checks = await ask(
      worldWith((draft) => {
        draft.github.environments.staging = { variables: ["AWS_REGION"], secrets: [] };
        draft.github.environments["staging-preview"] = "forbidden";
      }),
    );
    expect(byId(checks, "github.environment.staging")).toMatchObject({
      detail: `variables missing: ${DEPLOY_VARIABLES.filter((name) => name !== "AWS_REGION").join(", ")}; secrets missing: DIGITALOCEAN_TOKEN, CLOUDFLARE_API_TOKEN, PLATFORM_GITHUB_TOKEN, PULUMI_ACCESS_TOKEN`,
      fix: expect.stringMatching(
        /^apply the bootstrap again: it writes those variables\ngh secret set DIGITALOCEAN_TOKEN --env staging --repo acme\/platform/,
      ) as unknown,
    });
    expect(byId(checks, "github.environment.staging-preview")).toMatchObject({
      status: "fail",
      detail:
        "the token may not read it (HTTP 403: Resource not accessible by personal access token)",
    });
  });

  it("names a variable the bootstrap did not write, and an environment's secrets it may not list", async () => {
    const checks = await ask(
      worldWith((draft) => {
        draft.github.environments.staging = {
          variables: ["AWS_ROLE_ARN", "AWS_REGION", "PULUMI_STACK"],
          secrets: [...PROVIDER_SECRETS, "PULUMI_ACCESS_TOKEN"],
        };
        draft.failures = { "gh GET /repos/acme/platform/environments/staging-drift/secrets": 403 };
      }),
    );
    expect(byId(checks, "github.environment.staging")).toMatchObject({
      detail: "variables missing: PULUMI_BACKEND_URL",
      fix: "apply the bootstrap again: it writes those variables",
    });
    expect(byId(checks, "github.environment.staging-drift").detail).toBe(
      "the token may not read it (HTTP 403: failure injected by the test)",
    );
  });

  it("names every backend credential held at the repository level", async () => {
    const checks = await ask(
      worldWith(
        (draft) =>
          (draft.github.repositorySecrets = [
            "PULUMI_ACCESS_TOKEN",
            "PULUMI_CONFIG_PASSPHRASE",
            "OTHER",
          ]),
      ),
    );
    expect(byId(checks, "github.repository-secrets").detail).toMatch(
      /^PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE are repository secrets: /,
    );
  });

  it("asks to confirm repository secrets a token without Secrets: Read cannot list", async () => {
    const checks = await ask(worldWith((draft) => (draft.github.repositorySecrets = "forbidden")));
    expect(byId(checks, "github.repository-secrets").status).toBe("confirm");
  });

  it("reports a bootstrap config that does not plan, and still checks repository secrets", async () => {
    const checks = await ask(readyStagingWorld(), { planned: "failed" });
    expect(checks.map((check) => check.id)).toEqual([
      "github.repository",
      "github.bootstrap",
      "github.repository-secrets",
    ]);
  });

  it("says when the API does not answer at all", async () => {
    const checks = await ask(readyStagingWorld(), { base: CLOSED });
    expect(checks.map((check) => check.id)).toEqual(["github.reachable"]);
  });

  it.each([
    ["enterprise", "enterprise"],
    ["business", "enterprise"],
    ["team", "pro-or-team"],
    ["pro", "pro-or-team"],
    ["free", "free"],
    ["medium", undefined],
  ])("reads the plan %s as %s", (name, tier) => {
    expect(tierOfPlan(name)).toBe(tier);
  });
});

describe("AWS and the state backend", () => {
  const env = () => preflightEnv(apis, world, home);

  it("says whose credentials AWS refused, without calling them missing", async () => {
    world = readyStagingWorld();
    const identity = await callerIdentity(
      {
        ...env(),
        AWS_ACCESS_KEY_ID: "AKIAUNKNOWN",
        AWS_SESSION_TOKEN: "session",
        AWS_PROFILE: "staging-admin",
      },
      "eu-central-1",
    );
    expect(identity).toMatchObject({ ok: false, missing: false });
    expect(accountCheck("staging", "111111111111", identity)).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("InvalidClientTokenId") as unknown,
    });
  });

  it.each([
    [403 as const, "these credentials may not read it"],
    [301 as const, "the bucket is in another region"],
    [undefined, "no such bucket"],
  ])("answers a HeadBucket of %s with what to do", async (status, detail) => {
    world = worldWith(
      (draft) =>
        (draft.aws.buckets = status === undefined ? {} : { "acme-pulumi-state-staging": status }),
    );
    const check = await s3BackendCheck(env(), {
      bucket: "acme-pulumi-state-staging",
      region: "eu-central-1",
      endpoint: apis.endpoints.S3_ENDPOINT,
      forcePathStyle: true,
      profile: undefined,
    });
    expect(check.status).toBe("fail");
    expect(check.detail).toContain(detail);
  });

  it("names any other S3 failure", async () => {
    world = readyStagingWorld();
    const check = await s3BackendCheck(env(), {
      bucket: "b",
      region: "eu-central-1",
      endpoint: CLOSED,
      forcePathStyle: true,
      profile: "staging-admin",
    });
    expect(check.status).toBe("fail");
    expect(check.fix).toBe("check the network, the credentials and the backend URL");
  });

  it("compares the backend in use with the bootstrap's", () => {
    const s3 = currentBackend({
      PULUMI_BACKEND_URL: "s3://acme-pulumi-state-staging?region=eu-central-1",
    });
    expect(
      expectedBackendCheck(s3, "s3://acme-pulumi-state-staging?region=eu-central-1")?.status,
    ).toBe("pass");
    const cloud = currentBackend({ PULUMI_BACKEND_URL: "https://api.pulumi.com", HOME: home });
    expect(
      expectedBackendCheck(cloud, "s3://acme-pulumi-state-staging?region=eu-central-1"),
    ).toMatchObject({
      status: "fail",
      fix: "pulumi login 's3://acme-pulumi-state-staging?region=eu-central-1'   (CI: the environment's PULUMI_BACKEND_URL, which the bootstrap writes)",
    });
    expect(expectedBackendCheck(s3, "not a url")?.status).toBe("fail");
    expect(expectedBackendCheck(cloud, undefined)).toBeUndefined();
    expect(expectedBackendCheck({ kind: "none" }, "s3://x")).toBeUndefined();
  });

  it("asks Pulumi Cloud who the token is, and says when it refuses or does not answer", async () => {
    world = readyStagingWorld();
    const cloud = (
      token: string | undefined,
      url = apis.endpoints.PULUMI_CLOUD_URL ?? "",
    ): Backend => ({ kind: "cloud", url, source: "test", token });
    expect(await reachableCheck({}, cloud("pul-ready"), "eu-central-1")).toMatchObject({
      status: "pass",
      detail: "answers as platform-admin",
    });
    expect(await reachableCheck({}, cloud("pul-other"), "eu-central-1")).toMatchObject({
      status: "fail",
      detail: "refused the token (HTTP 401)",
    });
    expect(await reachableCheck({}, cloud("pul-ready", CLOSED), "eu-central-1")).toMatchObject({
      status: "fail",
    });
    expect(await reachableCheck({}, cloud(undefined), "eu-central-1")).toBeUndefined();
  });

  it("checks a local backend's directory, and leaves other backends to be confirmed", async () => {
    expect(
      await reachableCheck(
        {},
        { kind: "file", url: `file://${home}`, source: "t", directory: home },
        "r",
      ),
    ).toMatchObject({ status: "pass" });
    expect(
      await reachableCheck(
        {},
        { kind: "file", url: "file:///nowhere", source: "t", directory: "/nowhere" },
        "r",
      ),
    ).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("mkdir -p '/nowhere'") as unknown,
    });
    expect(
      await reachableCheck({}, { kind: "other", url: "gs://b", source: "t" }, "r"),
    ).toMatchObject({ status: "confirm" });
    expect(await reachableCheck({}, { kind: "none" }, "r")).toBeUndefined();
  });
});

describe("currentBackend", () => {
  it("reads an S3-compatible server's URL as the CLI does", () => {
    expect(
      currentBackend({
        PULUMI_BACKEND_URL:
          "s3://state?endpoint=minio.local:9000&disableSSL=true&s3ForcePathStyle=true&profile=ops",
      }),
    ).toEqual({
      kind: "s3",
      url: "s3://state?endpoint=minio.local:9000&disableSSL=true&s3ForcePathStyle=true&profile=ops",
      source: "PULUMI_BACKEND_URL",
      bucket: "state",
      region: undefined,
      endpoint: "http://minio.local:9000",
      forcePathStyle: true,
      profile: "ops",
    });
    expect(currentBackend({ PULUMI_BACKEND_URL: "s3://state?endpoint=minio.local" })).toMatchObject(
      { endpoint: "https://minio.local" },
    );
  });

  it("falls back to `pulumi login`, with its token for Pulumi Cloud", () => {
    const pulumiHome = mkdtempSync(path.join(tmpdir(), "pulumi-home-"));
    writeFileSync(
      path.join(pulumiHome, "credentials.json"),
      JSON.stringify({
        current: "https://api.pulumi.com",
        accessTokens: { "https://api.pulumi.com": "pul-from-login" },
      }),
    );
    expect(currentBackend({ PULUMI_HOME: pulumiHome })).toEqual({
      kind: "cloud",
      url: "https://api.pulumi.com",
      source: "pulumi login",
      token: "pul-from-login",
    });
    writeFileSync(path.join(pulumiHome, "credentials.json"), JSON.stringify({ current: 42 }));
    expect(currentBackend({ PULUMI_HOME: pulumiHome })).toEqual({ kind: "none" });
  });

  it("takes Pulumi Cloud when only PULUMI_ACCESS_TOKEN is set, as the CLI does", () => {
    expect(currentBackend({ HOME: home, PULUMI_ACCESS_TOKEN: "pul-ci" })).toEqual({
      kind: "cloud",
      url: "https://api.pulumi.com",
      source: "PULUMI_ACCESS_TOKEN",
      token: "pul-ci",
    });
  });

  it("knows local and other backends, and keeps a URL it cannot parse as it is", () => {
    expect(currentBackend({ PULUMI_BACKEND_URL: "file:///var/state" })).toMatchObject({
      kind: "file",
      directory: "/var/state",
    });
    expect(currentBackend({ PULUMI_BACKEND_URL: "gs://bucket" })).toMatchObject({ kind: "other" });
    expect(currentBackend({ PULUMI_BACKEND_URL: "not a url" })).toMatchObject({
      kind: "other",
      url: "not a url",
    });
  });
});

describe("the whole preflight, around the providers", () => {
  function stackFile(change: (text: string) => string): string {
    const file = path.join(
      mkdtempSync(path.join(tmpdir(), "preflight-stack-")),
      "Pulumi.staging.yaml",
    );
    writeFileSync(file, change(readFileSync(stackFilePath("staging"), "utf8")));
    return file;
  }

  async function preflight(
    file: string,
    extra: Record<string, string | undefined>,
    given: Plans = plans,
  ) {
    world = readyStagingWorld();
    return runPreflight({
      stack: "staging",
      stackFile: file,
      env: preflightEnv(apis, world, home, extra),
      plans: () => Promise.resolve(given),
    });
  }

  it("lists the config's problems as pnpm plan does, and asks the providers nothing", async () => {
    const report = await preflight(
      stackFile((text) => text.replace("primary: fra1", "primary: fra2")),
      {},
    );
    expect(byId(report.checks, "stack.config")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("platform:regions.primary") as unknown,
    });
    expect(report.checks.at(-1)?.id).toBe("stack.providers");
  });

  it("stops at an offline plan that fails", async () => {
    const report = await preflight(
      stackFilePath("staging"),
      {},
      { stack: { ok: false, message: "boom" }, bootstrap: plans.bootstrap },
    );
    expect(byId(report.checks, "stack.plan")).toMatchObject({ status: "fail", detail: "boom" });
  });

  it("needs the passphrase of a stack whose secrets use one, and names it in each environment", async () => {
    const file = stackFile((text) => `encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB\n${text}`);
    const without = await preflight(file, {});
    expect(byId(without.checks, "credentials.passphrase").status).toBe("fail");
    expect(byId(without.checks, "github.environment.staging").detail).toBe(
      "secrets missing: PULUMI_CONFIG_PASSPHRASE",
    );
    const withIt = await preflight(file, { PULUMI_CONFIG_PASSPHRASE: "correct horse" });
    expect(byId(withIt.checks, "credentials.passphrase").status).toBe("pass");
    // A passphrase stack names its provider: nothing to fall back to.
    expect(withIt.checks.some((check) => check.id === "credentials.secrets-provider")).toBe(false);
  });

  it("reads a KMS secrets provider from the stack file, which needs no passphrase", async () => {
    const report = await preflight(
      stackFile(
        (text) =>
          `secretsprovider: awskms://alias/platform-staging-secrets?region=eu-central-1\n${text}`,
      ),
      {},
    );
    expect(report.checks.some((check) => check.id === "credentials.passphrase")).toBe(false);
  });

  it("refuses a GITHUB_OWNER that would send the stack's writes to another owner", async () => {
    const report = await preflight(stackFilePath("staging"), { GITHUB_OWNER: "someone-else" });
    expect(byId(report.checks, "credentials.github-owner")).toMatchObject({
      status: "fail",
      fix: "unset GITHUB_OWNER",
    });
  });

  it("needs a Pulumi Cloud token, and then asks Pulumi Cloud", async () => {
    const cloud = apis.endpoints.PULUMI_CLOUD_URL ?? "";
    const without = await preflight(stackFilePath("staging"), { PULUMI_BACKEND_URL: cloud });
    expect(byId(without.checks, "credentials.backend").status).toBe("fail");
    expect(byId(without.checks, "backend.expected").status).toBe("fail");
    const withIt = await preflight(stackFilePath("staging"), {
      PULUMI_BACKEND_URL: cloud,
      PULUMI_ACCESS_TOKEN: "pul-ready",
    });
    expect(byId(withIt.checks, "backend.reachable").detail).toBe("answers as platform-admin");
    expect(byId(withIt.checks, "github.environment.staging").detail).toBe(
      "secrets missing: PULUMI_ACCESS_TOKEN",
    );
    // Pulumi Cloud encrypts with its own provider when the stack file names none.
    expect(withIt.checks.some((check) => check.id === "credentials.secrets-provider")).toBe(false);
  });

  it("reads `secretsprovider: default` as no provider named, as the CLI does", async () => {
    const report = await preflight(
      stackFile((text) => `secretsprovider: default\n${text}`),
      {},
    );
    expect(byId(report.checks, "credentials.secrets-provider").status).toBe("fail");
  });

  it("without any credential, names each and asks no provider", async () => {
    world = readyStagingWorld();
    apis.requests.length = 0;
    const report = await runPreflight({
      stack: "staging",
      stackFile: stackFilePath("staging"),
      env: { HOME: home, PULUMI_HOME: path.join(home, ".pulumi") },
      plans: () => Promise.resolve(plans),
    });
    expect(
      report.checks.filter((check) => check.status === "fail").map((check) => check.id),
    ).toEqual([
      "credentials.digitalocean",
      "credentials.cloudflare",
      "credentials.github",
      "credentials.aws",
      "credentials.backend",
    ]);
    expect(
      report.checks.filter((check) => check.status === "skipped").map((check) => check.id),
    ).toEqual(["digitalocean.all", "cloudflare.all", "github.all"]);
    expect(apis.requests).toEqual([]);
  });

  it("reads a stack file's secure values without needing them", () => {
    const file = stackFile(
      (text) =>
        `${text}  platform:sentryDsn:\n    secure: v1:AAAA\n  digitalocean:token:\n    secure: v1:BBBB\n`,
    );
    const read = readStackSettings("staging", file);
    expect(read.ok).toBe(true);
  });

  it("plans the stack from another stack file, and reports a plan that fails", async () => {
    const broken = await planBoth(
      "staging",
      stackFile((text) => text.replace("primary: fra1", "primary: fra2")),
    );
    expect(broken.stack).toMatchObject({
      ok: false,
      message: expect.stringContaining("platform:regions.primary") as unknown,
    });
    expect(broken.bootstrap.ok).toBe(true);
  }, 60_000);
});

describe("what the plans declare", () => {
  it("takes each environment of a stack, and its backend, from the bootstrap's plan", () => {
    const staging = plannedRepository(bootstrapManifest(), "staging");
    expect(staging.environments.map((environment) => environment.name)).toEqual([
      "staging",
      "staging-preview",
      "staging-drift",
    ]);
    expect(staging.stateBackend).toEqual({
      url: "s3://acme-pulumi-state-staging?region=eu-central-1",
      secretsProvider: "awskms://alias/platform-staging-secrets?region=eu-central-1",
    });
    expect(plannedRepository(bootstrapManifest(), "elsewhere")).toEqual({
      environments: [],
      rulesets: [
        { name: "protected-branches", target: "branch" },
        { name: "release-tags", target: "tag" },
      ],
    });
  });

  it("names the VPCs the apps join as the stack names them", () => {
    expect(plannedVpcs(manifest())).toEqual([
      { planId: expect.any(String) as unknown, region: "fra1", name: "platform-staging-fra1" },
    ]);
  });
});

describe("the pieces", () => {
  it("turns the plan's App spec into the API's, domains and VPC included", () => {
    const spec = {
      name: "a",
      region: "fra",
      domainNames: [
        { name: "app.example.com", type: "PRIMARY", wildcard: false, minimumTlsVersion: "1.2" },
      ],
      vpcs: [{ id: "plan-vpc" }],
      alerts: [{ rule: "DEPLOYMENT_FAILED", destinations: { emails: ["x@example.com"] } }],
      services: [
        { name: "api", httpPort: 0, internalPorts: [3001], logDestinations: [], extra: undefined },
      ],
    };
    expect(plannedVpcId(spec)).toBe("plan-vpc");
    expect(apiAppSpec(spec, "real-vpc")).toEqual({
      name: "a",
      region: "fra",
      alerts: [{ rule: "DEPLOYMENT_FAILED" }],
      services: [{ name: "api", internal_ports: [3001] }],
      domains: [
        { type: "PRIMARY", wildcard: false, minimum_tls_version: "1.2", domain: "app.example.com" },
      ],
      vpc: { id: "real-vpc" },
    });
    expect(apiAppSpec({ name: "b", domainNames: [{ type: "ALIAS" }] }, undefined)).toEqual({
      name: "b",
      domains: [{ type: "ALIAS", domain: "" }],
    });
    expect(plannedVpcId({ vpcs: [{}] })).toBeUndefined();
    expect(plannedVpcId({})).toBeUndefined();
  });

  it("prints each mark, the fixes under their check, and the verdict", () => {
    const report = reportOf("staging", [
      { id: "a", group: "G", title: "A", status: "pass", detail: "fine" },
      {
        id: "b",
        group: "G",
        title: "B",
        status: "fail",
        detail: "broken\nsecond line",
        fix: "one\ntwo",
      },
      { id: "c", group: "H", title: "C", status: "confirm", detail: "unknown", fix: "look" },
      { id: "d", group: "H", title: "D", status: "skipped", detail: "not run" },
    ]);
    expect(renderText(report)).toBe(
      [
        'Preflight of stack "staging" (read-only: nothing was created, changed or written)',
        "",
        "G",
        "  ✓ A: fine",
        "  ✗ B: broken",
        "      second line",
        "      fix: one",
        "           two",
        "",
        "H",
        "  ? C: unknown",
        "      fix: look",
        "  – D: not run",
        "",
        "1 passed, 1 failed, 1 to confirm by hand, 1 not run.",
        "Fix what failed and run `pnpm preflight` again before `pulumi up`.",
        "",
      ].join("\n"),
    );
    expect(renderText(reportOf("staging", []))).toContain(
      "Nothing failed: `pulumi up` may go ahead",
    );
  });

  it("reads an answer that is not JSON, and names a host that never answers", async () => {
    // STS answers XML: the preflight reads it through AWS's client, never as JSON.
    const xml = await callApi(new URL(`${apis.endpoints.AWS_ENDPOINT_URL_STS ?? ""}/`), {
      headers: {},
    });
    expect(xml).toEqual({ status: 403, body: undefined });
    expect(describeAnswer(xml)).toBe("HTTP 403");
    await expect(callApi(new URL(`${CLOSED}/x`), { headers: {} })).rejects.toThrow(
      "no answer from http://127.0.0.1:9",
    );
  });

  it("asks the providers' own endpoints unless told otherwise", () => {
    expect(apiBases({})).toEqual({
      digitalocean: "https://api.digitalocean.com",
      cloudflare: "https://api.cloudflare.com/client/v4",
      github: "https://api.github.com",
    });
  });
});
