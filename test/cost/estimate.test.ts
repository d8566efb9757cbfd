// The estimator on resources written by hand: how each priced type is counted, and that a type or
// size the price table lacks is a problem, never $0.
import { describe, expect, it } from "vitest";
import { costContextOf, DEFAULT_USAGE, type CostContext } from "../../policy/cost/context.ts";
import {
  biggestItems,
  estimateCost,
  formatUsd,
  type CostedResource,
} from "../../policy/cost/estimate.ts";
import * as prices from "../../policy/cost/prices.ts";
import {
  APP_INSTANCE_SIZES as CONFIG_APP_SIZES,
  CLOUDFLARE_PLANS as CONFIG_CLOUDFLARE_PLANS,
  DATABASE_SIZES,
  REGISTRY_TIERS as CONFIG_REGISTRY_TIERS,
} from "../../stacks/config/catalog.ts";

const CONTEXT: CostContext = costContextOf({
  edge: { plan: "pro" },
  assets: { awsRegion: "eu-central-1" },
});

const app = (spec: Record<string, unknown>): CostedResource => ({
  type: "digitalocean:index/app:App",
  name: "app-fra-app",
  inputs: { spec: { name: "platform-fra", ...spec } },
});

const cluster = (size: string, nodeCount: number, engine = "pg"): CostedResource => ({
  type: "digitalocean:index/databaseCluster:DatabaseCluster",
  name: "database-cluster",
  inputs: { engine, size, nodeCount },
});

const itemsOf = (resources: CostedResource[], context = CONTEXT) =>
  estimateCost(resources, context).items.map((item) => [item.resource, item.charge, item.monthly]);

