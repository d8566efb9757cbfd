// The monthly cost of a stack, from its resources (type and inputs) and its cost context: one pure
// function that `pnpm cost`, the offline plan's diff and the policy pack's budget rule all call, so
// they always agree. Every resource type is priced, free (with the source that says so), billed
// outside the estimate, or a problem: nothing is silently $0.
import { field, isRecord, known, numberOf, records, text, type Json } from "../values.ts";
import type { CostContext, UsageAssumptions } from "./context.ts";
import { USAGE_DESCRIPTIONS } from "./context.ts";
import {
  APP_BANDWIDTH_OVERAGE,
  APP_INSTANCE_SIZES,
  APP_INSTANCE_SOURCE,
  CLOUDFLARE_PLANS,
  DATABASE_NODE_SIZES,
  DATABASE_SOURCE,
  DATABASE_STANDBY_SOURCE,
  FREE_TYPES,
  LOAD_BALANCING_DNS,
  LOAD_BALANCING_DNS_SOURCE,
  LOAD_BALANCING_SUBSCRIPTION,
  OUTSIDE_TYPES,
  REGISTRY_SOURCE,
  REGISTRY_TIERS,
  S3_EGRESS,
  S3_PRICE_SOURCE,
  S3_REGIONS,
  UPTIME_CHECK,
  type MissingPrice,
  type PriceSource,
} from "./prices.ts";

/** A resource as the estimate reads it: an offline plan's, or the engine's (`props` as inputs). */
export interface CostedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface Range {
  min: number;
  max: number;
}

export interface CostItem {
  /** The resource's name, with the component it charges for (`app-fra-app: service items`). */
  resource: string;
  /** What is charged, e.g. `apps-d-1vcpu-2gb instances`. */
  charge: string;
  quantity: Range;
  /** What one unit of `quantity` is. */
  unit: string;
  /** USD per unit. */
  unitPrice: number;
  monthly: Range;
  source: PriceSource;
}

/** A charge whose quantity is known and whose price no source in reach gave. */
export interface UnpricedItem {
  resource: string;
  charge: string;
  quantity: Range;
  unit: string;
  why: string;
  source: PriceSource;
}

export interface Estimate {
  currency: "USD";
  /** The sum of the priced items: unpriced items and what is billed outside are not in it. */
  monthly: Range;
  items: CostItem[];
  unpriced: UnpricedItem[];
  /** Resources billed by another account's plan, each with why. */
  outside: { resource: string; why: string }[];
  assumptions: string[];
  /** What the estimate could not price: a resource type or size the price table lacks. */
  problems: string[];
}

const TYPES = {
  app: "digitalocean:index/app:App",
  cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
  replica: "digitalocean:index/databaseReplica:DatabaseReplica",
  registry: "digitalocean:index/containerRegistry:ContainerRegistry",
  uptimeCheck: "digitalocean:index/uptimeCheck:UptimeCheck",
  loadBalancer: "cloudflare:index/loadBalancer:LoadBalancer",
  loadBalancerPool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  bucket: "aws:s3/bucket:Bucket",
} as const;

/** The project's own component types, and Pulumi's providers: no cloud resource of their own. */
function isLogical(type: string): boolean {
  return type.startsWith("pulumi:") || type.split(":")[0] === "platform";
}

/** App Platform's size for a component that names none (app_component_instance_base.yml). */
const DEFAULT_INSTANCE_SIZE = "apps-s-1vcpu-0.5gb";

const SECONDS_PER_MINUTE = 60;

const single = (value: number): Range => ({ min: value, max: value });
const cents = (value: number) => Math.round(value * 100) / 100;
const times = (range: Range, unitPrice: number): Range => ({
  min: range.min * unitPrice,
  max: range.max * unitPrice,
});

/** Collects what one estimate finds; `estimateCost` returns it as the Estimate. */
class Ledger {
  readonly items: CostItem[] = [];
  readonly unpriced: UnpricedItem[] = [];
  readonly outside: { resource: string; why: string }[] = [];
  readonly problems: string[] = [];

