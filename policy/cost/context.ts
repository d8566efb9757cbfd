// What the estimate needs besides the resources: the stack's monthly budget, the usage that
// usage-priced items assume, and two facts the resources do not carry (the Cloudflare zone's plan
// and the AWS region of the buckets). All come from the stack's config; the policy pack reads it
// from the engine (policy/pack.ts), `pnpm cost` from the stack file, through `costContextOf`.
import { field, numberOf, text } from "../values.ts";

/** Monthly usage that usage-priced items assume; config `cost.usage`, each with a default. */
export interface UsageAssumptions {
  /** GB stored in the stack's S3 buckets (all versions, logs included). */
  s3StorageGb: number;
  /** PUT, COPY, POST and LIST requests to S3 a month. */
  s3WriteRequests: number;
  /** GET requests that reach S3 a month (the CDN's cache misses). */
  s3ReadRequests: number;
  /** GB that S3 sends to the internet (the CDN) a month. */
  s3EgressGb: number;
  /** GiB each App Platform app sends out a month. */
  appEgressGib: number;
  /** Minutes each App Platform job runs a month (a PRE_DEPLOY job runs once per deployment). */
  jobMinutes: number;
  /** DNS queries a month to the load-balanced hostnames (proxied: Cloudflare answers most). */
  loadBalancerDnsQueries: number;
}

export const DEFAULT_USAGE: Readonly<UsageAssumptions> = {
  s3StorageGb: 5,
  s3WriteRequests: 10_000,
  s3ReadRequests: 1_000_000,
  s3EgressGb: 20,
  appEgressGib: 50,
  jobMinutes: 60,
  loadBalancerDnsQueries: 100_000,
};

/** What each usage assumption means, for the estimate's assumptions and the config reference. */
export const USAGE_DESCRIPTIONS: Readonly<Record<keyof UsageAssumptions, string>> = {
  s3StorageGb: "GB stored in the stack's S3 buckets, every version and the access logs included",
  s3WriteRequests: "PUT, COPY, POST and LIST requests to S3 a month",
  s3ReadRequests: "GET requests that reach S3 a month (the CDN's cache misses)",
  s3EgressGb: "GB S3 sends to the internet (the CDN) a month",
  appEgressGib: "GiB each App Platform app sends out a month",
  jobMinutes: "minutes each App Platform job runs a month (a PRE_DEPLOY job once per deployment)",
  loadBalancerDnsQueries: "DNS queries a month to the load-balanced hostnames",
};

export interface CostContext {
  /** The monthly budget in USD, when the stack sets one (config `cost.budget`). */
  budget: number | undefined;
  usage: UsageAssumptions;
  /** The plan of the stack's Cloudflare zone (config `edge.plan`). */
  cloudflarePlan: string | undefined;
  /** The AWS region of the stack's buckets (config `assets.awsRegion`). */
  awsRegion: string | undefined;
}

/** The stack config's groups this reads, as the engine or a stack file gives them (decoded JSON). */
export interface CostConfig {
  cost?: unknown;
  edge?: unknown;
  assets?: unknown;
}

function usageOf(usage: unknown): UsageAssumptions {
  const read = (key: keyof UsageAssumptions) => numberOf(field(usage, key)) ?? DEFAULT_USAGE[key];
  return {
    s3StorageGb: read("s3StorageGb"),
    s3WriteRequests: read("s3WriteRequests"),
    s3ReadRequests: read("s3ReadRequests"),
    s3EgressGb: read("s3EgressGb"),
    appEgressGib: read("appEgressGib"),
    jobMinutes: read("jobMinutes"),
    loadBalancerDnsQueries: read("loadBalancerDnsQueries"),
  };
}

/** The estimate's context from the stack's config; unset usage takes its default. */
export function costContextOf(config: CostConfig): CostContext {
  return {
    budget: numberOf(field(config.cost, "budget")),
    usage: usageOf(field(config.cost, "usage")),
    cloudflarePlan: text(field(config.edge, "plan")),
    awsRegion: text(field(config.assets, "awsRegion")),
  };
}
