// Cloudflare, asked with the stack's token: whether the token is active, whether the zone is the
// stack's (name, account, plan, status), which reads the token may make, whether the account has
// the Load Balancing add-on, and which entry-point rulesets already hold the phases the stack
// writes. Paths and shapes: Cloudflare's API reference (developers.cloudflare.com/api), every
// answer wrapped as `{ success, errors, result }`.
import { createRequire } from "node:module";
import { z } from "zod";
import type { PlatformConfig } from "../../stacks/config/load.ts";
import { CLOUDFLARE_PLANS } from "../../stacks/config/catalog.ts";
import { type Check, checksOf } from "./check.ts";
import { type ApiAnswer, type ApiClient, describeAnswer, Unreachable } from "./http.ts";
import type { PlannedRecord, PlannedRuleset } from "./plans.ts";

const { pass, fail, confirm, skip } = checksOf("Cloudflare");

const TOKEN_FIX =
  "create a custom API token limited to the stack's account and zone (My Profile → API Tokens, or the account's API Tokens) with the permissions in README: The tokens, exactly, and export CLOUDFLARE_API_TOKEN";

const Envelope = z.object({
  result: z.unknown(),
  errors: z.array(z.object({ code: z.number(), message: z.string() })).default([]),
});

const messageOf = (answer: ApiAnswer) =>
  Envelope.safeParse(answer.body)
    .data?.errors.map((error) => `${error.message} (${String(error.code)})`)
    .join("; ");

function resultOf<T extends z.ZodType>(answer: ApiAnswer, schema: T): z.infer<T> | undefined {
  if (answer.status !== 200) return undefined;
  const envelope = Envelope.safeParse(answer.body);
  return envelope.success ? schema.safeParse(envelope.data.result).data : undefined;
}

// "Verify Token" (GET /user/tokens/verify, and GET /accounts/{account_id}/tokens/verify for a
// token the account owns): `result.status` is active, disabled or expired.
const TokenStatus = z.object({ id: z.string(), status: z.string() });

// "Zone Details" (GET /zones/{zone_id}): the zone's `name`, `status`, `account` and `plan`, whose
// `legacy_id` is free, pro, business or enterprise.
const Zone = z.object({
  name: z.string(),
  status: z.string(),
  account: z.object({ id: z.string() }),
  plan: z.object({ legacy_id: z.string().optional(), name: z.string().optional() }),
  name_servers: z.array(z.string()).default([]),
});

// "List Zone Rulesets" (GET /zones/{zone_id}/rulesets): every ruleset of the zone, managed ones
// included; an entry point has kind `zone` and one `phase`.
const Rulesets = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    kind: z.string(),
    phase: z.string().optional(),
  }),
);

// "List DNS Records" (GET /zones/{zone_id}/dns_records?name=…): the records of one hostname.
const DnsRecords = z.array(
  z.object({
    id: z.string(),
    type: z.string(),
    content: z.string().optional(),
    comment: z.string().nullish(),
  }),
);

// "List Pools" (GET /accounts/{account_id}/load_balancers/pools).
const Pools = z.array(z.object({ id: z.string() }));

// "List Subscriptions" (GET /accounts/{account_id}/subscriptions, Billing Read): each
// subscription's `rate_plan` (`id`, `public_name`) and `state`.
const Subscriptions = z.array(
  z.object({
    rate_plan: z
      .object({ id: z.string().optional(), public_name: z.string().optional() })
      .optional(),
    state: z.string().optional(),
  }),
);

export interface CloudflareInputs {
  client: ApiClient;
  stack: string;
  config: PlatformConfig;
  rulesets: PlannedRuleset[];
  records: PlannedRecord[];
}

async function tokenCheck({ client, config }: CloudflareInputs): Promise<Check> {
  const id = "cloudflare.token";
  const title = "Token";
  const userToken = await client.get("user/tokens/verify");
  const answer =
    userToken.status === 200
      ? userToken
      : await client.get(`accounts/${config.edge.accountId}/tokens/verify`);
  const token = resultOf(answer, TokenStatus);
  if (token === undefined) {
    return fail(
      id,
      title,
      `Cloudflare refused the token (${describeAnswer(userToken, messageOf(userToken))})`,
      TOKEN_FIX,
    );
  }
  if (token.status !== "active") return fail(id, title, `the token is ${token.status}`, TOKEN_FIX);
  return pass(id, title, `active (${answer === userToken ? "a user" : "an account"} token)`);
}

const rank = (plan: string) => CLOUDFLARE_PLANS.indexOf(plan as (typeof CLOUDFLARE_PLANS)[number]);