  charge(item: Omit<CostItem, "monthly">): void {
    this.items.push({ ...item, monthly: times(item.quantity, item.unitPrice) });
  }

  free(resource: string, charge: string, source: PriceSource): void {
    this.charge({ resource, charge, quantity: single(1), unit: "resource", unitPrice: 0, source });
  }

  missing(resource: string, charge: string, quantity: Range, price: MissingPrice): void {
    this.unpriced.push({
      resource,
      charge,
      quantity,
      unit: price.unit,
      why: price.missing,
      source: price.source,
    });
  }
}

/** A value read from the inputs; undefined when a preview cannot know it yet. */
function read<T>(get: () => T): T | undefined {
  return known(get);
}

function instancesOf(component: Json): Range {
  const autoscaling = read(() => component.autoscaling);
  if (isRecord(autoscaling)) {
    const min = numberOf(read(() => autoscaling.minInstanceCount)) ?? 1;
    const max = numberOf(read(() => autoscaling.maxInstanceCount)) ?? min;
    return { min, max };
  }
  return single(numberOf(read(() => component.instanceCount)) ?? 1);
}

const APP_COMPONENTS = [
  { key: "services", label: "service" },
  { key: "workers", label: "worker" },
] as const;

/** Components of an App spec that App Platform bills other ways, which the table lacks. */
const UNPRICED_APP_COMPONENTS = ["staticSites", "functions", "databases"] as const;

function priceApp(resource: CostedResource, usage: UsageAssumptions, ledger: Ledger): void {
  const spec = read(() => field(resource.inputs, "spec"));
  const allowance: Range = { min: 0, max: 0 };
  const sizeOf = (component: Json, label: string) => {
    const slug = text(read(() => component.instanceSizeSlug)) ?? DEFAULT_INSTANCE_SIZE;
    const size = APP_INSTANCE_SIZES[slug];
    if (size === undefined) {
      ledger.problems.push(
        `${resource.name}: ${label} runs instance size "${slug}", which policy/cost/prices.ts (APP_INSTANCE_SIZES) lacks`,
      );
    }
    return { slug, size };
  };
  for (const kind of APP_COMPONENTS) {
    for (const component of records(read(() => field(spec, kind.key)))) {
      const label = `${kind.label} ${text(component.name) ?? "?"}`;
      const { slug, size } = sizeOf(component, label);
      if (size === undefined) continue;
      const instances = instancesOf(component);
      allowance.min += instances.min * size.bandwidthAllowanceGib;
      allowance.max += instances.max * size.bandwidthAllowanceGib;
      ledger.charge({
        resource: `${resource.name}: ${label}`,
        charge: `${slug} instances`,
        quantity: instances,
        unit: "instance-month",
        unitPrice: size.usdPerMonth,
        source: APP_INSTANCE_SOURCE,
      });
    }
  }
  for (const job of records(read(() => field(spec, "jobs")))) {
    const label = `job ${text(job.name) ?? "?"}`;
    const { slug, size } = sizeOf(job, label);
    if (size === undefined) continue;
    const minutes = instancesOf(job).max * usage.jobMinutes;
    ledger.charge({
      resource: `${resource.name}: ${label}`,
      charge: `${slug} while it runs (${text(job.kind) ?? "UNSPECIFIED"})`,
      quantity: single(minutes),
      unit: "instance-minute",
      unitPrice: size.usdPerSecond * SECONDS_PER_MINUTE,
      source: APP_INSTANCE_SOURCE,
    });
  }
  for (const key of UNPRICED_APP_COMPONENTS) {
    if (records(read(() => field(spec, key))).length > 0) {
      ledger.problems.push(
        `${resource.name}: the spec has ${key}, which the price table does not price`,
      );
    }
  }
  const egress = usage.appEgressGib;
  if (egress <= allowance.min) {
    ledger.charge({
      resource: resource.name,
      charge: `outbound transfer within the instances' allowance (${String(allowance.min)} GiB at the fewest instances)`,
      quantity: single(egress),
      unit: "GiB",
      unitPrice: 0,
      source: APP_INSTANCE_SOURCE,
    });
  } else {
    ledger.missing(
      resource.name,
      `outbound transfer beyond the instances' allowance (${String(allowance.min)}–${String(allowance.max)} GiB)`,
      { min: Math.max(0, egress - allowance.max), max: egress - allowance.min },
      APP_BANDWIDTH_OVERAGE,
    );
  }
}

