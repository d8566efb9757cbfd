// Rules that span several keys. Each rule is one pure check with an id; it names the config keys
// it reads, and runs whenever those keys are themselves valid, so that one run of the loader
// reports every problem at once, not one layer at a time. What one key's type can say (a service
// is fixed or autoscaled, New Relic needs its account) is the schema's, not a rule's.
import type { z } from "zod";
import {
  connectionLimit,
  databaseMemoryGb,
  STANDBY_MIN_MEMORY_GB,
} from "../../infra/data/database-sizes.ts";
import {
  restorePointProblem,
  restoreWindow,
  sameInstant,
  utcTimestamp,
} from "../../infra/data/point-in-time.ts";
import {
  trustedRangeProblem,
  WIDEST_IPV4_PREFIX,
  WIDEST_IPV6_PREFIX,
} from "../../infra/data/trusted-sources.ts";
import type { CatalogService } from "../service-catalog.ts";
import {
  APP_PLATFORM_DATACENTERS,
  appDatacenterOf,
  appRegionOf,
  HSTS_PRELOAD_MIN_MAX_AGE,
  PLAN_LIMITS,
  REGISTRY_REGIONS,
  SINGLE_INSTANCE_SIZES,
} from "./catalog.ts";
import { valueAt } from "./config-path.ts";
import { setCommands } from "./problems.ts";
import type { StackConfig } from "./schema.ts";

type ConfigPath = readonly (string | number)[];

export interface RuleViolation {
  path: ConfigPath;
  /** What the rule allows, phrased to follow "allowed:". */
  allowed: string;
  /** The value at `path` that satisfies the rule (the fix sets it), or the whole fix. */
  suggest?: string | number | boolean;
  fix?: string;
}

/**
 * What the rules know besides the config. The clock enters here, read once by the program's entry
 * (and fixed by tests), never by a rule itself.
 */
export interface RuleContext {
  now: Date;
  /**
   * `database.restore.at` as the last deployment restored it (`platform.database.restore.at`):
   * a restore that exists is not held to the window again, as time passes.
   */
  restoredAt: string | undefined;
  /** The services a stack sizes. @default SERVICE_CATALOG (stacks/service-catalog.ts) */
  catalog?: readonly CatalogService[];
}

export interface CrossFieldRule {
  id: string;
  /** Config keys the rule reads (dotted); it is skipped while any of them is invalid on its own. */
  reads: readonly string[];
  violations(config: StackConfig, context: RuleContext): RuleViolation[];
}

/** One violation at the dotted `key` when `broken`, none otherwise. */
function when(
  broken: boolean,
  key: string,
  allowed: string,
  fix: Omit<RuleViolation, "path" | "allowed">,
): RuleViolation[] {
  return broken ? [{ path: key.split("."), allowed, ...fix }] : [];
}

/**
 * A failover datacenter for `primary`, in another region: where a replica already runs if one
 * does (the `production-has-replica-in-secondary-region` rule wants one there), else one of a few
 * well-connected datacenters.
 */
function failoverDatacenter(primary: string, replicaRegions: readonly string[]): string {
  const candidates = [...replicaRegions, "ams3", "fra1", "lon1", "nyc1", "sfo3"];
  return (
    candidates.find(
      (candidate) =>
        appDatacenterOf(candidate) === candidate && appRegionOf(candidate) !== appRegionOf(primary),
    ) ?? "ams3"
  );
}

/** The commands that add a replica in `region` as the `index`th of `database.replicas`. */
const replicaCommands = (index: number, region: string, size: string) =>
  setCommands(["database", "replicas", index], { region, size });

/**
 * The commands that give the stack a secondary region agreeing with the rest of its config: in
 * production, the replica the secondary app reads from comes along when none runs there yet.
 * `config.database` may be invalid (these rules do not read it), so it is only looked at.
 */
function secondaryRegionFix(config: StackConfig): string {
  const replicas = valueAt(config, ["database", "replicas"]);
  const size = valueAt(config, ["database", "size"]);
  const replicaRegions = (Array.isArray(replicas) ? replicas : []).flatMap((replica: unknown) => {
    const region = valueAt(replica, ["region"]);
    return typeof region === "string" ? [region] : [];
  });
  const secondary = failoverDatacenter(config.regions.primary, replicaRegions);
  const commands = setCommands(["regions", "secondary"], secondary);
  if (
    config.environment === "production" &&
    !replicaRegions.includes(secondary) &&
    typeof size === "string"
  ) {
    commands.push(...replicaCommands(replicaRegions.length, secondary, size));
  }
  return commands.join(" && ");
}

/** S3 bucket names stop at 63 characters; the log bucket appends "-logs" to the assets host. */
const MAX_ASSETS_HOST_LENGTH = 63 - "-logs".length;