async function zoneCheck({ client, config }: CloudflareInputs): Promise<Check> {
  const id = "cloudflare.zone";
  const { zoneId, accountId, plan } = config.edge;
  const title = `Zone ${config.domain.zone}`;
  const answer = await client.get(`zones/${zoneId}`);
  const zone = resultOf(answer, Zone);
  if (zone === undefined) {
    return fail(
      id,
      title,
      `the token cannot read zone ${zoneId} (${describeAnswer(answer, messageOf(answer))})`,
      "check platform:edge.zoneId (the zone's Overview page shows it) and that the token's zone resources include the zone",
    );
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  if (zone.name !== config.domain.zone) {
    problems.push(
      `zone ${zoneId} is ${zone.name}, not ${config.domain.zone} (platform:domain.zone)`,
    );
    fixes.push(
      `give the id of ${config.domain.zone}'s zone: pulumi config set --path edge.zoneId <its id>`,
    );
  }
  if (zone.account.id !== accountId) {
    problems.push(
      `the zone belongs to account ${zone.account.id}, not ${accountId} (platform:edge.accountId)`,
    );
    fixes.push(`pulumi config set --path edge.accountId '${zone.account.id}'`);
  }
  if (zone.status !== "active") {
    problems.push(
      `the zone is ${zone.status}: Cloudflare proxies it only once the registrar points to its nameservers`,
    );
    fixes.push(
      `set the domain's nameservers at the registrar to ${zone.name_servers.join(", ") || "the ones the zone's Overview page names"}`,
    );
  }
  const actual = zone.plan.legacy_id ?? "";
  if (rank(actual) >= 0 && rank(plan) > rank(actual)) {
    problems.push(
      `platform:edge.plan is ${plan}, but the zone is on ${actual}: Cloudflare refuses the rules of a higher plan`,
    );
    fixes.push(`pulumi config set --path edge.plan ${actual}   (or upgrade the zone to ${plan})`);
  }
  if (problems.length > 0) return fail(id, title, problems.join("; "), fixes.join("\n"));
  const lower =
    rank(actual) > rank(plan) ? ` (edge.plan ${plan} uses less than the zone's plan allows)` : "";
  return pass(
    id,
    title,
    `active in account ${accountId}, on the ${zone.plan.name ?? actual} plan${lower}`,
  );
}

/**
 * One read per permission the stack's resources need, named as the dashboard names them
 * (README: The tokens, exactly). Edit levels cannot be seen without writing.
 */
function permissionProbes(config: PlatformConfig) {
  const { zoneId, accountId } = config.edge;
  return {
    settings: { permission: "Zone Settings", path: `zones/${zoneId}/settings/ssl` },
    dns: { permission: "DNS", path: `zones/${zoneId}/dns_records?per_page=1` },
    loadBalancers: { permission: "Load Balancers", path: `zones/${zoneId}/load_balancers` },
    rulesets: {
      permission: "the zone's rulesets (Zone WAF, Transform Rules, Cache Rules, Config Rules)",
      path: `zones/${zoneId}/rulesets`,
    },
    pools: {
      permission: "Load Balancing: Monitors and Pools",
      path: `accounts/${accountId}/load_balancers/pools`,
    },
    notifications: {
      permission: "Notifications",
      path: `accounts/${accountId}/alerting/v3/policies`,
    },
  };
}

type ProbeRole = keyof ReturnType<typeof permissionProbes>;

async function permissionsCheck({
  client,
  config,
}: CloudflareInputs): Promise<{ check: Check; answers: Record<ProbeRole, ApiAnswer> }> {
  const probes = Object.entries(permissionProbes(config)) as [
    ProbeRole,
    { permission: string; path: string },
  ][];
  const answered = await Promise.all(
    probes.map(async ([role, { path }]) => [role, await client.get(path)] as const),
  );
  const answers = Object.fromEntries(answered) as Record<ProbeRole, ApiAnswer>;
  const refused = probes
    .filter(([role]) => {
      const { status } = answers[role];
      return status === 401 || status === 403;
    })
    .map(([, { permission }]) => permission);
  const id = "cloudflare.permissions";
  const title = "Token permissions";
  if (refused.length > 0) {
    return {
      answers,
      check: fail(
        id,
        title,
        `the token may not read: ${refused.join(", ")}`,
        `add ${refused.join(", ")} (Edit where the stack deploys, Read elsewhere) to the token`,
      ),
    };
  }
  return {
    answers,
    check: pass(
      id,
      title,
      `reads ${probes.map(([, { permission }]) => permission).join(", ")}; whether each is at Edit cannot be seen without writing`,
    ),
  };
}

async function loadBalancingCheck(
  { client, config }: CloudflareInputs,
  pools: ApiAnswer,
): Promise<Check> {
  const id = "cloudflare.load-balancing";
  const title = "Load Balancing add-on";
  const existing = resultOf(pools, Pools);
  if (existing !== undefined && existing.length > 0) {
    return pass(
      id,
      title,
      `the account already has ${String(existing.length)} load balancer pool(s)`,
    );
  }
  const answer = await client.get(`accounts/${config.edge.accountId}/subscriptions`);
  const subscriptions = resultOf(answer, Subscriptions);
  if (subscriptions === undefined) {
    return confirm(
      id,
      title,
      `the token may not read the account's subscriptions (${describeAnswer(answer, messageOf(answer))})`,
      "confirm Traffic → Load Balancing is enabled for the account in the dashboard, or add Billing: Read to the token so that preflight can tell",
    );
  }
  // Cloudflare documents no fixed id for the add-on's rate plan: it is found by its name.
  const subscription = subscriptions.find(
    (candidate) =>
      /load.?balanc/i.test(
        `${candidate.rate_plan?.public_name ?? ""} ${candidate.rate_plan?.id ?? ""}`,
      ) && !/cancel|expire/i.test(candidate.state ?? ""),
  );
  if (subscription === undefined) {
    return fail(
      id,
      title,
      "the account has no Load Balancing subscription, and the stack's load balancer, pools and monitors need one (a paid add-on)",
      "enable it in the dashboard: Traffic → Load Balancing (README: Before the first pulumi up)",
    );
  }
  return pass(
    id,
    title,
    `subscribed (${subscription.rate_plan?.public_name ?? subscription.rate_plan?.id ?? "Load Balancing"})`,
  );
}

/**
 * The Cloudflare plugin the program registers its resources with: the SDK package's version
 * (its utilities' getVersion). An import entry without a version takes the newest plugin on the
 * machine instead (pulumi/pulumi, pkg/resource/deploy/import.go), and the adopted state would be
 * written by another provider.
 */
const CLOUDFLARE_PLUGIN = z
  .object({ version: z.string() })
  .parse(createRequire(import.meta.url)("@pulumi/cloudflare/package.json")).version;

/** A `pulumi import --file` document that adopts `existing` rulesets into their planned places. */
export function rulesetImportFile(
  zoneId: string,
  adopt: { planned: PlannedRuleset; rulesetId: string }[],
  parentsExist: boolean,
) {
  const components = new Map<
    string,
    { type: string; name: string; urn: string; parent?: string }
  >();
  for (const { planned } of adopt) {
    planned.ancestors.forEach((ancestor, index) => {
      const parent = planned.ancestors[index - 1]?.name;
      components.set(ancestor.urn, { ...ancestor, ...(parent === undefined ? {} : { parent }) });
    });
  }
  const resources = adopt.map(({ planned, rulesetId }) => {
    const parent = planned.ancestors.at(-1)?.name;
    return {
      type: "cloudflare:index/ruleset:Ruleset",
      name: planned.name,
      id: `zones/${zoneId}/${rulesetId}`,
      version: CLOUDFLARE_PLUGIN,
      ...(parent === undefined ? {} : { parent }),
    };
  });
  // Before the first `up` no parent exists: the file creates each as an empty component, which
  // the next `up` fills (pulumi/pulumi#14467, in the CLI since v3.94.0). Once they exist, the
  // file names them by URN instead.
  return parentsExist
    ? {
        nameTable: Object.fromEntries([...components.values()].map(({ name, urn }) => [name, urn])),
        resources,
      }
    : {
        resources: [
          ...[...components.values()].map(({ type, name, parent }) => ({
            type,
            name,
            component: true,
            ...(parent === undefined ? {} : { parent }),
          })),
          ...resources,
        ],
      };
}

function rulesetsCheck(
  { stack, config, rulesets }: CloudflareInputs,
  listed: ApiAnswer,
): { check: Check; importFile?: unknown } {
  const id = "cloudflare.rulesets";
  const title = "Entry-point rulesets";
  const existing = resultOf(listed, Rulesets);
  if (existing === undefined) {
    return { check: skip(id, title, "not run: the token may not list the zone's rulesets") };
  }
  const entryPoints = existing.filter((ruleset) => ruleset.kind === "zone");
  const own: PlannedRuleset[] = [];
  const adopt: { planned: PlannedRuleset; rulesetId: string; name: string }[] = [];
  for (const planned of rulesets) {
    const found = entryPoints.find((ruleset) => ruleset.phase === planned.phase);
    if (found === undefined) continue;
    // Adopted ones keep their name (edge-rules.ts); the first `up` after the import marks them.
    const isOwn =
      found.name === planned.rulesetName || found.description === planned.rulesetDescription;
    if (isOwn) own.push(planned);
    else adopt.push({ planned, rulesetId: found.id, name: found.name });
  }
  if (adopt.length === 0) {
    return {
      check: pass(
        id,
        title,
        own.length === 0
          ? `none of the ${String(rulesets.length)} phases the stack writes has one yet`
          : `${String(own.length)} of ${String(rulesets.length)} are the stack's own; the other phases have none yet`,
      ),
    };
  }
  const importFile = rulesetImportFile(config.edge.zoneId, adopt, own.length > 0);
  const file = `rulesets-${stack}.import.json`;
  return {
    importFile,
    check: fail(
      id,
      title,
      `a zone holds one entry-point ruleset per phase, and these exist already (creating a second fails, code 20217): ${adopt
        .map(
          ({ planned, name, rulesetId }) =>
            `${planned.phase} "${name}" (${rulesetId}) for ${planned.name}`,
        )
        .join("; ")}`,
      [
        "adopt them into the stack before `pulumi up`; the next `up` rewrites their rules and keeps their names, and marks them as the stack's with its description, after which this check passes:",
        `cat > ${file} <<'EOF'`,
        JSON.stringify(importFile, null, 2),
        "EOF",
        `pulumi import --stack ${stack} --file ${file} --protect=false --generate-code=false`,
      ].join("\n"),
    ),
  };
}

/**
 * Whether each hostname the stack gives a CNAME is free. A CNAME cannot share its name with any
 * other record (RFC 1034, section 3.6.2), so Cloudflare refuses the stack's while another record
 * holds the name, and the first `up` fails there. The stack's own carries its comment, or points
 * where the stack points it.
 */
async function recordsCheck({ client, config, records }: CloudflareInputs): Promise<Check> {
  const id = "cloudflare.dns-records";
  const title = "DNS records";
  const taken: string[] = [];
  for (const { name: hostname, type, content, comment } of records) {
    const answer = await client.get(
      `zones/${config.edge.zoneId}/dns_records?name=${encodeURIComponent(hostname)}`,
    );
    const existing = resultOf(answer, DnsRecords);
    if (existing === undefined) {
      return skip(id, title, "not run: the token may not list the zone's DNS records");
    }
    for (const record of existing) {
      // The stack's own: its comment, or (the comment edited since) the record it would create.
      const own =
        record.comment === comment ||
        (record.type === type && content !== undefined && record.content === content);
      if (own) continue;
      taken.push(`${hostname}: ${record.type} ${record.content ?? ""} (${record.id})`.trim());
    }
  }
  if (taken.length === 0) {
    return pass(
      id,
      title,
      `no other record holds ${records.map((record) => record.name).join(", ") || "the stack's hostnames"}`,
    );
  }
  return fail(
    id,
    title,
    `other records hold hostnames the stack points at its origins, and a CNAME cannot share its name with another record: ${taken.join("; ")}`,
    "delete each once nothing else needs it (Cloudflare dashboard → DNS → Records), then `pulumi up` creates the stack's own; or give the stack another hostname (platform:domain)",
  );
}

export interface CloudflareResult {
  checks: Check[];
  /** The import document of `cloudflare.rulesets`, when rulesets need adopting. */
  importFile?: unknown;
}

export async function cloudflareChecks(inputs: CloudflareInputs): Promise<CloudflareResult> {
  try {
    const token = await tokenCheck(inputs);
    if (token.status !== "pass") {
      return {
        checks: [
          token,
          skip(
            "cloudflare.rest",
            "Zone, permissions, add-on, rulesets",
            "not run: the token was refused",
          ),
        ],
      };
    }
    const zone = await zoneCheck(inputs);
    const permissions = await permissionsCheck(inputs);
    const loadBalancing = await loadBalancingCheck(inputs, permissions.answers.pools);
    const rulesets = rulesetsCheck(inputs, permissions.answers.rulesets);
    const records = await recordsCheck(inputs);
    return {
      checks: [token, zone, permissions.check, loadBalancing, rulesets.check, records],
      ...(rulesets.importFile === undefined ? {} : { importFile: rulesets.importFile }),
    };
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    return {
      checks: [
        fail(
          "cloudflare.reachable",
          "API",
          error.message,
          "check the network, or CLOUDFLARE_BASE_URL",
        ),
      ],
    };
  }
}
