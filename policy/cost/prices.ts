// The price table of the cost estimate: every price it uses, each with where it was read and when.
// Data only; policy/cost/estimate.ts applies it. A price that no published source in reach gave is
// `usd: null` with the reason: the estimate then lists the quantity as unpriced instead of $0.
// `evidence` says what was actually read when the page itself was not (the pages corpus of the
// search tool holds no copy of some pricing pages); README "What it costs" lists those.

export interface PriceSource {
  url: string;
  /** The day the price was read, YYYY-MM-DD. */
  read: string;
  /** What the number was read from, when not the page at `url` itself. */
  evidence?: string;
}

export interface KnownPrice {
  usd: number;
  /** What one unit is, e.g. `instance-month`, `GiB-month`, `1,000 requests`. */
  unit: string;
  source: PriceSource;
}

export interface MissingPrice {
  usd: null;
  unit: string;
  source: PriceSource;
  /** Why there is no number. */
  missing: string;
}

export type Price = KnownPrice | MissingPrice;

/** Resources that cost nothing by themselves, with the source that says so. */
export interface FreeType {
  why: string;
  source: PriceSource;
}

const READ = "2026-12-07";

// DigitalOcean's API lists App Platform instance sizes with their prices (GET
// /v2/apps/tiers/instance_sizes): the response example of its OpenAPI description.
const DO_INSTANCE_SIZES: PriceSource = {
  url: "https://github.com/digitalocean/openapi/blob/46111f4e10c5b496319b4ecc1dc920c942a7bb2f/specification/resources/apps/responses/examples.yml",
  read: READ,
  evidence:
    "instance_sizes: usd_per_month, usd_per_second and bandwidth_allowance_gib of every size (GET /v2/apps/tiers/instance_sizes)",
};

export interface AppInstanceSize {
  usdPerMonth: number;
  usdPerSecond: number;
  /** Outbound transfer each instance of the size brings to its app's allowance. */
  bandwidthAllowanceGib: number;
}

/** One size as the API lists it: `usd_per_month`, `usd_per_second`, `bandwidth_allowance_gib`. */
function size(
  usdPerMonth: number,
  usdPerSecond: number,
  bandwidthAllowanceGib: number,
): AppInstanceSize {
  return { usdPerMonth, usdPerSecond, bandwidthAllowanceGib };
}

/** App Platform instance sizes, by slug. */
export const APP_INSTANCE_SIZES: Readonly<Record<string, AppInstanceSize>> = {
  "apps-s-1vcpu-0.5gb": size(5, 0.000002066799, 50),
  "apps-s-1vcpu-1gb-fixed": size(10, 0.000004133598, 100),
  "apps-s-1vcpu-1gb": size(12, 0.000004960317, 150),
  "apps-s-1vcpu-2gb": size(25, 0.000010333995, 200),
  "apps-s-2vcpu-4gb": size(50, 0.000020667989, 250),
  "apps-d-1vcpu-0.5gb": size(29, 0.000011987434, 100),
  "apps-d-1vcpu-1gb": size(34, 0.000014054233, 200),
  "apps-d-1vcpu-2gb": size(39, 0.000016121032, 300),
  "apps-d-1vcpu-4gb": size(49, 0.00002025463, 400),
  "apps-d-2vcpu-4gb": size(78, 0.000032242063, 500),
  "apps-d-2vcpu-8gb": size(98, 0.000040509259, 600),
  "apps-d-4vcpu-8gb": size(156, 0.000064484127, 700),
  "apps-d-4vcpu-16gb": size(196, 0.000081018519, 800),
  "apps-d-8vcpu-32gb": size(392, 0.000162037037, 900),
};

export const APP_INSTANCE_SOURCE = DO_INSTANCE_SIZES;

/** Outbound transfer of an app beyond the allowance of its instances. */
export const APP_BANDWIDTH_OVERAGE: MissingPrice = {
  usd: null,
  unit: "GiB",
  source: {
    url: "https://docs.digitalocean.com/products/app-platform/details/pricing/",
    read: READ,
  },
  missing:
    "the per-GiB overage price was not found in the material read (the API gives only the allowances)",
};

