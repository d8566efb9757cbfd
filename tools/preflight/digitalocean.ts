// DigitalOcean, asked with the stack's token: whose team it is, which reads it may make, whether
// the registry name is free or already the team's, whether App Platform accepts each app's spec
// with its VPC, and which alert addresses are known to belong to the team. Paths, scopes and
// answer shapes are DigitalOcean's API reference (digitalocean/openapi, specification/resources/**;
// each operation's `security: bearer_auth` names its scope).
import { z } from "zod";
import type { PlatformConfig } from "../../stacks/config/load.ts";
import { apiAppSpec, plannedVpcId } from "./app-spec.ts";
import { type Check, checksOf } from "./check.ts";
import { type ApiAnswer, type ApiClient, describeAnswer, Unreachable } from "./http.ts";
import type { PlannedApp, PlannedVpc } from "./plans.ts";

const { pass, fail, confirm, skip } = checksOf("DigitalOcean");

const TOKEN_FIX =
  "create a token inside the environment's team (API → Tokens; Full Access, or the scopes in README: The tokens, exactly) and export DIGITALOCEAN_TOKEN";

const ErrorBody = z.object({ message: z.string() });
const messageOf = (answer: ApiAnswer) => ErrorBody.safeParse(answer.body).data?.message;

/**
 * The read scopes the stack's resources need and one list call that each gates (its operation's
 * `security` in the API reference): apps_list → app:read, databases_list_clusters →
 * database:read, registries_list → registry:read, vpcs_list → vpc:read, vpcPeerings_list →
 * vpc_peering:read, projects_list → project:read, uptime_list_checks → uptime:read,
 * regions_list → regions:read, sizes_list → sizes:read, actions_list → actions:read.
 */
export const READ_SCOPE_PROBES = [
  { scope: "app:read", path: "v2/apps?per_page=200" },
  { scope: "database:read", path: "v2/databases" },
  { scope: "registry:read", path: "v2/registries" },
  { scope: "vpc:read", path: "v2/vpcs?per_page=200" },
  { scope: "vpc_peering:read", path: "v2/vpc_peerings?per_page=1" },
  { scope: "project:read", path: "v2/projects?per_page=1" },
  { scope: "uptime:read", path: "v2/uptime/checks?per_page=1" },
  { scope: "regions:read", path: "v2/regions?per_page=1" },
  { scope: "sizes:read", path: "v2/sizes?per_page=1" },
  { scope: "actions:read", path: "v2/actions?per_page=1" },
] as const;

type Probe = (typeof READ_SCOPE_PROBES)[number];
type ProbeAnswers = Record<Probe["scope"], ApiAnswer>;

// account_get: `account.email` is the token's user, `account.team` the team it acts in.
const Account = z.object({
  account: z.object({
    email: z.string(),
    team: z.object({ uuid: z.string(), name: z.string() }).optional(),
  }),
});

// registries_list: `registries[].name`.
const Registries = z.object({
  registries: z
    .array(z.object({ name: z.string(), storage_usage_bytes: z.number().optional() }))
    .default([]),
});
// registries_get_subscription: the tier's included storage, and whether it may be exceeded at a
// price per GiB (subscription_tier.yml).
const Subscription = z.object({
  subscription: z.object({
    tier: z.object({
      name: z.string(),
      slug: z.string(),
      included_storage_bytes: z.number(),
      allow_storage_overage: z.boolean(),
      storage_overage_price_in_cents: z.number().optional(),
    }),
  }),
});

/** Share of the tier's storage above which the check says how to free space. */
const REGISTRY_NEARLY_FULL = 0.9;