function databaseNodePrice(resource: CostedResource, ledger: Ledger): number | undefined {
  const size = text(read(() => resource.inputs.size)) ?? "(unknown)";
  const price = DATABASE_NODE_SIZES[size];
  if (price === undefined) {
    ledger.problems.push(
      `${resource.name}: database size "${size}", which policy/cost/prices.ts (DATABASE_NODE_SIZES) lacks`,
    );
  }
  return price;
}

function priceCluster(resource: CostedResource, ledger: Ledger): void {
  const engine = text(read(() => resource.inputs.engine));
  if (engine !== "pg") {
    ledger.problems.push(
      `${resource.name}: engine "${engine ?? "?"}"; the price table holds PostgreSQL node prices only`,
    );
    return;
  }
  const price = databaseNodePrice(resource, ledger);
  if (price === undefined) return;
  const size = text(read(() => resource.inputs.size)) ?? "";
  // `nodeCount` counts the primary too: 2 is one standby.
  const standbys = (numberOf(read(() => resource.inputs.nodeCount)) ?? 1) - 1;
  ledger.charge({
    resource: resource.name,
    charge: `${size} primary node`,
    quantity: single(1),
    unit: "node-month",
    unitPrice: price,
    source: DATABASE_SOURCE,
  });
  if (standbys > 0) {
    ledger.charge({
      resource: resource.name,
      charge: `${size} standby nodes`,
      quantity: single(standbys),
      unit: "node-month",
      unitPrice: price,
      source: DATABASE_STANDBY_SOURCE,
    });
  }
}

function priceReplica(resource: CostedResource, ledger: Ledger): void {
  const price = databaseNodePrice(resource, ledger);
  if (price === undefined) return;
  ledger.charge({
    resource: resource.name,
    charge: `${text(read(() => resource.inputs.size)) ?? ""} read-only node`,
    quantity: single(1),
    unit: "node-month",
    unitPrice: price,
    source: DATABASE_SOURCE,
  });
}

function priceRegistry(resource: CostedResource, ledger: Ledger): void {
  const tier = text(read(() => resource.inputs.subscriptionTierSlug)) ?? "(unknown)";
  const price = REGISTRY_TIERS[tier];
  if (price === undefined) {
    ledger.problems.push(
      `${resource.name}: registry tier "${tier}", which policy/cost/prices.ts (REGISTRY_TIERS) lacks`,
    );
    return;
  }
  ledger.charge({
    resource: resource.name,
    charge: `${tier} registry tier (its included storage and transfer assumed enough)`,
    quantity: single(1),
    unit: "month",
    unitPrice: price,
    source: REGISTRY_SOURCE,
  });
}

/** The Load Balancing add-on of the account: one subscription, sized by origins and regions. */
function priceLoadBalancing(
  resources: readonly CostedResource[],
  usage: UsageAssumptions,
  ledger: Ledger,
): void {
  const balancers = resources.filter((resource) => resource.type === TYPES.loadBalancer);
  if (balancers.length === 0) return;
  const pools = resources.filter((resource) => resource.type === TYPES.loadBalancerPool);
  const origins = pools.reduce(
    (count, pool) => count + records(read(() => pool.inputs.origins)).length,
    0,
  );
  const regions = new Set(
    pools.flatMap((pool) => {
      const list = read(() => pool.inputs.checkRegions);
      return Array.isArray(list) ? list.filter((item) => typeof item === "string") : [];
    }),
  );
  const names = balancers.map((balancer) => balancer.name).join(", ");
  ledger.missing(
    names,
    `Load Balancing subscription: ${String(origins)} origins, ${String(regions.size)} health-check regions, ${String(pools.length)} pools`,
    single(1),
    LOAD_BALANCING_SUBSCRIPTION,
  );
  const queries = usage.loadBalancerDnsQueries;
  if (queries <= LOAD_BALANCING_DNS.includedQueries) {
    ledger.charge({
      resource: names,
      charge: `DNS queries within the included ${String(LOAD_BALANCING_DNS.includedQueries)}`,
      quantity: single(queries),
      unit: "query",
      unitPrice: 0,
      source: LOAD_BALANCING_DNS_SOURCE,
    });
  } else {
    ledger.missing(
      names,
      "DNS queries beyond the included 500,000",
      single((queries - LOAD_BALANCING_DNS.includedQueries) / 500_000),
      LOAD_BALANCING_DNS.beyond,
    );
  }
}

