// Rules that span several keys. Each rule is one pure check with an id; it names the config paths
// it reads, and runs whenever those paths are themselves valid, so that one run of the loader
// reports every problem at once, not one layer at a time.
import type { z } from "zod";
import {
  trustedRangeProblem,
  WIDEST_IPV4_PREFIX,
  WIDEST_IPV6_PREFIX,
} from "../../infra/data/trusted-sources.ts";
import {
  connectionLimit,
  databaseMemoryGb,
  STANDBY_MIN_MEMORY_GB,
} from "../../infra/data/database-sizes.ts";
import {
  APP_PLATFORM_DATACENTERS,
  appDatacenterOf,
  appRegionOf,
  HSTS_PRELOAD_MIN_MAX_AGE,
  PLAN_LIMITS,
  REGISTRY_REGIONS,
  type Environment,
} from "./catalog.ts";
import type { StackConfig } from "./schema.ts";
import type { CatalogService } from "../service-catalog.ts";
import {
  restorePointProblem,
  restoreWindow,
  sameInstant,
  utcTimestamp,
} from "../../infra/data/point-in-time.ts";

type ConfigPath = readonly (string | number)[];

export interface RuleViolation {
  path: ConfigPath;
  /** What the rule allows, phrased to follow "allowed:". */
  allowed: string;
  /** A concrete change that satisfies the rule. */
  fix: string;
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
  /** Config paths the rule reads; it is skipped while any of them is invalid on its own. */
  reads: readonly ConfigPath[];
  violations(config: StackConfig, context: RuleContext): RuleViolation[];
}

const isProduction = (environment: Environment) => environment === "production";

/**
 * A failover datacenter for `primary`, in another region: where a replica already runs if one
 * does (the `production-has-replica-in-secondary-region` rule wants one there), else one of a few
 * well-connected datacenters.
 */
export function failoverDatacenter(primary: string, replicaRegions: readonly string[]): string {
  const candidates = [...replicaRegions, "ams3", "fra1", "lon1", "nyc1", "sfo3"];
  return (
    candidates.find(
      (candidate) =>
        appDatacenterOf(candidate) === candidate && appRegionOf(candidate) !== appRegionOf(primary),
    ) ?? "ams3"
  );
}

function replicaRegionsOf(database: unknown): string[] {
  const replicas = (database as { replicas?: unknown } | undefined)?.replicas;
  if (!Array.isArray(replicas)) return [];
  return replicas.flatMap((replica: { region?: unknown } | null) =>
    typeof replica?.region === "string" ? [replica.region] : [],
  );
}

/**
 * The commands that give the stack a secondary region agreeing with the rest of its config: in
 * production, the replica the secondary app reads from comes along when none runs there yet.
 * `config.database` may be invalid (these rules do not read it), so it is only looked at.
 */
function secondaryRegionFix({ environment, regions, database }: StackConfig): string {
  const replicaRegions = replicaRegionsOf(database);
  const secondary = failoverDatacenter(regions.primary, replicaRegions);
  const commands = [`pulumi config set --path 'regions.secondary' ${secondary}`];
  const size = (database as { size?: unknown } | undefined)?.size;
  if (
    isProduction(environment) &&
    !replicaRegions.includes(secondary) &&
    typeof size === "string"
  ) {
    const index = replicaRegions.length;
    commands.push(
      `pulumi config set --path 'database.replicas[${index}].region' ${secondary}`,
      `pulumi config set --path 'database.replicas[${index}].size' ${size}`,
    );
  }
  return commands.join(" && ");
}

/** S3 bucket names stop at 63 characters; the log bucket appends "-logs" to the assets host. */
const MAX_ASSETS_HOST_LENGTH = 63 - "-logs".length;