const OWN_REGISTRY = "already the team's registry (created by this stack)";

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * How full the stack's registry is. Every deploy pushes its images under the environment's tag,
 * and the image it replaces stays, untagged: DigitalOcean deletes untagged manifests only in a
 * garbage collection (docs.digitalocean.com/products/container-registry/how-to/
 * clean-up-container-registry/), which nothing runs by itself. A tier without overage (starter)
 * then refuses pushes, and the deploy with them; basic and professional bill each GiB above the
 * tier (digitalocean/openapi, registry/responses/registry_options_response.yml:
 * `allow_storage_overage` per tier).
 */
async function registryStorage(
  client: ApiClient,
  name: string,
  usedBytes: number | undefined,
): Promise<Pick<Check, "status" | "detail" | "fix">> {
  if (usedBytes === undefined) return { status: "pass", detail: OWN_REGISTRY };
  const tier = Subscription.safeParse((await client.get("v2/registries/subscription")).body).data
    ?.subscription.tier;
  if (tier === undefined || tier.included_storage_bytes <= 0) {
    return { status: "pass", detail: OWN_REGISTRY };
  }
  const used = `${gib(usedBytes)} of the ${gib(tier.included_storage_bytes)} the ${tier.name} tier includes`;
  const share = usedBytes / tier.included_storage_bytes;
  if (share < REGISTRY_NEARLY_FULL) {
    return { status: "pass", detail: `${OWN_REGISTRY}: ${used}` };
  }
  const fix = `in a quiet moment: doctl registry garbage-collection start --include-untagged-manifests ${name}   (read-only for up to 15 minutes; the untagged images of earlier deployments go, so App Platform can no longer roll back to them)`;
  if (tier.allow_storage_overage) {
    const price = tier.storage_overage_price_in_cents;
    return {
      status: "pass",
      detail: `${OWN_REGISTRY}: ${used}; above it each GiB is billed${price === undefined ? "" : ` (${String(price)} cents a month)`}. To free space, ${fix}`,
    };
  }
  return {
    status: "fail",
    detail: `the team's registry holds ${used}, which the tier does not let it exceed: a deploy's push would be refused once it is full`,
    fix:
      tier.slug === "professional"
        ? fix
        : `${fix}; or a tier with more storage: pulumi config set --path registry.tier professional`,
  };
}
// vpcs_list: `vpcs[]` with `id`, `name`, `region` and `default`.
const Vpcs = z.object({
  vpcs: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        region: z.string(),
        default: z.boolean().default(false),
      }),
    )
    .default([]),
});
// apps_list: `apps[]` with `id` and the app's `spec.name`.
const Apps = z.object({
  apps: z.array(z.object({ id: z.string(), spec: z.object({ name: z.string() }) })).default([]),
});
// apps_validate_appSpec (POST /v2/apps/propose): `app_name_available`, `app_cost` and the spec as
// App Platform would store it.
const Proposal = z.object({
  app_name_available: z.boolean().optional(),
  app_name_suggestion: z.string().optional(),
  app_cost: z.number().optional(),
  spec: z.looseObject({ vpc: z.object({ id: z.string() }).optional() }).optional(),
});
// apps_list_alerts: `alerts[].emails`, the addresses App Platform already accepted for the app.
const Alerts = z.object({
  alerts: z.array(z.object({ emails: z.array(z.string()).default([]) })).default([]),
});

export interface DigitalOceanInputs {
  client: ApiClient;
  stack: string;
  config: PlatformConfig;
  apps: PlannedApp[];
  vpcs: PlannedVpc[];
}

