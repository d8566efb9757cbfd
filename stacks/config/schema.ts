// The one schema of the platform's stack config. Every key is documented here (`description`) with
// a realistic value (`examples`): the README's config reference and the "fix" line of every config
// error are generated from these, so they cannot drift apart.
import { z } from "zod";
import {
  APP_INSTANCE_SIZES,
  AWS_REGIONS,
  CLOUDFLARE_PLANS,
  DATABASE_SIZES,
  DATACENTER_REGIONS,
  ENVIRONMENTS,
  POSTGRES_VERSIONS,
  RATE_LIMIT_PERIODS,
  REGISTRY_REGIONS,
  REGISTRY_TIERS,
  UPTIME_REGIONS,
  WEEKDAYS,
} from "./catalog.ts";
import { DATADOG_SITES, NEWRELIC_REGIONS } from "../../infra/observability/apm.ts";
import {
  DEFAULT_USAGE,
  USAGE_DESCRIPTIONS,
  type UsageAssumptions,
} from "../../policy/cost/context.ts";
import { SERVICE_CATALOG, type CatalogService } from "../service-catalog.ts";

/** The Pulumi project name: config keys are `platform:<key>`. */
export const CONFIG_NAMESPACE = "platform";

/** A string matching `regex`; `allowed` says in words what matches (in errors and in the README). */
export function pattern(regex: RegExp, allowed: string) {
  return z.string().regex(regex, { error: allowed }).meta({ allowed });
}

export function documented<T extends z.ZodType>(
  schema: T,
  description: string,
  example: unknown,
): T {
  return schema.meta({ description, examples: [example] });
}

/** YAML `17` and `"17"` both mean version 17; `pulumi config set --path` stores the former. */
const postgresVersion = z.preprocess(
  (value) => (typeof value === "number" ? String(value) : value),
  z.enum(POSTGRES_VERSIONS),
);

const RESTORE_POINT = "an ISO 8601 time with its offset, e.g. 2026-11-03T10:15:00Z";

const hostname = pattern(
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  "a lower-case DNS name such as app.example.com",
);

const cloudflareId = pattern(/^[0-9a-f]{32}$/, "a Cloudflare id: 32 lower-case hex characters");

/** GitHub's names, which the bootstrap project's config takes too. */
export const GITHUB_OWNER = pattern(/^[A-Za-z0-9-]{1,39}$/, "a GitHub user or organisation name");
export const GITHUB_REPOSITORY = pattern(/^[A-Za-z0-9._-]{1,100}$/, "a GitHub repository name");

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);

const autoscaling = z
  .strictObject({
    minInstances: documented(wholeNumber(1, 250), "Fewest instances the service scales in to.", 2),
    maxInstances: documented(wholeNumber(1, 250), "Most instances the service scales out to.", 6),
    cpuPercent: documented(
      wholeNumber(20, 95),
      "Average CPU utilisation that autoscaling aims to hold.",
      70,
    ),
  })
  .superRefine(({ minInstances, maxInstances }, ctx) => {
    if (minInstances <= maxInstances) return;
    ctx.addIssue({
      code: "custom",
      path: ["maxInstances"],
      message: `at least minInstances (${minInstances})`,
      params: { suggest: minInstances * 2 },
    });
  });

const sizeDescription =
  "App Platform instance size. Autoscaling needs a dedicated-CPU size (`apps-d-*`).";
const DEDICATED = "a dedicated-CPU size (apps-d-*): App Platform autoscales only those";

/** A service runs a fixed number of instances, or autoscales on a dedicated-CPU size. */
const service = z.union([
  z.strictObject({
    size: documented(z.enum(APP_INSTANCE_SIZES), sizeDescription, "apps-d-1vcpu-1gb"),
    instances: documented(
      wholeNumber(1, 250),
      "Fixed instance count, when the service does not autoscale.",
      1,
    ),
  }),
  z.strictObject({
    size: documented(
      z
        .enum(
          APP_INSTANCE_SIZES.filter((size) => size.startsWith("apps-d-")),
          { error: DEDICATED },
        )
        .meta({ allowed: DEDICATED }),
      sizeDescription,
      "apps-d-1vcpu-1gb",
    ),
    autoscaling: documented(autoscaling, "Autoscaling bounds; replaces `instances`.", {
      minInstances: 2,
      maxInstances: 6,
      cpuPercent: 70,
    }),
  }),
]);

