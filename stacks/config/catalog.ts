// The provider values that stack config is checked against. Where a provider SDK publishes the list
// (DigitalOcean regions and database sizes, AWS regions), it is taken from the SDK so that an
// upgrade brings new values; the rest comes from the providers' documentation.
import { aws } from "../../infra/sdk/aws.ts";
import { digitalocean } from "../../infra/sdk/digitalocean.ts";

/** The stacks this program knows. Any other stack name is refused, never treated as staging. */
export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * The datacenters of the SDK's list (digitalocean.Region) where both a new managed PostgreSQL
 * cluster and an App Platform app can be created today. "PostgreSQL Availability"
 * (docs.digitalocean.com/products/databases/postgresql/details/availability/, generated 26 Mar
 * 2026) marks nyc1, nyc2, nyc3, ams3, sfo2, sfo3, sgp1, lon1, fra1, tor1, blr1 and syd1; App
 * Platform's regions ("List App Regions", docs.digitalocean.com/reference/dots/reference/apps/
 * apps-list-regions/: nyc → nyc1, nyc3; ams → ams3; fra → fra1) and its VPC table
 * (APP_PLATFORM_DATACENTERS below) name neither nyc2 nor sfo2. sfo1 and ams2 take nothing new.
 */
const CURRENT = new Set([
  "nyc1",
  "nyc3",
  "sgp1",
  "lon1",
  "ams3",
  "fra1",
  "tor1",
  "sfo3",
  "blr1",
  "syd1",
]);

/** DigitalOcean datacenter slugs where the platform's databases and apps can be created. */
export const DATACENTER_REGIONS = Object.values(digitalocean.Region).filter((region) =>
  CURRENT.has(region),
);

/** DigitalOcean managed database sizes; the memory is the `<n>gb` suffix of the slug. */
export const DATABASE_SIZES = digitalocean.DatabaseSlug;

/** PostgreSQL major versions that DigitalOcean offers and that are still supported upstream. */
export const POSTGRES_VERSIONS = ["15", "16", "17"] as const;

/**
 * App Platform instance sizes. Autoscaling is only offered on dedicated-CPU sizes (`apps-d-*`).
 * Source: `doctl apps tier instance-size list`.
 */
export const APP_INSTANCE_SIZES = [
  "apps-s-1vcpu-0.5gb",
  "apps-s-1vcpu-1gb-fixed",
  "apps-s-1vcpu-1gb",
  "apps-s-1vcpu-2gb",
  "apps-s-2vcpu-4gb",
  "apps-d-1vcpu-0.5gb",
  "apps-d-1vcpu-1gb",
  "apps-d-1vcpu-2gb",
  "apps-d-1vcpu-4gb",
  "apps-d-2vcpu-4gb",
  "apps-d-2vcpu-8gb",
  "apps-d-4vcpu-8gb",
  "apps-d-4vcpu-16gb",
  "apps-d-8vcpu-32gb",
] as const;

/** Sizes App Platform runs one instance of, never more (`single_instance_only` in its API). */
export const SINGLE_INSTANCE_SIZES = ["apps-s-1vcpu-0.5gb", "apps-s-1vcpu-1gb-fixed"] as const;

/** Datacenters that host DigitalOcean container registries. */
export const REGISTRY_REGIONS = ["nyc3", "sfo3", "ams3", "sgp1", "fra1"] as const;

/** Container registry tiers. `starter` holds a single repository; the platform pushes one per service. */
export const REGISTRY_TIERS = ["basic", "professional"] as const;

/** AWS regions, as published by the AWS provider. */
export const AWS_REGIONS = aws.Region;

export const WEEKDAYS = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;

/** Regions that DigitalOcean uptime checks probe from. */
export const UPTIME_REGIONS = ["us_east", "us_west", "eu_west", "se_asia"] as const;

/** Periods (seconds) that Cloudflare rate-limiting rules accept on some plan. */
export const RATE_LIMIT_PERIODS = [10, 60, 120, 300, 600, 3600] as const;

/** Cloudflare plans of a zone; what the edge may ask for depends on it. */
export const CLOUDFLARE_PLANS = ["free", "pro", "business", "enterprise"] as const;
export type CloudflarePlan = (typeof CLOUDFLARE_PLANS)[number];

/**
 * What each plan allows, from Cloudflare's rate-limiting "Availability" table and cache-rule edge
 * TTL limits (developers.cloudflare.com/waf/rate-limiting-rules/#availability,
 * /cache/how-to/cache-rules/settings/#edge-ttl): the counting periods, and the shortest edge TTL a
 * cache rule may set. A period is also the mitigation timeout the platform uses, which on Free
 * must be 10 s.
 */
export const PLAN_LIMITS: Readonly<
  Record<CloudflarePlan, { ratePeriods: readonly number[]; minEdgeTtlSeconds: number }>
> = {
  free: { ratePeriods: [10], minEdgeTtlSeconds: 7200 },
  pro: { ratePeriods: [10, 60], minEdgeTtlSeconds: 3600 },
  business: { ratePeriods: [10, 60, 120, 300, 600], minEdgeTtlSeconds: 1 },
  enterprise: { ratePeriods: RATE_LIMIT_PERIODS, minEdgeTtlSeconds: 1 },
};

/** Browsers' HSTS preload list requires at least one year of max-age. */
export const HSTS_PRELOAD_MIN_MAX_AGE = 31_536_000;

/**
 * The App Platform region that serves a datacenter: App Platform names regions without the
 * datacenter number (`fra1` → `fra`, `nyc3` → `nyc`).
 */
export function appRegionOf(datacenter: string): string {
  return datacenter.replace(/\d+$/, "");
}

/**
 * The one datacenter whose VPCs an app of each App Platform region can join: "apps can only
 * connect to VPC networks that are in the same datacenter where the app is deployed"
 * (DigitalOcean, "How to Enable App Platform VPC", docs.digitalocean.com/products/app-platform/
 * how-to/enable-vpc, its table of App Spec regions). Other datacenters are reached by peering.
 */
export const APP_PLATFORM_DATACENTERS: Readonly<Record<string, string>> = {
  ams: "ams3",
  blr: "blr1",
  fra: "fra1",
  lon: "lon1",
  nyc: "nyc1",
  sfo: "sfo3",
  sgp: "sgp1",
  syd: "syd1",
  tor: "tor1",
};

/** The datacenter an app serving `datacenter`'s region joins; undefined without App Platform. */
export function appDatacenterOf(datacenter: string): string | undefined {
  return APP_PLATFORM_DATACENTERS[appRegionOf(datacenter)];
}