async function teamCheck({
  client,
  stack,
  config,
}: DigitalOceanInputs): Promise<{ check: Check; email?: string }> {
  const id = "digitalocean.team";
  const title = "Token and team";
  const expected = config.digitalocean.team;
  const answer = await client.get("v2/account");
  if (answer.status === 401) {
    return {
      check: fail(
        id,
        title,
        `DigitalOcean refused the token (${describeAnswer(answer, messageOf(answer))})`,
        TOKEN_FIX,
      ),
    };
  }
  if (answer.status === 403) {
    return {
      check: fail(
        id,
        title,
        "the token may not read the account (scope account:read is missing)",
        TOKEN_FIX,
      ),
    };
  }
  const parsed = Account.safeParse(answer.body);
  if (answer.status !== 200 || !parsed.success) {
    return {
      check: fail(
        id,
        title,
        `GET /v2/account answered ${describeAnswer(answer, messageOf(answer))}`,
        "try again, or check status.digitalocean.com",
      ),
    };
  }
  const { email, team } = parsed.data.account;
  if (team === undefined) {
    return {
      check: fail(id, title, `the token acts for ${email} personally, not in a team`, TOKEN_FIX),
      email,
    };
  }
  if (team.name !== expected && team.uuid !== expected) {
    return {
      check: fail(
        id,
        title,
        `stack "${stack}" lives in team "${expected}" (platform:digitalocean.team), but the token belongs to team "${team.name}" (${team.uuid})`,
        `${TOKEN_FIX}\nor, if the stack really moved: pulumi config set --path digitalocean.team '${team.name}'`,
      ),
      email,
    };
  }
  return {
    check: pass(id, title, `the token acts in team "${team.name}" (${team.uuid}) as ${email}`),
    email,
  };
}

async function probeScopes(client: ApiClient): Promise<{ check: Check; answers: ProbeAnswers }> {
  const answered = await Promise.all(
    READ_SCOPE_PROBES.map(async ({ scope, path }) => [scope, await client.get(path)] as const),
  );
  const answers = Object.fromEntries(answered) as ProbeAnswers;
  const missing = READ_SCOPE_PROBES.filter(({ scope }) => answers[scope].status === 403);
  const broken = READ_SCOPE_PROBES.filter(({ scope }) => {
    const { status } = answers[scope];
    return status !== 403 && (status < 200 || status > 299);
  });
  const id = "digitalocean.scopes";
  const title = "Token scopes";
  if (missing.length > 0) {
    return {
      answers,
      check: fail(
        id,
        title,
        `the token may not read what the stack manages: ${missing.map(({ scope }) => scope).join(", ")} missing`,
        `add ${missing.map(({ scope }) => scope).join(", ")} to the token's scopes (API → Tokens → the token → Edit), or use a Full Access token`,
      ),
    };
  }
  if (broken.length > 0) {
    return {
      answers,
      check: fail(
        id,
        title,
        broken
          .map(
            ({ scope, path }) =>
              `GET /${path.replace(/\?.*/, "")} answered HTTP ${String(answers[scope].status)}`,
          )
          .join("; "),
        "try again, or check status.digitalocean.com",
      ),
    };
  }
  return {
    answers,
    check: pass(
      id,
      title,
      `account:read and every read scope the stack needs (${READ_SCOPE_PROBES.map(({ scope }) => scope).join(", ")}); create, update and delete scopes cannot be seen without writing (README: The tokens, exactly)`,
    ),
  };
}