/**
 * Size and scaling of every service of the catalog, keyed by its name: a stack sizes each one, and
 * no other (stacks/service-catalog.ts).
 */
function servicesGroup(catalog: readonly CatalogService[]) {
  return z
    .strictObject(
      Object.fromEntries(
        catalog.map((entry) => [
          entry.name,
          service.meta({
            description: `${entry.description} (\`${entry.folder}\`, ${entry.kind})`,
          }),
        ]),
      ),
    )
    .meta({
      description: "Size and scaling of each service of the catalog (`stacks/service-catalog.ts`).",
    });
}

/** A usage assumption of the cost estimate, with its default (policy/cost/context.ts). */
const usageAmount = (key: keyof UsageAssumptions) =>
  documented(
    z.number().min(0).max(1e12).default(DEFAULT_USAGE[key]),
    `${USAGE_DESCRIPTIONS[key]}.`,
    DEFAULT_USAGE[key],
  );

/** What raises an APM alert on a watched service, whichever the backend. */
const alertThresholds = {
  errorRatePercent: documented(
    wholeNumber(1, 100).default(5),
    "Share of a watched service's requests failing, in percent, that raises an alert.",
    5,
  ),
  p95LatencyMs: documented(
    wholeNumber(10, 60_000).default(1000),
    "A watched service's p95 latency, in milliseconds, that raises an alert.",
    1000,
  ),
};

const replica = z.strictObject({
  region: documented(z.enum(DATACENTER_REGIONS), "Datacenter of the read-only replica.", "ams3"),
  size: documented(z.enum(DATABASE_SIZES), "Size of the replica.", "db-s-2vcpu-4gb"),
});