const DO_DATABASES: PriceSource = {
  url: "https://www.digitalocean.com/pricing/managed-databases#postgresql",
  read: READ,
  evidence:
    "no stored copy of the page; $15 (1 GiB) and $30 (2 GiB) are quoted from it in dwyl/learn-postgresql#54 (2023-11-18: 'Prices haven't changed'), 4 GiB and up as $15 per GiB of memory by public cost tools, not by DigitalOcean",
};

/** Managed PostgreSQL node sizes (`digitalocean.DatabaseSlug`), per node per month. */
export const DATABASE_NODE_SIZES: Readonly<Record<string, number>> = {
  "db-s-1vcpu-1gb": 15,
  "db-s-1vcpu-2gb": 30,
  "db-s-2vcpu-4gb": 60,
  "db-s-4vcpu-8gb": 120,
  "db-s-6vcpu-16gb": 240,
  "db-s-8vcpu-32gb": 480,
  "db-s-16vcpu-64gb": 960,
};

export const DATABASE_SOURCE = DO_DATABASES;

/**
 * A standby node costs what its primary does: a 2 GiB cluster with one standby starts at $60
 * (dwyl/learn-postgresql#54), twice the single node's $30; savankong/The-Roster#86 prices a standby
 * at the 2 GiB tier "roughly the same as the primary". A read-only node is a node of its own size.
 */
export const DATABASE_STANDBY_SOURCE: PriceSource = {
  ...DO_DATABASES,
  evidence:
    "a standby is billed as another node of the cluster's size: dwyl/learn-postgresql#54 (standby brings the 2 GiB cluster to $60), savankong/The-Roster#86",
};

/** Container registry subscription tiers (`GET /v2/registry/options`, `monthly_price_in_cents`). */
export const REGISTRY_TIERS: Readonly<Record<string, number>> = {
  starter: 0,
  basic: 5,
  professional: 20,
};

export const REGISTRY_SOURCE: PriceSource = {
  url: "https://github.com/digitalocean/openapi/blob/46111f4e10c5b496319b4ecc1dc920c942a7bb2f/specification/resources/registry/responses/registry_options_response.yml",
  read: READ,
  evidence:
    "subscription_tiers: monthly_price_in_cents 0 / 500 / 2000, each with its included storage and transfer",
};

export const UPTIME_CHECK: MissingPrice = {
  usd: null,
  unit: "check-month",
  source: { url: "https://docs.digitalocean.com/products/uptime/", read: READ },
  missing: "no published per-check price was found in the material read",
};

/** Cloudflare zone plans, billed monthly ($20 and $200 a month when billed annually). */
export const CLOUDFLARE_PLANS: Readonly<Record<string, Price>> = {
  free: { usd: 0, unit: "zone-month", source: cloudflarePlans() },
  pro: { usd: 25, unit: "zone-month", source: cloudflarePlans() },
  business: { usd: 250, unit: "zone-month", source: cloudflarePlans() },
  enterprise: {
    usd: null,
    unit: "zone-month",
    source: cloudflarePlans(),
    missing: "Enterprise is priced by contract ('Custom' on the plans page)",
  },
};

function cloudflarePlans(): PriceSource {
  return {
    url: "https://www.cloudflare.com/plans/",
    read: READ,
    evidence:
      "Pro '$20/mo billed annually, or $25/mo billed monthly', Business '$200 / $250', Contract 'Custom' (transcription of the page read 2026-10-07, api-evangelist/cloudflare-ai-gateway plans)",
  };
}

/** The Load Balancing add-on: its subscription is priced by origins and health-check regions. */
export const LOAD_BALANCING_SUBSCRIPTION: MissingPrice = {
  usd: null,
  unit: "subscription-month",
  source: {
    url: "https://github.com/cloudflare/cloudflare-docs/issues/33527",
    read: READ,
    evidence:
      "'The documentation is completely missing LB pricing, you need to open the Cloudflare dashboard to view it' (2026-09-18); self-serve includes 1 health-check region and can buy up to 8 (cloudflare/cloudflare-docs#31421)",
  },
  missing: "Cloudflare publishes the Load Balancing price only in the logged-in dashboard",
};