async function registryCheck(
  client: ApiClient,
  config: PlatformConfig,
  listed: ApiAnswer,
): Promise<Check> {
  const id = "digitalocean.registry";
  const name = config.registry.name;
  const title = `Registry "${name}"`;
  const registries = Registries.safeParse(listed.body);
  if (listed.status !== 200 || !registries.success) {
    return skip(id, title, "not run: the token may not list the team's registries (registry:read)");
  }
  const names = registries.data.registries.map((registry) => registry.name);
  const own = registries.data.registries.find((registry) => registry.name === name);
  if (own !== undefined) {
    const { status, detail, fix } = await registryStorage(client, name, own.storage_usage_bytes);
    return status === "fail" ? fail(id, title, detail, fix ?? "") : pass(id, title, detail);
  }
  const [other] = names;
  if (other !== undefined) {
    return fail(
      id,
      title,
      `the team already has the registry "${names.join('", "')}", and a team holds one registry (its subscription tier is the team's)`,
      `if "${other}" is this environment's: pulumi config set --path registry.name '${other}'\nelse give the environment a team of its own (README: Before the first pulumi up)`,
    );
  }
  // registries_validate_name: 204 when the name is free, 409 when another account holds it; it
  // needs registry:create, which the deploy token has anyway.
  const answer = await client.post("v2/registries/validate-name", { name });
  if (answer.status === 204)
    return pass(id, title, "free: no DigitalOcean account holds that name");
  if (answer.status === 409) {
    return fail(
      id,
      title,
      "another DigitalOcean account holds that name (registry names are unique across DigitalOcean)",
      `pulumi config set --path registry.name '${name}-<suffix>'   (then run pnpm preflight again: it checks the new name)`,
    );
  }
  if (answer.status === 403) {
    return fail(
      id,
      title,
      "the token may not check registry names (scope registry:create is missing)",
      "add registry:create to the token's scopes, as the deploy token needs it to create the registry",
    );
  }
  return fail(
    id,
    title,
    `POST /v2/registries/validate-name answered ${describeAnswer(answer, messageOf(answer))}`,
    "try again, or check status.digitalocean.com",
  );
}

/** The real VPC each planned one stands for: the stack's own by name, else the region's default. */
function resolveVpcs(vpcs: PlannedVpc[], listed: ApiAnswer) {
  const existing = Vpcs.safeParse(listed.body).data?.vpcs ?? [];
  return new Map(
    vpcs.map((vpc) => {
      const own = existing.find((candidate) => candidate.name === vpc.name);
      const fallback = existing.find(
        (candidate) => candidate.default && candidate.region === vpc.region,
      );
      const real = own ?? fallback;
      return [
        vpc.planId,
        real === undefined
          ? undefined
          : {
              id: real.id,
              label:
                own === undefined
                  ? `the default VPC of ${vpc.region} (the stack creates "${vpc.name}")`
                  : `"${vpc.name}"`,
            },
      ];
    }),
  );
}

async function appChecks(
  { client, apps, vpcs }: DigitalOceanInputs,
  answers: ProbeAnswers,
): Promise<{ checks: Check[]; existingAppIds: string[] }> {
  const vpcOf = resolveVpcs(vpcs, answers["vpc:read"]);
  const existing = Apps.safeParse(answers["app:read"].body).data?.apps ?? [];
  const checks: Check[] = [];
  const existingAppIds: string[] = [];
  for (const app of apps) {
    const specId = `digitalocean.app-spec.${app.name}`;
    const vpcId = `digitalocean.app-vpc.${app.name}`;
    const title = `App spec "${app.name}"`;
    const vpcTitle = `App Platform VPC for "${app.name}"`;
    const planned = plannedVpcId(app.spec);
    const vpc = planned === undefined ? undefined : vpcOf.get(planned);
    const appId = existing.find((candidate) => candidate.spec.name === app.name)?.id;
    if (appId !== undefined) existingAppIds.push(appId);
    const answer = await client.post("v2/apps/propose", {
      spec: apiAppSpec(app.spec, vpc?.id),
      ...(appId === undefined ? {} : { app_id: appId }),
    });
    const proposal = Proposal.safeParse(answer.body);
    if (answer.status !== 200 || !proposal.success) {
      // App Platform reports the first problem of a spec only (digitalocean/godo#415).
      checks.push(
        fail(
          specId,
          title,
          `App Platform refused the spec: ${describeAnswer(answer, messageOf(answer))}`,
          "fix what it names (pnpm plan --details shows the spec), then run again",
        ),
        skip(vpcId, vpcTitle, "not run: the spec was refused"),
      );
      continue;
    }
    const {
      app_name_available: available,
      app_name_suggestion: suggestion,
      app_cost: cost,
      spec,
    } = proposal.data;
    checks.push(
      appId === undefined && available === false
        ? fail(
            specId,
            title,
            "App Platform accepts the spec, but another app of the team has that name",
            `rename or delete that app${suggestion === undefined ? "" : ` (App Platform suggests "${suggestion}")`}`,
          )
        : pass(
            specId,
            title,
            `App Platform accepts it${appId === undefined ? "" : " as an update of the existing app"}${cost === undefined ? "" : ` (about $${String(cost)} a month)`}`,
          ),
    );
    if (planned === undefined) continue;
    if (vpc === undefined) {
      checks.push(
        confirm(
          vpcId,
          vpcTitle,
          "no VPC in the app's datacenter yet to propose the spec with",
          "confirm with DigitalOcean support that App Platform VPC is enabled for the team (README: Before the first pulumi up)",
        ),
      );
    } else if (spec?.vpc?.id === vpc.id) {
      checks.push(pass(vpcId, vpcTitle, `the proposed spec keeps its VPC, ${vpc.label}`));
    } else {
      // A team without App Platform VPC gets the spec back without it: the API drops `vpc` rather
      // than refusing it (terraform-provider-digitalocean#1436: the VPC is "not added" on apply
      // until support enables the feature), and the app would be created off the VPC.
      checks.push(
        fail(
          vpcId,
          vpcTitle,
          "App Platform dropped the VPC from the proposed spec: VPC support is not enabled for the team",
          "ask DigitalOcean support to enable App Platform VPC for the team (docs.digitalocean.com/products/app-platform/how-to/enable-vpc), then run again",
        ),
      );
    }
  }
  return { checks, existingAppIds };
}