const groups = {
  environment: documented(
    z.enum(ENVIRONMENTS),
    "The stack name; decides the safety rules (production: failover everywhere, protection).",
    "production",
  ),
  digitalocean: z
    .strictObject({
      team: documented(
        z.string().trim().min(1, { error: "must name the team" }),
        "Name (or UUID) of the DigitalOcean team this environment lives in; each environment needs its own team, since the container registry and its tier are one per team. The program stops before changing anything when the credentials belong to another team.",
        "acme-production",
      ),
    })
    .meta({ description: "The DigitalOcean team that owns the environment." }),
  domain: z
    .strictObject({
      zone: documented(
        hostname,
        "The Cloudflare zone (apex domain) that serves the environment; one zone per environment, since zone settings and rulesets are one per zone.",
        "example.com",
      ),
      appHost: documented(
        hostname,
        "Public hostname of the app: the catalog's public services answer under their routes there.",
        "app.example.com",
      ),
      assetsHost: documented(
        hostname,
        "Public hostname of the asset bucket.",
        "assets.example.com",
      ),
    })
    .meta({ description: "Domain and hostnames." }),
  regions: z
    .strictObject({
      primary: documented(
        z.enum(DATACENTER_REGIONS),
        "Datacenter of the primary app and the database primary. The app runs in the matching App Platform region (`fra1` → `fra`) and joins this datacenter's VPC, so it must be the one datacenter App Platform attaches apps of that region to: ams3, blr1, fra1, lon1, nyc1, sfo3, sgp1, syd1 or tor1.",
        "fra1",
      ),
      secondary: documented(
        z.enum(DATACENTER_REGIONS).optional(),
        "Datacenter of the failover app and the read replica, one App Platform attaches apps to (as for `primary`). Required in production.",
        "ams3",
      ),
    })
    .meta({ description: "Where the platform runs." }),
  services: servicesGroup(SERVICE_CATALOG),
  registry: z
    .strictObject({
      name: documented(
        pattern(/^[a-z0-9-]{3,63}$/, "3 to 63 lower-case letters, digits or dashes"),
        "Name of the DigitalOcean container registry: one per account, unique across DigitalOcean.",
        "acme-platform",
      ),
      tier: documented(z.enum(REGISTRY_TIERS), "Registry subscription tier.", "basic"),
      region: documented(
        z.enum(REGISTRY_REGIONS).optional(),
        "Datacenter that stores the images; defaults to the primary region when it hosts registries.",
        "fra1",
      ),
    })
    .meta({ description: "Container registry the stack pushes images to." }),
  database: z
    .strictObject({
      engineVersion: documented(postgresVersion, "PostgreSQL major version.", "17"),
      size: documented(
        z.enum(DATABASE_SIZES),
        "Size of the primary (and of each standby).",
        "db-s-2vcpu-4gb",
      ),
      standbys: documented(
        wholeNumber(0, 2),
        "Standby nodes for automatic failover (needs a size with at least 2 GB).",
        1,
      ),
      replicas: documented(
        z.array(replica).max(5),
        "Read-only replicas; production needs one in the secondary region.",
        [{ region: "ams3", size: "db-s-2vcpu-4gb" }],
      ),
      poolSize: documented(
        wholeNumber(1, 5000),
        "Connections of the transaction-mode pools, shared equally among the roles of the services that use the database (a pool each); at most the size's connection limit (25 per GB, less 3). DigitalOcean cannot resize a pool, so a change replaces each pool whose share changes; production retains its pools, so delete those first there (README, Add a service).",
        20,
      ),
      maintenanceWindow: z
        .strictObject({
          day: documented(z.enum(WEEKDAYS), "Day of the maintenance window.", "sunday"),
          hour: documented(
            pattern(/^([01]\d|2[0-3]):00$/, "a whole UTC hour as HH:00"),
            "UTC hour at which the maintenance window opens.",
            "03:00",
          ),
        })
        .meta({ description: "Weekly maintenance window." }),
      trustedIpRanges: documented(
        z.array(z.string()).default([]),
        "Extra addresses allowed through the database firewall (CIDR, /24 or narrower; never 0.0.0.0/0).",
        ["203.0.113.10/32"],
      ),
      clusterName: documented(
        pattern(
          /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/,
          "3 to 63 lower-case letters, digits or dashes, starting with a letter",
        ).optional(),
        "Name of the primary cluster in DigitalOcean; `platform-<stack>` when unset. Set it only to adopt another cluster as the primary: the restored one after a cut-over, or the promoted replica after a lost region (README, Runbooks).",
        "platform-production-replica-ams3",
      ),
      restore: documented(
        z
          .strictObject({
            at: documented(
              z.iso
                .datetime({ offset: true, error: RESTORE_POINT })
                .meta({ allowed: RESTORE_POINT }),
              "The point in time to restore, within DigitalOcean's point-in-time recovery window: the last 7 days.",
              "2026-11-03T10:15:00Z",
            ),
          })
          .optional(),
        "Restores the live cluster's backups as of `at` into a separate cluster beside it (a fork), never touching the live one; remove it to discard the copy (README, Runbooks).",
        { at: "2026-11-03T10:15:00Z" },
      ),
    })
    .meta({ description: "Managed PostgreSQL." }),
  assets: z
    .strictObject({
      awsRegion: documented(
        z.enum(AWS_REGIONS),
        "AWS region of the asset buckets.",
        "eu-central-1",
      ),
      noncurrentVersionExpirationDays: documented(
        wholeNumber(1, 3650),
        "Days before a replaced object version is deleted.",
        30,
      ),
    })
    .meta({ description: "S3 asset storage." }),
  edge: z
    .strictObject({
      accountId: documented(
        cloudflareId,
        "Cloudflare account id (load balancer pools live there).",
        "0123456789abcdef0123456789abcdef",
      ),
      zoneId: documented(
        cloudflareId,
        "Cloudflare zone id of `domain.zone`.",
        "fedcba9876543210fedcba9876543210",
      ),
      hsts: z
        .strictObject({
          maxAgeSeconds: documented(wholeNumber(0, 63_072_000), "HSTS max-age.", 31_536_000),
          includeSubdomains: documented(z.boolean(), "HSTS includeSubDomains.", true),
          preload: documented(
            z.boolean(),
            "HSTS preload (needs max-age of a year or more).",
            false,
          ),
        })
        .meta({ description: "Strict-Transport-Security." }),
      plan: documented(
        z.enum(CLOUDFLARE_PLANS),
        "The zone's Cloudflare plan: which rate-limit periods, managed WAF rulesets and edge TTLs the edge may use. Load balancing is a paid add-on on every plan.",
        "pro",
      ),
      accountPlan: documented(
        z.enum(CLOUDFLARE_PLANS).optional(),
        "The highest plan of any zone in `edge.accountId`, when higher than `edge.plan`. Cloudflare delivers notifications to webhooks (the load balancer's Slack alerts) only for accounts with a zone on Pro or above. Defaults to `edge.plan`.",
        "pro",
      ),
      originLockGeneration: documented(
        wholeNumber(1, 1_000_000).default(1),
        "Generation of the origin lock's secret; add one to rotate it. The apps accept this generation's secret and the previous one, so the edge switches without refusing a request.",
        1,
      ),
      staticEdgeTtlSeconds: documented(
        wholeNumber(60, 31_536_000),
        "Edge cache TTL of `/_next/static/*` and the assets hostname.",
        2_592_000,
      ),
      rateLimit: z
        .strictObject({
          requests: documented(
            wholeNumber(1, 100_000),
            "Requests per client IP per period to the app's form posts (on Free and Pro, to `/`, which the form posts to; on Business and Enterprise, to any POST).",
            600,
          ),
          periodSeconds: documented(
            z.literal(RATE_LIMIT_PERIODS),
            "Rate-limit counting period.",
            60,
          ),
        })
        .meta({ description: "Rate limit of the public form posts." }),
    })
    .meta({ description: "Cloudflare in front of the platform." }),
  aws: z
    .strictObject({
      // `pulumi config set --path` stores digits as a number, which drops leading zeros: read
      // one back as the twelve digits it was.
      accountId: z.preprocess(
        (value) =>
          typeof value === "number" && Number.isSafeInteger(value) && value >= 0
            ? String(value).padStart(12, "0")
            : value,
        documented(
          pattern(/^\d{12}$/, "a 12-digit AWS account id"),
          "The AWS account this environment's buckets live in. Before registering anything the program asks AWS whose credentials it holds (STS GetCallerIdentity) and stops when they belong to another account; the AWS provider refuses any other account too. Give production an account of its own.",
          "111111111111",
        ),
      ),
    })
    .meta({ description: "The AWS account of the environment." }),
  github: z
    .strictObject({
      owner: documented(GITHUB_OWNER, "Owner of the repository.", "acme"),
      repository: documented(
        GITHUB_REPOSITORY,
        "Repository whose workflows deploy this stack. Its environments, their protection rules, the CI roles and the rulesets come from the bootstrap project (`bootstrap/`); this stack writes only what it knows into its deploy environment: the app's URL, the origins, the registry and the origin lock's secret.",
        "platform",
      ),
    })
    .meta({
      description:
        "GitHub: the repository whose deploy environment (`<stack>`) receives this stack's variables and secrets.",
    }),
  monitoring: z
    .strictObject({
      alertEmails: documented(
        z.array(z.email()).min(1),
        "Who receives alerts. Each address must belong to a member of the DigitalOcean team (`digitalocean.team`): App Platform refuses any other, after the app is created.",
        ["oncall@example.com"],
      ),
      uptimeRegions: documented(
        z.array(z.enum(UPTIME_REGIONS)).min(1),
        "Where uptime checks probe from.",
        ["eu_west", "us_east"],
      ),
      slackChannel: documented(
        pattern(/^#[a-z0-9_-]{1,80}$/, "a Slack channel such as #platform-alerts").default(
          "#platform-alerts",
        ),
        "Slack channel the alert webhook posts to (used when `slackWebhookUrl` is set).",
        "#platform-alerts",
      ),
      latencyThresholdMs: documented(
        wholeNumber(100, 30_000),
        "Uptime latency that raises an alert.",
        2000,
      ),
      apm: documented(
        z
          .discriminatedUnion("provider", [
            z.strictObject({
              provider: documented(
                z.literal("datadog"),
                "Where the services send OpenTelemetry traces and metrics, and where the monitors of the services the catalog asks to watch (`apmMonitors`) live. Its ingest key is the secret `apmIngestKey`.",
                "datadog",
              ),
              datadogSite: documented(
                z.enum(DATADOG_SITES).default("datadoghq.com"),
                "Datadog site of the organisation (provider datadog).",
                "datadoghq.eu",
              ),
              ...alertThresholds,
            }),
            z.strictObject({
              provider: documented(z.literal("newrelic"), "New Relic as the backend.", "newrelic"),
              newrelicRegion: documented(
                z.enum(NEWRELIC_REGIONS).default("US"),
                "New Relic data centre of the account (provider newrelic).",
                "EU",
              ),
              newrelicAccountId: documented(
                wholeNumber(1, Number.MAX_SAFE_INTEGER),
                "New Relic account id that holds the alert policy (provider newrelic; required there).",
                1234567,
              ),
              ...alertThresholds,
            }),
          ])
          .optional(),
        "Application performance monitoring; leave unset to send no telemetry.",
        { provider: "datadog", datadogSite: "datadoghq.eu" },
      ),
    })
    .meta({ description: "Uptime checks and alert routes." }),
  cost: z
    .strictObject({
      budget: documented(
        z
          .number()
          .positive()
          .max(1_000_000)
          .meta({ allowed: "a number of US dollars above 0, at most 1000000" })
          .optional(),
        "Monthly budget in USD. The policy rule `cost-within-budget` fails a preview whose minimum monthly estimate (`pnpm cost <stack>`) exceeds it, and names the biggest items. Unset: no budget.",
        900,
      ),
      usage: z
        .strictObject({
          s3StorageGb: usageAmount("s3StorageGb"),
          s3WriteRequests: usageAmount("s3WriteRequests"),
          s3ReadRequests: usageAmount("s3ReadRequests"),
          s3EgressGb: usageAmount("s3EgressGb"),
          appEgressGib: usageAmount("appEgressGib"),
          jobMinutes: usageAmount("jobMinutes"),
          loadBalancerDnsQueries: usageAmount("loadBalancerDnsQueries"),
        })
        .default({ ...DEFAULT_USAGE })
        .meta({
          description:
            "What the usage-priced items of the estimate assume a month; each has a default.",
        }),
    })
    .default({ usage: { ...DEFAULT_USAGE } })
    .meta({
      description:
        "The monthly cost estimate (`pnpm cost`): an optional budget, and the usage it assumes.",
    }),
} as const;