export const rules: readonly CrossFieldRule[] = [
  {
    id: "production-has-secondary-region",
    reads: [["environment"], ["regions", "primary"], ["regions", "secondary"]],
    violations: (config) =>
      isProduction(config.environment) && config.regions.secondary === undefined
        ? [
            {
              path: ["regions", "secondary"],
              allowed:
                "a datacenter other than the primary: production fails over to a second region",
              fix: secondaryRegionFix(config),
            },
          ]
        : [],
  },
  {
    id: "secondary-region-differs",
    reads: [
      ["regions", "primary"],
      ["regions", "secondary"],
    ],
    violations: (config) =>
      config.regions.secondary !== undefined &&
      appRegionOf(config.regions.secondary) === appRegionOf(config.regions.primary)
        ? [
            {
              path: ["regions", "secondary"],
              allowed: `a region other than the primary's (${appRegionOf(config.regions.primary)}): a failover region in the same place fails with it`,
              fix: secondaryRegionFix(config),
            },
          ]
        : [],
  },
  {
    // An app joins the VPC of its region's one App Platform datacenter only, and each region's
    // app joins the VPC of its configured datacenter: anything else would attach it nowhere.
    id: "regions-are-app-platform-datacenters",
    reads: [
      ["regions", "primary"],
      ["regions", "secondary"],
    ],
    violations: ({ regions }) =>
      (["primary", "secondary"] as const).flatMap((role): RuleViolation[] => {
        const datacenter = regions[role];
        if (datacenter === undefined) return [];
        const attached = appDatacenterOf(datacenter);
        if (attached === datacenter) return [];
        const datacenters = Object.values(APP_PLATFORM_DATACENTERS).join(", ");
        return [
          {
            path: ["regions", role],
            allowed:
              attached === undefined
                ? `a datacenter where App Platform runs apps, one of ${datacenters} (it has no region ${appRegionOf(datacenter)})`
                : `${attached}: an App Platform app in ${appRegionOf(datacenter)} joins VPCs in ${attached} only (one of ${datacenters}); a database elsewhere is reached through VPC peering, as replicas are`,
            fix: `pulumi config set --path 'regions.${role}' ${attached ?? failoverDatacenter(regions.primary, [])}`,
          },
        ];
      }),
  },
  {
    id: "registry-region-hosts-registries",
    reads: [
      ["registry", "region"],
      ["regions", "primary"],
    ],
    violations: ({ registry, regions }) =>
      registry.region === undefined &&
      !(REGISTRY_REGIONS as readonly string[]).includes(regions.primary)
        ? [
            {
              path: ["registry", "region"],
              allowed: `one of ${REGISTRY_REGIONS.join(", ")}: the primary region ${regions.primary} hosts no container registry, so name one`,
              fix: `pulumi config set --path 'registry.region' ${REGISTRY_REGIONS[0]}`,
            },
          ]
        : [],
  },
  {
    id: "standby-needs-2gb",
    reads: [
      ["database", "standbys"],
      ["database", "size"],
    ],
    violations: ({ database }) =>
      database.standbys > 0 && databaseMemoryGb(database.size) < STANDBY_MIN_MEMORY_GB
        ? [
            {
              path: ["database", "size"],
              allowed: `a size with at least 2 GB of memory when standbys is ${database.standbys} (DigitalOcean offers standby nodes from 2 GB)`,
              fix: "pulumi config set --path 'database.size' db-s-1vcpu-2gb",
            },
          ]
        : [],
  },
  {
    id: "pool-fits-connection-limit",
    reads: [
      ["database", "poolSize"],
      ["database", "size"],
    ],
    violations: ({ database }) =>
      database.poolSize > connectionLimit(database.size)
        ? [
            {
              path: ["database", "poolSize"],
              allowed: `at most ${connectionLimit(database.size)}, the connection limit of ${database.size}`,
              fix: `pulumi config set --path 'database.poolSize' ${Math.min(20, connectionLimit(database.size))}`,
            },
          ]
        : [],
  },
  {
    id: "production-has-standby",
    reads: [["environment"], ["database", "standbys"]],
    violations: ({ environment, database }) =>
      isProduction(environment) && database.standbys < 1
        ? [
            {
              path: ["database", "standbys"],
              allowed: "1 or 2 in production: without a standby, a node failure is an outage",
              fix: "pulumi config set --path 'database.standbys' 1",
            },
          ]
        : [],
  },
  {
    id: "production-has-replica-in-secondary-region",
    reads: [
      ["environment"],
      ["regions", "secondary"],
      ["database", "replicas"],
      ["database", "size"],
    ],
    violations: ({ environment, regions, database }) => {
      const secondary = regions.secondary;
      if (!isProduction(environment) || secondary === undefined) return [];
      return database.replicas.some((replica) => replica.region === secondary)
        ? []
        : [
            {
              path: ["database", "replicas"],
              allowed: `at least one replica in the secondary region ${secondary}: the failover app reads from it`,
              fix: `pulumi config set --path 'database.replicas[${database.replicas.length}].region' ${secondary} && pulumi config set --path 'database.replicas[${database.replicas.length}].size' ${database.size}`,
            },
          ];
    },
  },
  {
    // DigitalOcean refuses a fork outside the window, after creating nothing (infra/data/
    // point-in-time.ts); saying so before the run starts names the window instead.
    id: "restore-point-within-recovery-window",
    reads: [["database", "restore"]],
    violations: ({ database }, { now, restoredAt }) => {
      const at = database.restore?.at;
      if (at === undefined || (restoredAt !== undefined && sameInstant(at, restoredAt))) return [];
      const problem = restorePointProblem(at, now);
      if (problem === undefined) return [];
      const { earliest, latest } = restoreWindow(now);
      const latestText = utcTimestamp(latest);
      return [
        {
          path: ["database", "restore", "at"],
          allowed: `a time in DigitalOcean's point-in-time recovery window, from ${utcTimestamp(earliest)} to ${latestText} (the last 7 days); ${problem}`,
          fix: `pulumi config set --path 'database.restore.at' ${latestText}   (the latest restorable; any time in the window works)`,
        },
      ];
    },
  },
  {
    id: "trusted-ranges-are-narrow",
    reads: [["database", "trustedIpRanges"]],
    violations: ({ database }) =>
      database.trustedIpRanges.flatMap((range, index) => {
        const problem = trustedRangeProblem(range);
        return problem === undefined
          ? []
          : [
              {
                path: ["database", "trustedIpRanges", index],
                allowed: `a single address or a range of /${WIDEST_IPV4_PREFIX} (IPv4) or /${WIDEST_IPV6_PREFIX} (IPv6) or narrower; "${range}" ${problem}`,
                fix: `pulumi config set --path 'database.trustedIpRanges[${index}]' 203.0.113.10/32`,
              },
            ];
      }),
  },
  {
    id: "production-services-run-two-instances",
    reads: [["environment"], ["services"]],
    violations: ({ environment, services }) =>
      isProduction(environment)
        ? Object.entries(services).flatMap(([name, service]) => {
            const [fewest, key] =
              "autoscaling" in service
                ? [service.autoscaling.minInstances, "autoscaling.minInstances"]
                : [service.instances, "instances"];
            return fewest < 2
              ? [
                  {
                    path: ["services", name, ...key.split(".")],
                    allowed: "2 or more in production: one instance is a single point of failure",
                    fix: `pulumi config set --path 'services.${name}.${key}' 2`,
                  },
                ]
              : [];
          })
        : [],
  },
  {
    id: "apm-has-its-ingest-key",
    reads: [["monitoring", "apm"], ["apmIngestKey"]],
    violations: ({ monitoring, apmIngestKey }) => {
      if (monitoring.apm !== undefined && apmIngestKey === undefined) {
        return [
          {
            path: ["apmIngestKey"],
            allowed: `the ingest key of ${monitoring.apm.provider} when monitoring.apm is set: without it no trace is accepted`,
            fix: "pulumi config set --secret apmIngestKey <key>",
          },
        ];
      }
      if (monitoring.apm === undefined && apmIngestKey !== undefined) {
        return [
          {
            path: ["monitoring", "apm", "provider"],
            allowed: "datadog or newrelic when apmIngestKey is set: the key is for that backend",
            fix: "pulumi config set --path 'monitoring.apm.provider' datadog",
          },
        ];
      }
      return [];
    },
  },
  {
    id: "hostnames-inside-zone",
    reads: [["domain"]],
    violations: ({ domain }) => {
      const found: RuleViolation[] = [];
      for (const key of ["appHost", "assetsHost"] as const) {
        if (!domain[key].endsWith(`.${domain.zone}`)) {
          const label = key === "appHost" ? "app" : "assets";
          found.push({
            path: ["domain", key],
            allowed: `a hostname inside the zone ${domain.zone}: Cloudflare serves only its own zone`,
            fix: `pulumi config set --path 'domain.${key}' ${label}.${domain.zone}`,
          });
        }
      }
      if (domain.appHost === domain.assetsHost) {
        found.push({
          path: ["domain", "assetsHost"],
          allowed:
            "a hostname other than appHost: the assets are served by the bucket, not the app",
          fix: `pulumi config set --path 'domain.assetsHost' assets.${domain.zone}`,
        });
      }
      return found;
    },
  },
  {
    id: "assets-host-names-a-bucket",
    reads: [["domain"]],
    violations: ({ domain }) =>
      // The asset bucket is named after the hostname, and its log bucket adds "-logs".
      domain.assetsHost.length > MAX_ASSETS_HOST_LENGTH
        ? [
            {
              path: ["domain", "assetsHost"],
              allowed: `at most ${MAX_ASSETS_HOST_LENGTH} characters: the asset bucket is named after it, and S3 bucket names stop at 63 with "-logs" appended for its log bucket`,
              fix: `pulumi config set --path 'domain.assetsHost' assets.${domain.zone}`,
            },
          ]
        : [],
  },
  {
    // The policy pack's `edge-hsts-production` refuses the same at deploy time; refused here, a
    // stack file that would fail it never reaches a preview. (With preload on, the preload rule
    // below says it already.)
    id: "production-hsts-a-year",
    reads: [["environment"], ["edge", "hsts"]],
    violations: ({ environment, edge: { hsts } }) =>
      isProduction(environment) && !hsts.preload && hsts.maxAgeSeconds < HSTS_PRELOAD_MIN_MAX_AGE
        ? [
            {
              path: ["edge", "hsts", "maxAgeSeconds"],
              allowed: `${HSTS_PRELOAD_MIN_MAX_AGE} (one year) or more in production: a shorter HSTS lets a browser that has not visited for a while be downgraded to plain HTTP`,
              fix: `pulumi config set --path 'edge.hsts.maxAgeSeconds' ${HSTS_PRELOAD_MIN_MAX_AGE}`,
            },
          ]
        : [],
  },
  {
    id: "hsts-preload-requirements",
    reads: [["edge", "hsts"]],
    violations: ({ edge: { hsts } }) => {
      if (!hsts.preload) return [];
      const found: RuleViolation[] = [];
      if (hsts.maxAgeSeconds < HSTS_PRELOAD_MIN_MAX_AGE) {
        found.push({
          path: ["edge", "hsts", "maxAgeSeconds"],
          allowed: `${HSTS_PRELOAD_MIN_MAX_AGE} (one year) or more while preload is on: browsers' preload list refuses less`,
          fix: `pulumi config set --path 'edge.hsts.maxAgeSeconds' ${HSTS_PRELOAD_MIN_MAX_AGE}`,
        });
      }
      if (!hsts.includeSubdomains) {
        found.push({
          path: ["edge", "hsts", "includeSubdomains"],
          allowed: "true while preload is on: the preload list requires includeSubDomains",
          fix: "pulumi config set --path 'edge.hsts.includeSubdomains' true",
        });
      }
      return found;
    },
  },
  {
    id: "rate-limit-within-plan",
    reads: [
      ["edge", "plan"],
      ["edge", "rateLimit", "periodSeconds"],
    ],
    violations: ({ edge }) => {
      const { ratePeriods } = PLAN_LIMITS[edge.plan];
      return ratePeriods.includes(edge.rateLimit.periodSeconds)
        ? []
        : [
            {
              path: ["edge", "rateLimit", "periodSeconds"],
              allowed: `${ratePeriods.join(" or ")} on the ${edge.plan} plan (Cloudflare refuses a rate-limit rule with another period; longer periods need a higher plan)`,
              fix: `pulumi config set --path 'edge.rateLimit.periodSeconds' ${String(ratePeriods.at(-1))}`,
            },
          ];
    },
  },
  {
    // Cloudflare, "Configure webhooks": "only available if your account has at least one zone
    // with a pro plan or above". Without one, the first `pulumi up` fails creating the load
    // balancer's Slack destination.
    id: "slack-alerts-need-a-paid-cloudflare-account",
    reads: [["edge", "plan"], ["edge", "accountPlan"], ["edge", "accountId"], ["slackWebhookUrl"]],
    // This zone on Pro or above qualifies the account by itself; edge.accountPlan can only add
    // another zone's plan, never lower this one's.
    violations: ({ edge, slackWebhookUrl }) =>
      slackWebhookUrl === undefined ||
      edge.plan !== "free" ||
      (edge.accountPlan ?? "free") !== "free"
        ? []
        : [
            {
              path: ["edge", "accountPlan"],
              allowed: `pro or above when slackWebhookUrl is set: Cloudflare sends the load balancer's alerts to Slack (a webhook) only for accounts with a zone on Pro or above, and neither this zone (edge.plan) nor, by edge.accountPlan, any other zone of the account is`,
              fix: `pulumi config set --path 'edge.accountPlan' pro   (if another zone in Cloudflare account ${edge.accountId} is on Pro or above; otherwise upgrade this zone, or send alerts by e-mail only: pulumi config rm slackWebhookUrl)`,
            },
          ],
  },
  {
    id: "edge-ttl-within-plan",
    reads: [
      ["edge", "plan"],
      ["edge", "staticEdgeTtlSeconds"],
    ],
    violations: ({ edge }) => {
      const { minEdgeTtlSeconds } = PLAN_LIMITS[edge.plan];
      return edge.staticEdgeTtlSeconds >= minEdgeTtlSeconds
        ? []
        : [
            {
              path: ["edge", "staticEdgeTtlSeconds"],
              allowed: `${String(minEdgeTtlSeconds)} or more on the ${edge.plan} plan (the shortest edge TTL a cache rule may set there)`,
              fix: `pulumi config set --path 'edge.staticEdgeTtlSeconds' ${String(minEdgeTtlSeconds)}`,
            },
          ];
    },
  },
];

/** Whether one path lies inside the other (a broken group breaks every key in it). */
function overlaps(path: readonly PropertyKey[], other: ConfigPath): boolean {
  return path.every((segment, index) => index >= other.length || other[index] === segment);
}

/** Whether any of the schema's own issues (not a rule's finding) touches what a rule reads. */
function readsInvalidValue(rule: CrossFieldRule, issues: readonly z.core.$ZodRawIssue[]): boolean {
  return issues.some(
    (issue) =>
      issue.code !== "custom" && rule.reads.some((read) => overlaps(issue.path ?? [], read)),
  );
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
  const schemaIssues = [...ctx.issues];
  for (const rule of rules) {
    if (readsInvalidValue(rule, schemaIssues)) continue;
    for (const violation of rule.violations(config, context)) {
      ctx.addIssue({
        code: "custom",
        path: [...violation.path],
        message: violation.allowed,
        params: { rule: rule.id, fix: violation.fix },
        continue: true,
      });
    }
  }
}