async function alertEmailCheck(
  client: ApiClient,
  config: PlatformConfig,
  userEmail: string | undefined,
  existingAppIds: string[],
): Promise<Check> {
  const id = "digitalocean.alert-emails";
  const title = "Alert e-mails";
  const known = new Set(userEmail === undefined ? [] : [userEmail.toLowerCase()]);
  for (const appId of existingAppIds) {
    const alerts =
      Alerts.safeParse((await client.get(`v2/apps/${appId}/alerts`)).body).data?.alerts ?? [];
    for (const email of alerts.flatMap((alert) => alert.emails)) known.add(email.toLowerCase());
  }
  const unknown = config.monitoring.alertEmails.filter((email) => !known.has(email.toLowerCase()));
  if (unknown.length === 0) {
    return pass(
      id,
      title,
      "each belongs to the token's user or was already accepted for the stack's apps",
    );
  }
  // The API lists no team members (nothing under /v2/account or /v2/organizations names them),
  // and App Platform refuses a non-member only after the app exists.
  return confirm(
    id,
    title,
    `DigitalOcean's API cannot tell whether ${unknown.join(", ")} ${unknown.length === 1 ? "is a member" : "are members"} of team "${config.digitalocean.team}"`,
    `confirm each under Settings → Team (invite them if not), or change platform:monitoring.alertEmails`,
  );
}

export async function digitalOceanChecks(inputs: DigitalOceanInputs): Promise<Check[]> {
  try {
    const team = await teamCheck(inputs);
    if (team.check.status !== "pass") {
      return [
        team.check,
        skip(
          "digitalocean.rest",
          "Scopes, registry, app specs, alert e-mails",
          "not run: the token's team is not the stack's",
        ),
      ];
    }
    const scopes = await probeScopes(inputs.client);
    const registry = await registryCheck(
      inputs.client,
      inputs.config,
      scopes.answers["registry:read"],
    );
    const apps = await appChecks(inputs, scopes.answers);
    const emails = await alertEmailCheck(
      inputs.client,
      inputs.config,
      team.email,
      apps.existingAppIds,
    );
    return [team.check, scopes.check, registry, ...apps.checks, emails];
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    return [
      fail(
        "digitalocean.reachable",
        "API",
        error.message,
        "check the network, or DIGITALOCEAN_API_URL",
      ),
    ];
  }
}