/** Optional integrations: each turns on when its secret is set (`pulumi config set --secret`). */
const secrets = {
  sentryDsn: documented(
    z.url({ protocol: /^https$/ }).optional(),
    "Sentry DSN handed to every service.",
    "https://public@o0.ingest.sentry.io/0",
  ),
  logtailToken: documented(
    z.string().min(8).optional(),
    "Logtail (Better Stack) source token.",
    "lt_source_token",
  ),
  papertrailEndpoint: documented(
    pattern(/^syslog\+tls:\/\/[a-z0-9.-]+:\d+$/, "syslog+tls://host:port").optional(),
    "Papertrail log destination.",
    "syslog+tls://logs1.papertrailapp.com:12345",
  ),
  datadogApiKey: documented(
    pattern(/^[0-9a-f]{32}$/, "32 hex characters").optional(),
    "Datadog API key for log forwarding.",
    "f00dfacef00dfacef00dfacef00dface",
  ),
  slackWebhookUrl: documented(
    // Exactly Slack's shape: the edge hands Cloudflare the URL and its last segment apart.
    pattern(
      /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/,
      "https://hooks.slack.com/services/<team>/<channel>/<secret>",
    ).optional(),
    "Slack incoming webhook that receives alerts.",
    "https://hooks.slack.com/services/T000/B000/XXXX",
  ),
  apmIngestKey: documented(
    z.string().min(16).optional(),
    "Ingest key of `monitoring.apm.provider`: a Datadog API key, or a New Relic license key. Sent to the services only inside a SECRET env var.",
    "ingest-key-from-the-apm-backend",
  ),
} as const;

/** Keys whose value must be a Pulumi secret (`secure:` in the stack file). */
export const SECRET_KEYS = Object.keys(secrets) as (keyof typeof secrets)[];

/** Top-level keys holding structured (object) values. */
export const GROUP_KEYS = Object.keys(groups).filter((key) => key !== "environment");

/** The shape of the config, for its JSON Schema (the README's reference, problem texts). */
export const stackConfigSchema = z.strictObject({ ...groups, ...secrets });

/** The schema of a stack whose services are those of `catalog`. */
export function schemaFor(catalog: readonly CatalogService[]): typeof stackConfigSchema {
  return catalog === SERVICE_CATALOG
    ? stackConfigSchema
    : // The same keys but `services`, whose keys are the catalog's: the same type to every reader.
      stackConfigSchema.extend({ services: servicesGroup(catalog) });
}

export type StackConfig = z.output<typeof stackConfigSchema>;
export type ServiceConfig = z.output<typeof service>;