/** Load-balanced hostnames' DNS queries: the first 500,000 a month are included. */
export const LOAD_BALANCING_DNS: { includedQueries: number; beyond: MissingPrice } = {
  includedQueries: 500_000,
  beyond: {
    usd: null,
    unit: "500,000 queries",
    source: {
      url: "https://developers.cloudflare.com/support/account-management-billing/billing-cloudflare-add-on-services/",
      read: READ,
    },
    missing: "the page gives the free tier (first 500K) and links to the dashboard for the rate",
  },
};

export const LOAD_BALANCING_DNS_SOURCE = LOAD_BALANCING_DNS.beyond.source;

export interface S3RegionPrices {
  storageGbMonth: number;
  /** PUT, COPY, POST, LIST. */
  tier1PerThousand: number;
  /** GET and all other requests. */
  tier2PerThousand: number;
}

const S3_SOURCE: PriceSource = {
  url: "https://aws.amazon.com/s3/pricing/",
  read: READ,
  evidence:
    "the stored copy of the page renders these cells as template tokens (api-evangelist/amazon-s3, read 2026-09-20); the numbers are the Price List API's (usage types <region>-TimedStorage-ByteHrs, -Requests-Tier1, -Requests-Tier2) as quoted in public code and its tests",
};

/** S3 Standard, first 50 TB, by the region of the buckets. */
export const S3_REGIONS: Readonly<Record<string, S3RegionPrices>> = {
  "us-east-1": { storageGbMonth: 0.023, tier1PerThousand: 0.005, tier2PerThousand: 0.0004 },
  "eu-central-1": { storageGbMonth: 0.0245, tier1PerThousand: 0.0054, tier2PerThousand: 0.00043 },
};

export const S3_PRICE_SOURCE = S3_SOURCE;

/** Data out of AWS to the internet: the first 100 GB a month are free across the account. */
export const S3_EGRESS: { freeGb: number; beyond: MissingPrice } = {
  freeGb: 100,
  beyond: {
    usd: null,
    unit: "GB",
    source: {
      ...S3_SOURCE,
      evidence:
        "'first 100GB data transfer out to internet per month' free (api-evangelist/amazon-s3 transcription, read 2026-09-20); the per-GB rate beyond is not in the stored copy",
    },
    missing: "the per-GB rate beyond the free 100 GB is not in the material read",
  },
};

const aws = (url: string, evidence: string): PriceSource => ({ url, read: READ, evidence });

const S3_CONFIGURATION: FreeType = {
  why: "bucket configuration; S3 bills storage, requests and transfer, priced as usage",
  source: aws("https://aws.amazon.com/s3/pricing/", "'Pay only for what you use'"),
};

const IAM: FreeType = {
  why: "IAM",
  source: aws(
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction.html",
    "'IAM is an Amazon Web Services service that you can use with no additional charge' (docs.amazonaws.cn/en_us/quick/latest/userguide/iam.md)",
  ),
};

const DO_VPC: FreeType = {
  why: "VPC network; traffic on it does not count against bandwidth",
  source: {
    url: "https://docs.digitalocean.com/products/networking/vpc/",
    read: READ,
    evidence:
      "no price is listed for VPC networks or peerings; 'traffic on them doesn't count against bandwidth usage'",
  },
};

const DATABASE_PART: FreeType = {
  why: "part of its database cluster, billed by the cluster's nodes",
  source: DO_DATABASES,
};

const CLOUDFLARE_ZONE_PART: FreeType = {
  why: "part of the zone's plan",
  source: cloudflarePlans(),
};

const LOAD_BALANCER_PART: FreeType = {
  why: "part of the Load Balancing subscription",
  source: LOAD_BALANCING_SUBSCRIPTION.source,
};

const GITHUB_SETTING: FreeType = {
  why: "a repository setting of GitHub, with no charge of its own",
  source: {
    url: "https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments",
    read: READ,
    evidence:
      "environments, their secrets and variables and rulesets are repository features; the plan of the owner decides which are available",
  },
};