/** One plan per Cloudflare zone the stack configures. */
function priceZones(resources: readonly CostedResource[], context: CostContext, ledger: Ledger) {
  const zones = new Set(
    resources
      .filter((resource) => resource.type.startsWith("cloudflare:"))
      .flatMap((resource) => {
        const zone = text(read(() => resource.inputs.zoneId));
        return zone === undefined ? [] : [zone];
      }),
  );
  for (const zone of [...zones].sort()) {
    const plan = context.cloudflarePlan;
    const price = plan === undefined ? undefined : CLOUDFLARE_PLANS[plan];
    if (price === undefined) {
      ledger.problems.push(
        `Cloudflare zone ${zone}: plan "${plan ?? "(not set)"}" is not in policy/cost/prices.ts (CLOUDFLARE_PLANS); set config edge.plan`,
      );
    } else if (price.usd === null) {
      ledger.missing(`zone ${zone}`, `${plan ?? ""} plan`, single(1), price);
    } else {
      ledger.charge({
        resource: `zone ${zone}`,
        charge: `${plan ?? ""} plan, billed monthly`,
        quantity: single(1),
        unit: price.unit,
        unitPrice: price.usd,
        source: price.source,
      });
    }
  }
}

/** S3 bills usage, not buckets: the usage assumptions priced in the buckets' region. */
function priceS3(resources: readonly CostedResource[], context: CostContext, ledger: Ledger) {
  const buckets = resources.filter((resource) => resource.type === TYPES.bucket);
  if (buckets.length === 0) return;
  const region = context.awsRegion;
  const prices = region === undefined ? undefined : S3_REGIONS[region];
  if (prices === undefined) {
    ledger.problems.push(
      `S3 buckets in region "${region ?? "(not set)"}", which policy/cost/prices.ts (S3_REGIONS) lacks`,
    );
    return;
  }
  const label = `S3 ${region ?? ""} (${buckets.map((bucket) => bucket.name).join(", ")})`;
  const { usage } = context;
  const usageItem = (charge: string, quantity: number, unit: string, unitPrice: number) => {
    ledger.charge({
      resource: label,
      charge,
      quantity: single(quantity),
      unit,
      unitPrice,
      source: S3_PRICE_SOURCE,
    });
  };
  usageItem("Standard storage", usage.s3StorageGb, "GB-month", prices.storageGbMonth);
  usageItem(
    "PUT, COPY, POST, LIST requests",
    usage.s3WriteRequests / 1000,
    "1,000 requests",
    prices.tier1PerThousand,
  );
  usageItem(
    "GET and other requests",
    usage.s3ReadRequests / 1000,
    "1,000 requests",
    prices.tier2PerThousand,
  );
  if (usage.s3EgressGb <= S3_EGRESS.freeGb) {
    usageItem(
      `transfer to the internet within the free ${String(S3_EGRESS.freeGb)} GB`,
      usage.s3EgressGb,
      "GB",
      0,
    );
  } else {
    ledger.missing(
      label,
      `transfer to the internet beyond the free ${String(S3_EGRESS.freeGb)} GB`,
      single(usage.s3EgressGb - S3_EGRESS.freeGb),
      S3_EGRESS.beyond,
    );
  }
}