const PRODUCTION_HSTS = `${HSTS_PRELOAD_MIN_MAX_AGE} (one year) or more`;

export const rules: readonly CrossFieldRule[] = [
  {
    id: "production-has-secondary-region",
    reads: ["environment", "regions.primary", "regions.secondary"],
    violations: (config) =>
      when(
        config.environment === "production" && config.regions.secondary === undefined,
        "regions.secondary",
        "a datacenter other than the primary: production fails over to a second region",
        { fix: secondaryRegionFix(config) },
      ),
  },
  {
    id: "secondary-region-differs",
    reads: ["regions.primary", "regions.secondary"],
    violations: (config) => {
      const primary = appRegionOf(config.regions.primary);
      return when(
        appRegionOf(config.regions.secondary ?? "") === primary,
        "regions.secondary",
        `a region other than the primary's (${primary}): a failover region in the same place fails with it`,
        { fix: secondaryRegionFix(config) },
      );
    },
  },
  {
    // An app joins the VPC of its region's one App Platform datacenter only, and each region's
    // app joins the VPC of its configured datacenter: anything else would attach it nowhere.
    id: "regions-are-app-platform-datacenters",
    reads: ["regions.primary", "regions.secondary"],
    violations: ({ regions }) =>
      (["primary", "secondary"] as const).flatMap((role) => {
        const datacenter = regions[role] ?? "";
        const attached = appDatacenterOf(datacenter) ?? datacenter;
        const region = appRegionOf(datacenter);
        const datacenters = Object.values(APP_PLATFORM_DATACENTERS).join(", ");
        return when(
          attached !== datacenter,
          `regions.${role}`,
          `${attached}: an App Platform app in ${region} joins VPCs in ${attached} only (one of ${datacenters}); a database elsewhere is reached through VPC peering, as replicas are`,
          { suggest: attached },
        );
      }),
  },
  {
    id: "registry-region-hosts-registries",
    reads: ["registry.region", "regions.primary"],
    violations: ({ registry, regions }) =>
      when(
        registry.region === undefined &&
          !(REGISTRY_REGIONS as readonly string[]).includes(regions.primary),
        "registry.region",
        `one of ${REGISTRY_REGIONS.join(", ")}: the primary region ${regions.primary} hosts no container registry, so name one`,
        { suggest: REGISTRY_REGIONS[0] },
      ),
  },
  {
    id: "standby-needs-2gb",
    reads: ["database.standbys", "database.size"],
    violations: ({ database: { standbys, size } }) =>
      when(
        standbys > 0 && databaseMemoryGb(size) < STANDBY_MIN_MEMORY_GB,
        "database.size",
        `a size with at least 2 GB of memory when standbys is ${standbys} (DigitalOcean offers standby nodes from 2 GB)`,
        { suggest: "db-s-1vcpu-2gb" },
      ),
  },
  {
    id: "pool-fits-connection-limit",
    reads: ["database.poolSize", "database.size"],
    violations: ({ database: { poolSize, size } }) =>
      when(
        poolSize > connectionLimit(size),
        "database.poolSize",
        `at most ${connectionLimit(size)}, the connection limit of ${size}`,
        { suggest: Math.min(20, connectionLimit(size)) },
      ),
  },
  {
    id: "production-has-standby",
    reads: ["environment", "database.standbys"],
    violations: ({ environment, database }) =>
      when(
        environment === "production" && database.standbys < 1,
        "database.standbys",
        "1 or 2 in production: without a standby, a node failure is an outage",
        { suggest: 1 },
      ),
  },
  {
    id: "production-has-replica-in-secondary-region",
    reads: ["environment", "regions.secondary", "database.replicas", "database.size"],
    violations: ({ environment, regions: { secondary }, database: { replicas, size } }) =>
      when(
        environment === "production" &&
          secondary !== undefined &&
          !replicas.some((replica) => replica.region === secondary),
        "database.replicas",
        `at least one replica in the secondary region ${String(secondary)}: the failover app reads from it`,
        { fix: replicaCommands(replicas.length, String(secondary), size).join(" && ") },
      ),
  },
  {
    // DigitalOcean refuses a fork outside the window, after creating nothing (infra/data/
    // point-in-time.ts); saying so before the run starts names the window instead.
    id: "restore-point-within-recovery-window",
    reads: ["database.restore"],
    violations: ({ database }, { now, restoredAt }) => {
      const at = database.restore?.at;
      if (at === undefined || (restoredAt !== undefined && sameInstant(at, restoredAt))) return [];
      const problem = restorePointProblem(at, now);
      const { earliest, latest } = restoreWindow(now);
      return when(
        problem !== undefined,
        "database.restore.at",
        `a time in DigitalOcean's point-in-time recovery window, from ${utcTimestamp(earliest)} to ${utcTimestamp(latest)} (the last 7 days); ${String(problem)}`,
        {
          fix: `pulumi config set --path 'database.restore.at' ${utcTimestamp(latest)}   (the latest restorable; any time in the window works)`,
        },
      );
    },
  },
  {
    id: "trusted-ranges-are-narrow",
    reads: ["database.trustedIpRanges"],
    violations: ({ database }) =>
      database.trustedIpRanges.flatMap((range, index) => {
        const problem = trustedRangeProblem(range);
        return problem === undefined
          ? []
          : [
              {
                path: ["database", "trustedIpRanges", index],
                allowed: `a single address or a range of /${WIDEST_IPV4_PREFIX} (IPv4) or /${WIDEST_IPV6_PREFIX} (IPv6) or narrower; "${range}" ${problem}`,
                suggest: "203.0.113.10/32",
              },
            ];
      }),
  },
  {
    id: "production-services-run-two-instances",
    reads: ["environment", "services"],
    violations: ({ environment, services }) =>
      Object.entries(services).flatMap(([name, service]) => {
        const [fewest, key] =
          "autoscaling" in service
            ? [service.autoscaling.minInstances, "autoscaling.minInstances"]
            : [service.instances, "instances"];
        return when(
          environment === "production" && fewest < 2,
          `services.${name}.${key}`,
          "2 or more in production: one instance is a single point of failure",
          { suggest: 2 },
        );
      }),
  },
  {
    // DigitalOcean lists these sizes with `single_instance_only: true` (the instance sizes of
    // `GET /v2/apps/tiers/instance_sizes`, digitalocean/openapi
    // specification/resources/apps/responses/examples.yml): an app spec that runs two refuses.
    id: "single-instance-sizes-run-one",
    reads: ["services"],
    violations: ({ services }) =>
      Object.entries(services).flatMap(([name, service]) =>
        when(
          "instances" in service &&
            service.instances > 1 &&
            (SINGLE_INSTANCE_SIZES as readonly string[]).includes(service.size),
          `services.${name}.size`,
          `a size DigitalOcean runs more than one instance of (not ${SINGLE_INSTANCE_SIZES.join(" or ")})`,
          { suggest: "apps-s-1vcpu-1gb" },
        ),
      ),
  },
  {
    id: "apm-has-its-ingest-key",
    reads: ["monitoring.apm", "apmIngestKey"],
    violations: ({ monitoring: { apm }, apmIngestKey }) => [
      ...when(
        apm !== undefined && apmIngestKey === undefined,
        "apmIngestKey",
        `the ingest key of ${String(apm?.provider)} when monitoring.apm is set: without it no trace is accepted`,
        { fix: "pulumi config set --secret apmIngestKey <key>" },
      ),
      ...when(
        apm === undefined && apmIngestKey !== undefined,
        "monitoring.apm.provider",
        "datadog or newrelic when apmIngestKey is set: the key is for that backend",
        { suggest: "datadog" },
      ),
    ],
  },
  {
    id: "hostnames-inside-zone",
    reads: ["domain"],
    violations: ({ domain: { zone, appHost, assetsHost } }) => [
      ...(["appHost", "assetsHost"] as const).flatMap((key) =>
        when(
          !{ appHost, assetsHost }[key].endsWith(`.${zone}`),
          `domain.${key}`,
          `a hostname inside the zone ${zone}: Cloudflare serves only its own zone`,
          { suggest: `${key === "appHost" ? "app" : "assets"}.${zone}` },
        ),
      ),
      ...when(
        appHost === assetsHost,
        "domain.assetsHost",
        "a hostname other than appHost: the assets are served by the bucket, not the app",
        { suggest: `assets.${zone}` },
      ),
    ],
  },
  {
    // The asset bucket is named after the hostname, and its log bucket adds "-logs".
    id: "assets-host-names-a-bucket",
    reads: ["domain"],
    violations: ({ domain }) =>
      when(
        domain.assetsHost.length > MAX_ASSETS_HOST_LENGTH,
        "domain.assetsHost",
        `at most ${MAX_ASSETS_HOST_LENGTH} characters: the asset bucket is named after it, and S3 bucket names stop at 63 with "-logs" appended for its log bucket`,
        { suggest: `assets.${domain.zone}` },
      ),
  },
  {
    // The policy pack's `edge-hsts-production` refuses the same at deploy time; refused here, a
    // stack file that would fail it never reaches a preview. (With preload on, the preload rule
    // below says it already.)
    id: "production-hsts-a-year",
    reads: ["environment", "edge.hsts"],
    violations: ({ environment, edge: { hsts } }) =>
      when(
        environment === "production" &&
          !hsts.preload &&
          hsts.maxAgeSeconds < HSTS_PRELOAD_MIN_MAX_AGE,
        "edge.hsts.maxAgeSeconds",
        `${PRODUCTION_HSTS} in production: a shorter HSTS lets a browser that has not visited for a while be downgraded to plain HTTP`,
        { suggest: HSTS_PRELOAD_MIN_MAX_AGE },
      ),
  },
  {
    id: "hsts-preload-requirements",
    reads: ["edge.hsts"],
    violations: ({ edge: { hsts } }) => [
      ...when(
        hsts.preload && hsts.maxAgeSeconds < HSTS_PRELOAD_MIN_MAX_AGE,
        "edge.hsts.maxAgeSeconds",
        `${PRODUCTION_HSTS} while preload is on: browsers' preload list refuses less`,
        { suggest: HSTS_PRELOAD_MIN_MAX_AGE },
      ),
      ...when(
        hsts.preload && !hsts.includeSubdomains,
        "edge.hsts.includeSubdomains",
        "true while preload is on: the preload list requires includeSubDomains",
        { suggest: true },
      ),
    ],
  },
  {
    id: "rate-limit-within-plan",
    reads: ["edge.plan", "edge.rateLimit.periodSeconds"],
    violations: ({ edge: { plan, rateLimit } }) => {
      const { ratePeriods } = PLAN_LIMITS[plan];
      return when(
        !ratePeriods.includes(rateLimit.periodSeconds),
        "edge.rateLimit.periodSeconds",
        `${ratePeriods.join(" or ")} on the ${plan} plan (Cloudflare refuses a rate-limit rule with another period; longer periods need a higher plan)`,
        { suggest: ratePeriods.at(-1) },
      );
    },
  },
  {
    // Cloudflare, "Configure webhooks": "only available if your account has at least one zone
    // with a pro plan or above". Without one, the first `pulumi up` fails creating the load
    // balancer's Slack destination. This zone on Pro or above qualifies the account by itself;
    // edge.accountPlan can only add another zone's plan, never lower this one's.
    id: "slack-alerts-need-a-paid-cloudflare-account",
    reads: ["edge.plan", "edge.accountPlan", "edge.accountId", "slackWebhookUrl"],
    violations: ({ edge, slackWebhookUrl }) =>
      when(
        slackWebhookUrl !== undefined &&
          edge.plan === "free" &&
          (edge.accountPlan ?? "free") === "free",
        "edge.accountPlan",
        `pro or above when slackWebhookUrl is set: Cloudflare sends the load balancer's alerts to Slack (a webhook) only for accounts with a zone on Pro or above, and neither this zone (edge.plan) nor, by edge.accountPlan, any other zone of the account is`,
        {
          fix: `pulumi config set --path 'edge.accountPlan' pro   (if another zone in Cloudflare account ${edge.accountId} is on Pro or above; otherwise upgrade this zone, or send alerts by e-mail only: pulumi config rm slackWebhookUrl)`,
        },
      ),
  },
  {
    id: "edge-ttl-within-plan",
    reads: ["edge.plan", "edge.staticEdgeTtlSeconds"],
    violations: ({ edge: { plan, staticEdgeTtlSeconds } }) => {
      const { minEdgeTtlSeconds } = PLAN_LIMITS[plan];
      return when(
        staticEdgeTtlSeconds < minEdgeTtlSeconds,
        "edge.staticEdgeTtlSeconds",
        `${String(minEdgeTtlSeconds)} or more on the ${plan} plan (the shortest edge TTL a cache rule may set there)`,
        { suggest: minEdgeTtlSeconds },
      );
    },
  },
];

/** Whether one path lies inside the other (a broken group breaks every key in it). */
function overlaps(path: readonly PropertyKey[], key: string): boolean {
  const other = key.split(".");
  return path.every((segment, index) => index >= other.length || other[index] === segment);
}

/**
 * Every rule, as one refinement of the schema. The schema runs it even when other keys are
 * invalid, and it skips each rule whose own inputs are: that is what lets one run report every
 * problem.
 */
export function checkCrossFieldRules(
  config: StackConfig,
  ctx: z.RefinementCtx<StackConfig>,
  context: RuleContext,
): void {
  // An unknown key makes only itself invalid, not the object that holds it.
  const invalid = ctx.issues.flatMap((issue) => {
    const path = issue.path ?? [];
    if (issue.code === "custom") return [];
    return issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...path, key]) : [path];
  });
  for (const rule of rules) {
    if (invalid.some((path) => rule.reads.some((key) => overlaps(path, key)))) continue;
    for (const { path, allowed, ...fix } of rule.violations(config, context)) {
      ctx.addIssue({
        code: "custom",
        path: [...path],
        message: allowed,
        params: { rule: rule.id, ...fix },
        continue: true,
      });
    }
  }
}