/** Resource types that cost nothing by themselves. */
export const FREE_TYPES: Readonly<Record<string, FreeType>> = {
  "digitalocean:index/vpc:Vpc": DO_VPC,
  "digitalocean:index/vpcPeering:VpcPeering": DO_VPC,
  "digitalocean:index/project:Project": {
    why: "a grouping of resources",
    source: { url: "https://docs.digitalocean.com/products/projects/", read: READ },
  },
  "digitalocean:index/databaseFirewall:DatabaseFirewall": DATABASE_PART,
  "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": DATABASE_PART,
  "digitalocean:index/databaseDb:DatabaseDb": DATABASE_PART,
  "digitalocean:index/databaseUser:DatabaseUser": DATABASE_PART,
  "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials": {
    why: "credentials of the registry, billed by its tier",
    source: REGISTRY_SOURCE,
  },
  "digitalocean:index/uptimeAlert:UptimeAlert": {
    why: "an alert of an uptime check, counted with its check",
    source: UPTIME_CHECK.source,
  },
  "docker:index/image:Image": {
    why: "built by the deploying job and stored in the registry, whose tier includes the storage",
    source: REGISTRY_SOURCE,
  },
  "random:index/randomPassword:RandomPassword": {
    why: "generated by the provider itself, no service behind it",
    source: {
      url: "https://registry.terraform.io/providers/hashicorp/random/latest/docs",
      read: READ,
    },
  },
  "cloudflare:index/ruleset:Ruleset": CLOUDFLARE_ZONE_PART,
  "cloudflare:index/zoneSetting:ZoneSetting": CLOUDFLARE_ZONE_PART,
  "cloudflare:index/dnsRecord:DnsRecord": CLOUDFLARE_ZONE_PART,
  "cloudflare:index/notificationPolicy:NotificationPolicy": CLOUDFLARE_ZONE_PART,
  "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks": CLOUDFLARE_ZONE_PART,
  "cloudflare:index/loadBalancerPool:LoadBalancerPool": LOAD_BALANCER_PART,
  "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor": LOAD_BALANCER_PART,
  "aws:s3/bucketVersioning:BucketVersioning": S3_CONFIGURATION,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    S3_CONFIGURATION,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": S3_CONFIGURATION,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": S3_CONFIGURATION,
  "aws:s3/bucketPolicy:BucketPolicy": S3_CONFIGURATION,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": S3_CONFIGURATION,
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": S3_CONFIGURATION,
  "aws:s3/bucketLogging:BucketLogging": S3_CONFIGURATION,
  "aws:s3/bucketObjectv2:BucketObjectv2": {
    why: "an object, counted in the S3 storage assumption",
    source: S3_SOURCE,
  },
  "aws:iam/role:Role": IAM,
  "aws:iam/rolePolicy:RolePolicy": IAM,
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": IAM,
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": GITHUB_SETTING,
  "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": GITHUB_SETTING,
  "github:index/repositoryEnvironment:RepositoryEnvironment": GITHUB_SETTING,
  "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy":
    GITHUB_SETTING,
  "github:index/repositoryRuleset:RepositoryRuleset": GITHUB_SETTING,
};

/**
 * Resource types billed by another account's own plan, outside this estimate: the APM backends
 * bill by hosts and ingested data, not by the monitors and routes a stack declares.
 */
export const OUTSIDE_TYPES: Readonly<Record<string, string>> = {
  "datadog:index/monitor:Monitor": "a Datadog monitor, billed under the Datadog account's plan",
  "datadog:index/webhook:Webhook": "a Datadog webhook, billed under the Datadog account's plan",
  "newrelic:index/alertPolicy:AlertPolicy": "New Relic alerting, billed under the account's plan",
  "newrelic:index/nrqlAlertCondition:NrqlAlertCondition":
    "New Relic alerting, billed under the account's plan",
  "newrelic:index/notificationDestination:NotificationDestination":
    "New Relic alerting, billed under the account's plan",
  "newrelic:index/notificationChannel:NotificationChannel":
    "New Relic alerting, billed under the account's plan",
};