describe("estimateCost", () => {
  it("prices a service by size and instances, and an autoscaled one as its range", () => {
    const estimate = estimateCost(
      [
        app({
          services: [
            { name: "web", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2 },
            {
              name: "api",
              instanceSizeSlug: "apps-d-1vcpu-2gb",
              autoscaling: { minInstanceCount: 2, maxInstanceCount: 5 },
            },
          ],
          workers: [{ name: "queue", instanceSizeSlug: "apps-s-1vcpu-0.5gb" }],
        }),
      ],
      CONTEXT,
    );
    const charged = estimate.items.filter((item) => item.monthly.max > 0);
    expect(charged.map((item) => [item.resource, item.quantity, item.monthly])).toEqual([
      ["app-fra-app: service web", { min: 2, max: 2 }, { min: 24, max: 24 }],
      ["app-fra-app: service api", { min: 2, max: 5 }, { min: 78, max: 195 }],
      ["app-fra-app: worker queue", { min: 1, max: 1 }, { min: 5, max: 5 }],
    ]);
    expect(estimate.monthly).toEqual({ min: 107, max: 224 });
    expect(charged[0]?.source.url).toMatch(/^https:\/\/github\.com\/digitalocean\/openapi\//);
  });

  it("prices a job by the seconds it runs, from the assumed minutes", () => {
    const estimate = estimateCost(
      [
        app({
          jobs: [{ name: "migrate", kind: "PRE_DEPLOY", instanceSizeSlug: "apps-d-1vcpu-2gb" }],
        }),
      ],
      costContextOf({ cost: { usage: { jobMinutes: 100 } } }),
    );
    const [job] = estimate.items;
    expect(job?.charge).toBe("apps-d-1vcpu-2gb while it runs (PRE_DEPLOY)");
    expect(job?.quantity).toEqual({ min: 100, max: 100 });
    // usd_per_second 0.000016121032 × 6,000 s
    expect(job?.monthly).toEqual({ min: 0.1, max: 0.1 });
  });

  it("counts the primary and each standby, and a read-only node, at the node's price", () => {
    const replica: CostedResource = {
      type: "digitalocean:index/databaseReplica:DatabaseReplica",
      name: "database-replica-ams3",
      inputs: { size: "db-s-4vcpu-8gb" },
    };
    expect(itemsOf([cluster("db-s-2vcpu-4gb", 3), replica])).toEqual([
      ["database-cluster", "db-s-2vcpu-4gb primary node", { min: 60, max: 60 }],
      ["database-cluster", "db-s-2vcpu-4gb standby nodes", { min: 120, max: 120 }],
      ["database-replica-ams3", "db-s-4vcpu-8gb read-only node", { min: 120, max: 120 }],
    ]);
  });

  it("prices S3 usage from the config's assumptions in the buckets' region", () => {
    const bucket: CostedResource = { type: "aws:s3/bucket:Bucket", name: "assets", inputs: {} };
    const context = costContextOf({
      assets: { awsRegion: "eu-central-1" },
      cost: { usage: { s3StorageGb: 100, s3WriteRequests: 50_000, s3ReadRequests: 0 } },
    });
    expect(itemsOf([bucket], context)).toEqual([
      ["S3 eu-central-1 (assets)", "Standard storage", { min: 2.45, max: 2.45 }],
      ["S3 eu-central-1 (assets)", "PUT, COPY, POST, LIST requests", { min: 0.27, max: 0.27 }],
      ["S3 eu-central-1 (assets)", "GET and other requests", { min: 0, max: 0 }],
      [
        "S3 eu-central-1 (assets)",
        "transfer to the internet within the free 100 GB",
        { min: 0, max: 0 },
      ],
    ]);
  });

  it("lists what no published source priced, outside the total", () => {
    const check: CostedResource = {
      type: "digitalocean:index/uptimeCheck:UptimeCheck",
      name: "uptime-app-check",
      inputs: {},
    };
    const busyApp = app({ services: [{ name: "web", instanceSizeSlug: "apps-s-1vcpu-0.5gb" }] });
    const estimate = estimateCost(
      [check, busyApp],
      costContextOf({ cost: { usage: { appEgressGib: 80 } } }),
    );
    expect(estimate.unpriced.map((item) => [item.resource, item.charge, item.quantity])).toEqual([
      ["uptime-app-check", "uptime check", { min: 1, max: 1 }],
      [
        "app-fra-app",
        "outbound transfer beyond the instances' allowance (50–50 GiB)",
        { min: 30, max: 30 },
      ],
    ]);
    expect(estimate.monthly).toEqual({ min: 5, max: 5 });
    expect(estimate.problems).toEqual([]);
  });

  it("lists a free resource as free, with its source", () => {
    const estimate = estimateCost(
      [{ type: "digitalocean:index/vpc:Vpc", name: "network-vpc-fra1", inputs: {} }],
      CONTEXT,
    );
    expect(estimate.items).toEqual([
      {
        resource: "network-vpc-fra1",
        charge: "VPC network; traffic on it does not count against bandwidth",
        quantity: { min: 1, max: 1 },
        unit: "resource",
        unitPrice: 0,
        monthly: { min: 0, max: 0 },
        source: prices.FREE_TYPES["digitalocean:index/vpc:Vpc"]?.source,
      },
    ]);
  });

  it.each([
    [
      "a type the table lacks",
      { type: "digitalocean:index/droplet:Droplet", name: "bastion", inputs: {} },
      "bastion: type digitalocean:index/droplet:Droplet is neither priced nor listed as free in policy/cost/prices.ts",
    ],
    [
      "an instance size the table lacks",
      app({ services: [{ name: "web", instanceSizeSlug: "apps-g-1vcpu-4gb" }] }),
      'app-fra-app: service web runs instance size "apps-g-1vcpu-4gb", which policy/cost/prices.ts (APP_INSTANCE_SIZES) lacks',
    ],
    [
      "a database size the table lacks",
      cluster("db-s-32vcpu-128gb", 1),
      'database-cluster: database size "db-s-32vcpu-128gb", which policy/cost/prices.ts (DATABASE_NODE_SIZES) lacks',
    ],
    [
      "an engine the table lacks",
      cluster("db-s-1vcpu-1gb", 1, "redis"),
      'database-cluster: engine "redis"; the price table holds PostgreSQL node prices only',
    ],
    [
      "static sites, which App Platform bills another way",
      app({ staticSites: [{ name: "docs" }] }),
      "app-fra-app: the spec has staticSites, which the price table does not price",
    ],
  ])("reports %s as a problem, not as $0", (_case, resource, problem) => {
    const estimate = estimateCost([resource], CONTEXT);
    expect(estimate.problems).toEqual([problem]);
    expect(estimate.monthly).toEqual({ min: 0, max: 0 });
  });

  it("needs the zone's plan and the buckets' region from the config", () => {
    const estimate = estimateCost(
      [
        {
          type: "cloudflare:index/zoneSetting:ZoneSetting",
          name: "zone-ssl",
          inputs: { zoneId: "z1" },
        },
        { type: "aws:s3/bucket:Bucket", name: "assets", inputs: {} },
      ],
      costContextOf({ edge: { plan: "premium" }, assets: { awsRegion: "ap-south-2" } }),
    );
    expect(estimate.problems).toEqual([
      'Cloudflare zone z1: plan "premium" is not in policy/cost/prices.ts (CLOUDFLARE_PLANS); set config edge.plan',
      'S3 buckets in region "ap-south-2", which policy/cost/prices.ts (S3_REGIONS) lacks',
    ]);
  });

  it("skips the project's own components and Pulumi's providers, and names what is billed elsewhere", () => {
    const estimate = estimateCost(
      [
        { type: "platform:compute:PlatformApp", name: "app-fra", inputs: {} },
        { type: "pulumi:providers:aws", name: "aws", inputs: {} },
        { type: "datadog:index/monitor:Monitor", name: "apm-error-rate", inputs: {} },
      ],
      CONTEXT,
    );
    expect(estimate.items).toEqual([]);
    expect(estimate.problems).toEqual([]);
    expect(estimate.outside).toEqual([
      {
        resource: "apm-error-rate",
        why: "a Datadog monitor, billed under the Datadog account's plan",
      },
    ]);
  });

  it("names the biggest items by their minimum, and formats ranges", () => {
    const estimate = estimateCost(
      [cluster("db-s-4vcpu-8gb", 2), cluster("db-s-1vcpu-1gb", 1)],
      CONTEXT,
    );
    expect(biggestItems(estimate, 2).map((item) => item.charge)).toEqual([
      "db-s-4vcpu-8gb primary node",
      "db-s-4vcpu-8gb standby nodes",
    ]);
    expect(formatUsd({ min: 1234.5, max: 1234.5 })).toBe("$1,234.50");
    expect(formatUsd({ min: 5, max: 20 })).toBe("$5.00–$20.00");
  });

  it("takes every usage assumption from the config, or its default", () => {
    expect(costContextOf({}).usage).toEqual(DEFAULT_USAGE);
    expect(costContextOf({ cost: { budget: 250, usage: { s3StorageGb: 7 } } })).toEqual({
      budget: 250,
      usage: { ...DEFAULT_USAGE, s3StorageGb: 7 },
      cloudflarePlan: undefined,
      awsRegion: undefined,
    });
  });
});

describe("the price table", () => {
  const read = /^\d{4}-\d{2}-\d{2}$/;

  it("prices every size and tier the config accepts", () => {
    expect(Object.keys(prices.APP_INSTANCE_SIZES).sort()).toEqual([...CONFIG_APP_SIZES].sort());
    expect(Object.keys(prices.DATABASE_NODE_SIZES).sort()).toEqual(
      Object.values(DATABASE_SIZES).sort(),
    );
    for (const tier of CONFIG_REGISTRY_TIERS) expect(prices.REGISTRY_TIERS[tier]).toBeDefined();
    for (const plan of CONFIG_CLOUDFLARE_PLANS) expect(prices.CLOUDFLARE_PLANS[plan]).toBeDefined();
  });

  it("gives every entry a source URL and the day it was read", () => {
    const sources = [
      prices.APP_INSTANCE_SOURCE,
      prices.DATABASE_SOURCE,
      prices.DATABASE_STANDBY_SOURCE,
      prices.REGISTRY_SOURCE,
      prices.S3_PRICE_SOURCE,
      prices.LOAD_BALANCING_DNS_SOURCE,
      prices.UPTIME_CHECK.source,
      prices.APP_BANDWIDTH_OVERAGE.source,
      prices.LOAD_BALANCING_SUBSCRIPTION.source,
      prices.S3_EGRESS.beyond.source,
      ...Object.values(prices.CLOUDFLARE_PLANS).map((price) => price.source),
      ...Object.values(prices.FREE_TYPES).map((entry) => entry.source),
    ];
    for (const source of sources) {
      expect(source.url).toMatch(/^https:\/\//);
      expect(source.read).toMatch(read);
    }
  });

  it("says why a price is missing wherever it has none", () => {
    const missing = [
      prices.UPTIME_CHECK,
      prices.APP_BANDWIDTH_OVERAGE,
      prices.LOAD_BALANCING_SUBSCRIPTION,
      prices.LOAD_BALANCING_DNS.beyond,
      prices.S3_EGRESS.beyond,
      prices.CLOUDFLARE_PLANS.enterprise,
    ];
    for (const price of missing) {
      expect(price?.usd).toBeNull();
      expect(price?.usd === null ? price.missing : "").toMatch(/\w{3,}/);
    }
  });
});