function priceResource(resource: CostedResource, usage: UsageAssumptions, ledger: Ledger): void {
  switch (resource.type) {
    case TYPES.app:
      priceApp(resource, usage, ledger);
      return;
    case TYPES.cluster:
      priceCluster(resource, ledger);
      return;
    case TYPES.replica:
      priceReplica(resource, ledger);
      return;
    case TYPES.registry:
      priceRegistry(resource, ledger);
      return;
    case TYPES.uptimeCheck:
      ledger.missing(resource.name, "uptime check", single(1), UPTIME_CHECK);
      return;
    // Priced per stack, not per resource (priceLoadBalancing, priceS3).
    case TYPES.loadBalancer:
    case TYPES.bucket:
      return;
  }
  const free = FREE_TYPES[resource.type];
  if (free !== undefined) {
    ledger.free(resource.name, free.why, free.source);
    return;
  }
  const outside = OUTSIDE_TYPES[resource.type];
  if (outside !== undefined) {
    ledger.outside.push({ resource: resource.name, why: outside });
    return;
  }
  if (isLogical(resource.type)) return;
  ledger.problems.push(
    `${resource.name}: type ${resource.type} is neither priced nor listed as free in policy/cost/prices.ts`,
  );
}

function assumptionsOf(context: CostContext): string[] {
  const usage = Object.entries(context.usage).map(
    ([key, value]) =>
      `${USAGE_DESCRIPTIONS[key as keyof UsageAssumptions]}: ${String(value)} (config cost.usage.${key})`,
  );
  return [
    "USD a month, before tax, at list prices (no commitments, credits or discounts)",
    "autoscaled services range from their fewest to their most instances",
    "database storage stays within each size's included disk (storage autoscaling bills what it adds)",
    `Cloudflare zone plan: ${context.cloudflarePlan ?? "not set"} (config edge.plan)`,
    `AWS region of the buckets: ${context.awsRegion ?? "not set"} (config assets.awsRegion)`,
    ...usage,
  ];
}

/** The monthly estimate of a stack: the same numbers wherever it is computed. */
export function estimateCost(resources: readonly CostedResource[], context: CostContext): Estimate {
  const ledger = new Ledger();
  for (const resource of resources) {
    // During a preview an input of a resource still to be created can be unknown; the engine's
    // proxy throws on reading it. That resource is then reported, never priced at $0.
    const priced = known(() => {
      priceResource(resource, context.usage, ledger);
      return true;
    });
    if (priced === undefined) {
      ledger.problems.push(`${resource.name}: an input it is priced by is unknown in this preview`);
    }
  }
  priceLoadBalancing(resources, context.usage, ledger);
  priceZones(resources, context, ledger);
  priceS3(resources, context, ledger);
  const items = ledger.items.map((item) => ({
    ...item,
    monthly: { min: cents(item.monthly.min), max: cents(item.monthly.max) },
  }));
  const total = items.reduce(
    (sum, item) => ({ min: sum.min + item.monthly.min, max: sum.max + item.monthly.max }),
    { min: 0, max: 0 },
  );
  return {
    currency: "USD",
    monthly: { min: cents(total.min), max: cents(total.max) },
    items,
    unpriced: ledger.unpriced,
    outside: ledger.outside,
    assumptions: assumptionsOf(context),
    problems: ledger.problems,
  };
}

/** The priced items with the highest minimum, most expensive first. */
export function biggestItems(estimate: Estimate, count: number): CostItem[] {
  return [...estimate.items]
    .filter((item) => item.monthly.max > 0)
    .sort((a, b) => b.monthly.min - a.monthly.min || b.monthly.max - a.monthly.max)
    .slice(0, count);
}

/** `$1,234.50` or `$1,234.50–$2,000.00`. */
export function formatUsd(range: Range): string {
  const usd = (value: number) =>
    `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return range.min === range.max ? usd(range.min) : `${usd(range.min)}–${usd(range.max)}`;
}
