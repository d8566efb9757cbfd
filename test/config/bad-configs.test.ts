import { beforeAll, describe, expect, it } from "vitest";
import {
  validateStackConfig,
  type RawStackConfig,
  type ValidationContext,
} from "../../stacks/config/load.ts";
import type { ConfigProblem } from "../../stacks/config/problems.ts";
import { BOOTSTRAP_STACK_FILE, readOtherStackFiles } from "../../stacks/config/cross-stack.ts";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";
import {
  type CatalogService,
  catalogService,
  SERVICE_CATALOG,
} from "../../stacks/service-catalog.ts";
import {
  rawStackConfig,
  VALIDATION_CONTEXT,
  withValue,
  withValues,
} from "../support/stack-config.ts";

let production: RawStackConfig;
let staging: RawStackConfig;

beforeAll(async () => {
  production = await rawStackConfig("production");
  staging = await rawStackConfig("staging");
});

function problemsOfAt(raw: RawStackConfig, context: ValidationContext): ConfigProblem[] {
  const result = validateStackConfig(raw, context);
  if (result.ok) throw new Error("expected the config to be refused");
  return result.problems;
}

const problemsOf = (raw: RawStackConfig) => problemsOfAt(raw, VALIDATION_CONTEXT);

interface BadConfigCase {
  name: string;
  config: () => RawStackConfig;
  /** The service catalog the stack is checked against. @default SERVICE_CATALOG */
  catalog?: () => readonly CatalogService[];
  /** Every problem expected, in order; each field is matched exactly when a string. */
  problems: Partial<Record<keyof ConfigProblem, string | RegExp>>[];
}

/** The repository's catalog with the entry `name` changed. */
function catalogWith(name: string, change: Partial<CatalogService>): CatalogService[] {
  return SERVICE_CATALOG.map((service) =>
    service.name === name ? { ...service, ...change } : service,
  );
}

/** `raw` beside the repository's other stack files, as the program reads it (cross-stack.ts). */
const beside = (raw: RawStackConfig): RawStackConfig => ({
  ...raw,
  otherStacks: readOtherStackFiles(REPOSITORY_ROOT, raw.stack),
});
const besideValues = (raw: RawStackConfig, edits: Record<string, unknown>) =>
  beside(withValues(raw, edits));
const groupOf = (raw: RawStackConfig, group: string) =>
  JSON.parse(raw.values[group] ?? "{}") as Record<string, unknown>;

const uses = (name: string, services: string[]) => ({
  uses: { ...catalogService(name).uses, services },
});

/** Production with `apm` as its APM backend, and the ingest key it needs. */
const withApm = (apm: object) =>
  withValues(
    { ...production, secretKeys: new Set([...production.secretKeys, "apmIngestKey"]) },
    { "monitoring.apm": apm, apmIngestKey: "ingest-key-0123456789" },
  );

const cases: BadConfigCase[] = [
  {
    name: "a stack that sizes a service the catalog lacks, with the closest name suggested",
    config: () =>
      withValues(production, {
        "services.processor": undefined,
        "services.procesor": { size: "apps-s-1vcpu-1gb", instances: 2 },
      }),
    problems: [
      {
        key: "platform:services.procesor",
        found:
          "a service the catalog (stacks/service-catalog.ts) does not have: did you mean platform:services.processor?",
        allowed: "one of web, api, processor",
        fix: `pulumi config set --path 'services.processor.size' "$(pulumi config get --path 'services.procesor.size')" && pulumi config set --path 'services.processor.instances' "$(pulumi config get --path 'services.procesor.instances')" && pulumi config rm --path 'services.procesor'`,
      },
    ],
  },
  {
    name: "a stack that sizes a service nothing resembles",
    config: () => withValue(staging, "services.mailer", { size: "apps-s-1vcpu-1gb", instances: 1 }),
    problems: [
      {
        key: "platform:services.mailer",
        found: "a service the catalog (stacks/service-catalog.ts) does not have",
        allowed: "one of web, api, processor",
        fix: "pulumi config rm --path 'services.mailer'",
      },
    ],
  },
  {
    name: "a catalog service the stack does not size",
    config: () => withValue(production, "services.processor", undefined),
    problems: [
      {
        key: "platform:services.processor",
        found: "nothing (the key is not set)",
        allowed:
          "the size and scaling of processor, a service of the catalog (stacks/service-catalog.ts): every service it lists runs in each region, so each stack sizes it",
        fix: "pulumi config set --path 'services.processor.size' apps-s-1vcpu-1gb && pulumi config set --path 'services.processor.instances' 2",
      },
    ],
  },
  {
    name: "a catalog binding to a service the catalog does not have",
    config: () => production,
    catalog: () => catalogWith("web", uses("web", ["apii"])),
    problems: [
      {
        key: "stacks/service-catalog.ts: web.uses.services",
        found: '"apii", which the catalog does not have: did you mean "api"?',
        allowed: "names of catalog services: web, api, processor",
        fix: 'replace "apii" with "api" in web.uses.services',
      },
    ],
  },
  {
    name: "a catalog binding to a worker, which nothing can call",
    config: () => production,
    catalog: () => catalogWith("web", uses("web", ["api", "processor"])),
    problems: [
      {
        key: "stacks/service-catalog.ts: web.uses.services",
        found: '"processor", a worker',
        allowed: "services with a port (web or internal): nothing can call a worker",
        fix: 'remove "processor" from web.uses.services; hand the worker work through the database instead',
      },
    ],
  },
  {
    name: "a cycle of catalog bindings",
    config: () => production,
    catalog: () => catalogWith("api", uses("api", ["web"])),
    problems: [
      {
        key: "stacks/service-catalog.ts: web.uses.services",
        found: "a cycle: web → api → web",
        allowed:
          "bindings without a cycle: each service starts after the services it uses, and is ready only when they are",
        fix: 'remove "api" from web.uses.services (or break the cycle elsewhere)',
      },
    ],
  },
  {
    name: "two public services on one route",
    config: () => production,
    catalog: () => catalogWith("api", { kind: "web", route: "/" }),
    problems: [
      {
        key: "stacks/service-catalog.ts: api.route",
        found: '"/", the route of web and api',
        allowed: "a route of its own: App Platform sends each path prefix to one component",
        fix: 'give api another route, e.g. "/api"',
      },
    ],
  },
  {
    name: "a worker with a port",
    config: () => production,
    catalog: () => catalogWith("processor", { port: 3002 }),
    problems: [
      {
        key: "stacks/service-catalog.ts: processor.port",
        found: "port on a worker",
        allowed:
          "no port, route, health path or APM monitors of server spans: a worker is a background process that nothing calls",
        fix: 'remove port from processor, or make it kind "internal" if other services call it',
      },
    ],
  },
  {
    name: "an unknown stack name",
    config: () => ({ ...production, stack: "dev" }),
    problems: [
      {
        key: "stack name",
        found: '"dev" (a string)',
        allowed: "one of staging, production",
        fix: "pulumi stack select staging   (or create the stack: pulumi stack init production)",
      },
    ],
  },
  {
    name: "a region slug DigitalOcean does not have",
    config: () => withValue(production, "regions.primary", "fra2"),
    problems: [
      {
        key: "platform:regions.primary",
        found: '"fra2" (a string)',
        allowed: /^one of nyc1, .*fra1, .*syd1$/,
        fix: "pulumi config set --path 'regions.primary' fra1",
      },
    ],
  },
  {
    name: "a primary datacenter whose VPCs no App Platform app can join",
    config: () => withValue(production, "regions.primary", "nyc3"),
    problems: [
      {
        key: "platform:regions.primary",
        found: '"nyc3" (a string)',
        allowed:
          "nyc1: an App Platform app in nyc joins VPCs in nyc1 only (one of ams3, blr1, fra1, lon1, nyc1, sfo3, sgp1, syd1, tor1); a database elsewhere is reached through VPC peering, as replicas are",
        fix: "pulumi config set --path 'regions.primary' nyc1",
      },
    ],
  },
  {
    name: "an App Platform size that does not exist, answered with one that has the memory asked",
    config: () => withValue(production, "services.web.size", "apps-d-1vcpu-3gb"),
    problems: [
      {
        key: "platform:services.web.size",
        found: '"apps-d-1vcpu-3gb" (a string)',
        fix: "pulumi config set --path 'services.web.size' apps-d-1vcpu-4gb",
      },
    ],
  },
  {
    name: "a database size that does not exist, answered with one of at least 2 vCPUs and 8 GB",
    config: () => withValue(production, "database.replicas[0].size", "db-s-2vcpu-8gb"),
    problems: [
      {
        key: "platform:database.replicas[0].size",
        fix: "pulumi config set --path 'database.replicas[0].size' db-s-4vcpu-8gb",
      },
    ],
  },
  {
    name: "a probe region written the AWS way, answered with the same place",
    config: () => withValue(production, "monitoring.uptimeRegions", ["eu-west", "us_east"]),
    problems: [
      {
        key: "platform:monitoring.uptimeRegions[0]",
        allowed: "one of us_east, us_west, eu_west, se_asia",
        fix: "pulumi config set --path 'monitoring.uptimeRegions[0]' eu_west",
      },
    ],
  },
  {
    name: "a primary region named by continent, answered with a datacenter on it",
    config: () => withValue(staging, "regions.primary", "eu-central"),
    problems: [
      {
        key: "platform:regions.primary",
        fix: "pulumi config set --path 'regions.primary' fra1",
      },
    ],
  },
  {
    name: "a legacy datacenter as the secondary region, answered with the current one nearby",
    config: () =>
      withValues(production, {
        "regions.secondary": "sfo1",
        "database.replicas[0].region": "sfo3",
      }),
    problems: [
      {
        key: "platform:regions.secondary",
        found: '"sfo1" (a string)',
        allowed: "one of nyc1, nyc3, sgp1, lon1, ams3, fra1, tor1, sfo3, blr1, syd1",
        fix: "pulumi config set --path 'regions.secondary' sfo3",
      },
    ],
  },
  {
    name: "a legacy datacenter for a replica",
    config: () =>
      withValue(production, "database.replicas[1]", { region: "nyc2", size: "db-s-2vcpu-4gb" }),
    problems: [
      {
        key: "platform:database.replicas[1].region",
        fix: "pulumi config set --path 'database.replicas[1].region' nyc1",
      },
    ],
  },
  {
    name: "a maintenance hour at half past, rounded to the earlier whole hour",
    config: () => withValue(production, "database.maintenanceWindow.hour", "2:30"),
    problems: [
      {
        key: "platform:database.maintenanceWindow.hour",
        allowed: "a whole UTC hour as HH:00",
        fix: "pulumi config set --path 'database.maintenanceWindow.hour' 02:00   (02:00: 2:30 is halfway between two hours; the earlier keeps the window from opening later than asked)",
      },
    ],
  },
  {
    name: "a key indented one level too little, named once as moved",
    config: () =>
      withValues(production, {
        "database.maintenanceWindow.hour": undefined,
        "database.hour": "02:00",
      }),
    problems: [
      {
        key: "platform:database.hour",
        found:
          "moved: `platform:database.maintenanceWindow.hour` belongs under `platform:database.maintenanceWindow`",
        fix: `pulumi config set --path 'database.maintenanceWindow.hour' "$(pulumi config get --path 'database.hour')" && pulumi config rm --path 'database.hour'`,
      },
    ],
  },
  {
    name: "a group's key written at the top level, named once as moved",
    config: () =>
      withValues(production, { "domain.appHost": undefined, appHost: "app.example.com" }),
    problems: [
      {
        key: "platform:appHost",
        found: "moved: `platform:domain.appHost` belongs under `platform:domain`",
      },
    ],
  },
  {
    name: "a key indented one level too much, named once as moved",
    config: () =>
      withValues(production, {
        "database.poolSize": undefined,
        "database.maintenanceWindow.poolSize": 20,
      }),
    problems: [
      {
        key: "platform:database.maintenanceWindow.poolSize",
        found: "moved: `platform:database.poolSize` belongs under `platform:database`",
      },
    ],
  },
  {
    name: "an APM backend the platform does not know",
    config: () => withApm({ provider: "honeycomb", datadogSite: "datadoghq.eu" }),
    problems: [
      {
        key: "platform:monitoring.apm.provider",
        found: '"honeycomb" (a string)',
        allowed: "one of datadog, newrelic",
        fix: "pulumi config set --path 'monitoring.apm.provider' datadog",
      },
    ],
  },
  {
    name: "New Relic without the account its alert policy lives in: the type requires it",
    config: () => withApm({ provider: "newrelic", datadogSite: "datadoghq.eu" }),
    problems: [
      {
        key: "platform:monitoring.apm.newrelicAccountId",
        found: "nothing (the key is not set)",
        allowed: "a whole number from 1 to 9007199254740991",
        fix: "pulumi config set --path 'monitoring.apm.newrelicAccountId' '<your New Relic account id>'",
      },
      {
        key: "platform:monitoring.apm.datadogSite",
        found: "a key the platform does not know",
        fix: "pulumi config rm --path 'monitoring.apm.datadogSite'",
      },
    ],
  },
  {
    name: "a restore point older than DigitalOcean's recovery window (now is 2026-11-03T12:00:00Z)",
    config: () => withValue(production, "database.restore", { at: "2026-10-20T08:00:00+02:00" }),
    problems: [
      {
        key: "platform:database.restore.at",
        found: '"2026-10-20T08:00:00+02:00" (a string)',
        allowed:
          "a time in DigitalOcean's point-in-time recovery window, from 2026-10-27T12:00:00Z to 2026-11-03T12:00:00Z (the last 7 days); it is more than 7 days ago: DigitalOcean keeps backups and write-ahead logs that long",
        fix: "pulumi config set --path 'database.restore.at' 2026-11-03T12:00:00Z   (the latest restorable; any time in the window works)",
      },
    ],
  },
  {
    name: "a restore point later than now",
    config: () => withValue(staging, "database.restore", { at: "2026-11-03T12:30:00Z" }),
    problems: [
      {
        key: "platform:database.restore.at",
        allowed:
          "a time in DigitalOcean's point-in-time recovery window, from 2026-10-27T12:00:00Z to 2026-11-03T12:00:00Z (the last 7 days); it is later than now: nothing is backed up from then yet",
      },
    ],
  },
  {
    name: "a restore point that is no ISO 8601 time with an offset",
    config: () => withValue(production, "database.restore", { at: "2026-11-03 10:15" }),
    problems: [
      {
        key: "platform:database.restore.at",
        found: '"2026-11-03 10:15" (a string)',
        allowed: "an ISO 8601 time with its offset, e.g. 2026-11-03T10:15:00Z",
        fix: "pulumi config set --path 'database.restore.at' 2026-11-03T10:15:00Z",
      },
    ],
  },
  {
    name: "a missing required key",
    config: () => withValue(production, "database.poolSize", undefined),
    problems: [
      {
        key: "platform:database.poolSize",
        found: "nothing (the key is not set)",
        allowed: "a whole number from 1 to 5000",
        fix: "pulumi config set --path 'database.poolSize' 20",
      },
    ],
  },
  {
    name: "a plaintext value where a secret belongs",
    config: () => withValue(production, "sentryDsn", "https://key@o1.ingest.sentry.io/2"),
    problems: [
      {
        key: "platform:sentryDsn",
        found: "a plaintext value: it would be stored unencrypted in the stack file and state",
        allowed: "a secret value (`secure:` in the stack file)",
        fix: "pulumi config set --secret sentryDsn <value>   (encrypts it in Pulumi.<stack>.yaml)",
      },
    ],
  },
  {
    name: "provider credentials set without --secret, beside provider settings that are fine",
    config: () => ({
      ...production,
      otherKeys: {
        "digitalocean:apiEndpoint": "https://api.digitalocean.com",
        "cloudflare:apiToken": "cf-0123456789abcdef",
        "digitalocean:token": "dop_v1_0123456789abcdef",
        "cloudflare:apiUserServiceKey": "v1.0-0123456789abcdef",
      },
      otherSecretKeys: new Set(["cloudflare:apiUserServiceKey"]),
    }),
    problems: [
      {
        key: "cloudflare:apiToken",
        found:
          "a plaintext value: this provider credential would be stored unencrypted in the stack file and state",
        allowed:
          "a secret value (`secure:` in the stack file), or none: the provider's environment variable",
        fix: "pulumi config set --secret cloudflare:apiToken <value>   (encrypts it in Pulumi.<stack>.yaml)",
      },
      {
        key: "digitalocean:token",
        fix: "pulumi config set --secret digitalocean:token <value>   (encrypts it in Pulumi.<stack>.yaml)",
      },
    ],
  },
  {
    name: "a registry password in a structured provider setting, in plain text",
    config: () => ({
      ...production,
      otherKeys: {
        "docker:registryAuth": JSON.stringify([
          { address: "registry.example.com", username: "ci", password: "hunter2-plain" },
        ]),
      },
    }),
    problems: [
      {
        key: "docker:registryAuth",
        fix: "pulumi config set --secret --path 'docker:registryAuth[0].password' <value>   (encrypts it in Pulumi.<stack>.yaml)",
      },
    ],
  },
  {
    name: "a whole group missing, reported key by key",
    config: () => withValue(production, "monitoring", undefined),
    problems: [
      {
        key: "platform:monitoring.alertEmails",
        allowed: "a list (at least 1) of: an email address",
        // The schema's example address is not pasted: the fix names what belongs there.
        fix: "pulumi config set --path 'monitoring.alertEmails[0]' '<the address of a member of this stack'\\''s DigitalOcean team>'",
      },
      {
        key: "platform:monitoring.uptimeRegions",
        allowed: "a list (at least 1) of: one of us_east, us_west, eu_west, se_asia",
        fix: "pulumi config set --path 'monitoring.uptimeRegions[0]' eu_west && pulumi config set --path 'monitoring.uptimeRegions[1]' us_east",
      },
      {
        key: "platform:monitoring.latencyThresholdMs",
        allowed: "a whole number from 100 to 30000",
      },
    ],
  },
  {
    name: "a misspelt key",
    config: () => withValues(production, { "database.standby": 1, "database.standbys": undefined }),
    problems: [
      // One problem, not two: the rename also sets the key reported missing.
      {
        key: "platform:database.standby",
        found: "a key the platform does not know: did you mean platform:database.standbys?",
        allowed: /^one of engineVersion, size, standbys, /,
        fix: `pulumi config set --path 'database.standbys' "$(pulumi config get --path 'database.standby')" && pulumi config rm --path 'database.standby'`,
      },
    ],
  },
  {
    name: "a standby on a size below 2 GB",
    config: () => withValue(staging, "database.standbys", 1),
    problems: [
      {
        key: "platform:database.size",
        found: '"db-s-1vcpu-1gb" (a string)',
        allowed:
          "a size with at least 2 GB of memory when standbys is 1 (DigitalOcean offers standby nodes from 2 GB)",
        fix: "pulumi config set --path 'database.size' db-s-1vcpu-2gb",
      },
    ],
  },
  {
    name: "a pool larger than the size's connection limit",
    config: () => withValue(staging, "database.poolSize", 30),
    problems: [
      {
        key: "platform:database.poolSize",
        found: "30 (a number)",
        allowed: "at most 22, the connection limit of db-s-1vcpu-1gb",
        fix: "pulumi config set --path 'database.poolSize' 20",
      },
    ],
  },
  {
    name: "production without a standby",
    config: () => withValue(production, "database.standbys", 0),
    problems: [
      {
        key: "platform:database.standbys",
        found: "0 (a number)",
        allowed: "1 or 2 in production: without a standby, a node failure is an outage",
      },
    ],
  },
  {
    name: "production without a replica in its secondary region",
    config: () => withValue(production, "database.replicas[0].region", "lon1"),
    problems: [
      {
        key: "platform:database.replicas",
        allowed:
          "at least one replica in the secondary region ams3: the failover app reads from it",
        fix: "pulumi config set --path 'database.replicas[1].region' ams3 && pulumi config set --path 'database.replicas[1].size' db-s-2vcpu-4gb",
      },
    ],
  },
  {
    name: "production in a single region",
    config: () =>
      withValues(production, { "regions.secondary": undefined, "database.replicas": [] }),
    problems: [
      {
        key: "platform:regions.secondary",
        found: "nothing (the key is not set)",
        allowed: "a datacenter other than the primary: production fails over to a second region",
      },
    ],
  },
  {
    name: "a secondary region in the same place as the primary",
    config: () => withValue(production, "regions.secondary", "fra1"),
    problems: [
      {
        key: "platform:regions.secondary",
        allowed:
          "a region other than the primary's (fra): a failover region in the same place fails with it",
      },
      { key: "platform:database.replicas", allowed: /secondary region fra1/ },
    ],
  },
  {
    name: "a database firewall range open to the internet",
    config: () => withValue(production, "database.trustedIpRanges", ["203.0.113.7", "0.0.0.0/0"]),
    problems: [
      {
        key: "platform:database.trustedIpRanges[1]",
        found: '"0.0.0.0/0" (a string)',
        allowed:
          'a single address or a range of /24 (IPv4) or /56 (IPv6) or narrower; "0.0.0.0/0" is wider than /24: it would admit 4294967296 addresses',
        fix: "pulumi config set --path 'database.trustedIpRanges[1]' 203.0.113.10/32",
      },
    ],
  },
  {
    name: "an IPv6 range that admits everyone, and a range that is no range",
    config: () => withValue(production, "database.trustedIpRanges", ["::/0", "10.0.0.0/33"]),
    problems: [
      { key: "platform:database.trustedIpRanges[0]", allowed: /"::\/0" is wider than \/56/ },
      {
        key: "platform:database.trustedIpRanges[1]",
        allowed: /"10.0.0.0\/33" has an invalid prefix length \/33/,
      },
    ],
  },
  {
    name: "autoscaling on a shared-CPU size, with its bounds reversed",
    config: () =>
      withValues(production, {
        "services.api.size": "apps-s-1vcpu-1gb",
        "services.api.autoscaling.minInstances": 5,
        "services.api.autoscaling.maxInstances": 3,
      }),
    problems: [
      {
        key: "platform:services.api.size",
        allowed: "a dedicated-CPU size (apps-d-*): App Platform autoscales only those",
        fix: "pulumi config set --path 'services.api.size' apps-d-1vcpu-1gb",
      },
      {
        key: "platform:services.api.autoscaling.maxInstances",
        found: "3 (a number)",
        allowed: "at least minInstances (5)",
        fix: "pulumi config set --path 'services.api.autoscaling.maxInstances' 10",
      },
    ],
  },
  {
    name: "a production service with a single instance",
    config: () => withValue(production, "services.web", { size: "apps-d-1vcpu-2gb", instances: 1 }),
    problems: [
      {
        key: "platform:services.web.instances",
        allowed: "2 or more in production: one instance is a single point of failure",
        fix: "pulumi config set --path 'services.web.instances' 2",
      },
    ],
  },
  {
    name: "two instances of a size DigitalOcean runs only once",
    config: () =>
      withValue(production, "services.processor", { size: "apps-s-1vcpu-0.5gb", instances: 2 }),
    problems: [
      {
        key: "platform:services.processor.size",
        allowed:
          "a size DigitalOcean runs more than one instance of (not apps-s-1vcpu-0.5gb or apps-s-1vcpu-1gb-fixed)",
        fix: "pulumi config set --path 'services.processor.size' apps-s-1vcpu-1gb",
      },
    ],
  },
  {
    name: "a service with both a fixed count and autoscaling",
    config: () => withValue(production, "services.web.instances", 3),
    problems: [
      {
        key: "platform:services.web",
        allowed: "exactly one of `instances` or `autoscaling` (found both)",
        fix: "pulumi config rm --path 'services.web.instances'",
      },
    ],
  },
  {
    name: "a hostname outside the Cloudflare zone",
    config: () => withValue(production, "domain.appHost", "app.example.org"),
    problems: [
      {
        key: "platform:domain.appHost",
        found: '"app.example.org" (a string)',
        allowed: "a hostname inside the zone example.com: Cloudflare serves only its own zone",
        fix: "pulumi config set --path 'domain.appHost' app.example.com",
      },
    ],
  },
  {
    name: "assets served from the app's own hostname",
    config: () => withValue(production, "domain.assetsHost", "app.example.com"),
    problems: [
      {
        key: "platform:domain.assetsHost",
        allowed: "a hostname other than appHost: the assets are served by the bucket, not the app",
        fix: "pulumi config set --path 'domain.assetsHost' assets.example.com",
      },
    ],
  },
  {
    name: "a service with neither a fixed count nor autoscaling",
    config: () => withValue(staging, "services.api.instances", undefined),
    problems: [
      {
        key: "platform:services.api",
        allowed: "exactly one of `instances` or `autoscaling` (found neither)",
        fix: "pulumi config set --path 'services.api.instances' 1",
      },
    ],
  },
  {
    name: "HSTS preload without includeSubDomains",
    config: () => withValue(production, "edge.hsts.includeSubdomains", false),
    problems: [
      {
        key: "platform:edge.hsts.includeSubdomains",
        found: "false (a boolean)",
        allowed: "true while preload is on: the preload list requires includeSubDomains",
        fix: "pulumi config set --path 'edge.hsts.includeSubdomains' true",
      },
    ],
  },
  {
    name: "an assets hostname too long to name its buckets",
    config: () => withValue(production, "domain.assetsHost", `${"a".repeat(50)}.example.com`),
    problems: [
      {
        key: "platform:domain.assetsHost",
        allowed:
          'at most 58 characters: the asset bucket is named after it, and S3 bucket names stop at 63 with "-logs" appended for its log bucket',
        fix: "pulumi config set --path 'domain.assetsHost' assets.example.com",
      },
    ],
  },
  {
    name: "HSTS preload with a max-age browsers refuse",
    config: () => withValue(production, "edge.hsts.maxAgeSeconds", 86_400),
    problems: [
      {
        key: "platform:edge.hsts.maxAgeSeconds",
        allowed:
          "31536000 (one year) or more while preload is on: browsers' preload list refuses less",
        fix: "pulumi config set --path 'edge.hsts.maxAgeSeconds' 31536000",
      },
    ],
  },
  {
    name: "a production HSTS shorter than a year, without preload",
    config: () =>
      withValues(production, {
        "edge.hsts.preload": false,
        "edge.hsts.maxAgeSeconds": 0,
      }),
    problems: [
      {
        key: "platform:edge.hsts.maxAgeSeconds",
        found: "0 (a number)",
        allowed:
          "31536000 (one year) or more in production: a shorter HSTS lets a browser that has not visited for a while be downgraded to plain HTTP",
        fix: "pulumi config set --path 'edge.hsts.maxAgeSeconds' 31536000",
      },
    ],
  },
  {
    name: "an AWS account id that is not twelve digits",
    config: () => withValue(production, "aws.accountId", "2222-2222-2222"),
    problems: [
      {
        key: "platform:aws.accountId",
        found: '"2222-2222-2222" (a string)',
        allowed: "a 12-digit AWS account id",
        fix: "pulumi config set --path 'aws.accountId' '<the 12-digit id of this environment'\\''s AWS account>'",
      },
    ],
  },
  {
    name: "a deployment policy left in the stack file, where the bootstrap owns it now",
    config: () => withValue(production, "github.deployFrom", "tag:v*"),
    problems: [
      {
        key: "platform:github.deployFrom",
        found: "a key the platform does not know",
        allowed: "one of owner, repository",
        fix: "pulumi config rm --path 'github.deployFrom'",
      },
    ],
  },
  {
    name: "a 60 s rate-limit period on a Free zone",
    config: () => withValue(staging, "edge.rateLimit.periodSeconds", 60),
    problems: [
      {
        key: "platform:edge.rateLimit.periodSeconds",
        found: "60 (a number)",
        allowed:
          "10 on the free plan (Cloudflare refuses a rate-limit rule with another period; longer periods need a higher plan)",
        fix: "pulumi config set --path 'edge.rateLimit.periodSeconds' 10",
      },
    ],
  },
  {
    name: "a 10-minute period and a one-minute edge TTL on a Pro zone",
    config: () =>
      withValues(production, {
        "edge.rateLimit.periodSeconds": 600,
        "edge.staticEdgeTtlSeconds": 60,
      }),
    problems: [
      {
        key: "platform:edge.rateLimit.periodSeconds",
        allowed:
          "10 or 60 on the pro plan (Cloudflare refuses a rate-limit rule with another period; longer periods need a higher plan)",
        fix: "pulumi config set --path 'edge.rateLimit.periodSeconds' 60",
      },
      {
        key: "platform:edge.staticEdgeTtlSeconds",
        allowed: "3600 or more on the pro plan (the shortest edge TTL a cache rule may set there)",
        fix: "pulumi config set --path 'edge.staticEdgeTtlSeconds' 3600",
      },
    ],
  },
  {
    name: "a zone plan Cloudflare does not sell",
    config: () => withValue(production, "edge.plan", "premium"),
    problems: [
      {
        key: "platform:edge.plan",
        found: '"premium" (a string)',
        allowed: "one of free, pro, business, enterprise",
      },
    ],
  },
  {
    name: "values of the wrong type and format",
    config: () =>
      withValues(production, {
        "database.poolSize": "twenty",
        "monitoring.alertEmails": ["oncall at example.com"],
        "edge.rateLimit.periodSeconds": 30,
        "edge.zoneId": "FEDCBA9876543210FEDCBA9876543210",
      }),
    problems: [
      {
        key: "platform:database.poolSize",
        found: '"twenty" (a string)',
        allowed: "a whole number from 1 to 5000",
      },
      {
        key: "platform:edge.zoneId",
        allowed: "a Cloudflare id: 32 lower-case hex characters",
        fix: "pulumi config set --path 'edge.zoneId' '<the Cloudflare zone id of domain.zone>'",
      },
      {
        key: "platform:edge.rateLimit.periodSeconds",
        found: "30 (a number)",
        allowed: "one of 10, 60, 120, 300, 600, 3600",
      },
      { key: "platform:monitoring.alertEmails[0]", allowed: "an email address" },
    ],
  },
  {
    name: "a PostgreSQL version DigitalOcean no longer offers",
    config: () => withValue(production, "database.engineVersion", "14"),
    problems: [{ key: "platform:database.engineVersion", allowed: "one of 15, 16, 17" }],
  },
  {
    name: "a group written as a plain value",
    config: () => withValue(production, "regions", "fra1"),
    problems: [
      {
        key: "platform:regions",
        found: '"fra1" (a string)',
        allowed: "an object with the keys primary, secondary",
        fix: "pulumi config set --path 'regions.primary' fra1 && pulumi config set --path 'regions.secondary' ams3",
      },
      // The rules that read regions wait until it is valid; the rest still report.
    ],
  },
  // Stack files checked against each other (cross-stack.ts), and provider settings nothing reads.
  {
    name: "staging on production's Cloudflare zone id",
    config: () => beside(withValue(staging, "edge.zoneId", groupOf(production, "edge").zoneId)),
    problems: [
      {
        key: "platform:edge.zoneId",
        found:
          '"fedcba9876543210fedcba9876543210" in Pulumi.staging.yaml, and the same in Pulumi.production.yaml',
        allowed:
          'a value of stack "staging" alone: a Cloudflare zone has one set of settings and one entry-point ruleset per phase, so two stacks in one zone overwrite each other\'s rules (README, Design decisions: One Cloudflare zone per environment)',
        fix: "pulumi config set --path 'edge.zoneId' '<the Cloudflare zone id of domain.zone>'   (in Pulumi.staging.yaml; or change Pulumi.production.yaml)",
      },
    ],
  },
  {
    name: "production on staging's zone, by name",
    config: () =>
      besideValues(production, {
        "domain.zone": "example-staging.com",
        "domain.appHost": "app.example-staging.com",
        "domain.assetsHost": "assets.example-staging.com",
      }),
    problems: [
      {
        key: "platform:domain.zone",
        found:
          '"example-staging.com" in Pulumi.production.yaml, and the same in Pulumi.staging.yaml',
        fix: "pulumi config set --path 'domain.zone' '<your domain>'   (in Pulumi.production.yaml; or change Pulumi.staging.yaml)",
      },
    ],
  },
  {
    name: "both stacks in one DigitalOcean team (names ignore case), and on one registry name",
    config: () =>
      besideValues(staging, {
        "digitalocean.team": "Acme-Production",
        "registry.name": "acme-platform",
      }),
    problems: [
      {
        key: "platform:digitalocean.team",
        found: '"Acme-Production" in Pulumi.staging.yaml, and the same in Pulumi.production.yaml',
        allowed: /^a value of stack "staging" alone: each environment needs its own team/,
      },
      {
        key: "platform:registry.name",
        allowed: /registry names are unique across DigitalOcean/,
        fix: "pulumi config set --path 'registry.name' '<a registry name of your own>'   (in Pulumi.staging.yaml; or change Pulumi.production.yaml)",
      },
    ],
  },
  {
    name: "production in staging's AWS account, written as a number",
    config: () => beside(withValue(production, "aws.accountId", 111111111111)),
    problems: [
      {
        key: "platform:aws.accountId",
        found: '"111111111111" in Pulumi.production.yaml, and the same in Pulumi.staging.yaml',
        allowed: /production lives in an AWS account of its own/,
      },
    ],
  },
  {
    name: "a repository whose environments the bootstrap does not create",
    config: () => beside(withValue(staging, "github.repository", "infrastructure")),
    problems: [
      {
        key: "platform:github",
        found: `acme/infrastructure in Pulumi.staging.yaml, but ${BOOTSTRAP_STACK_FILE} creates the deploy environments in acme/platform: nothing would create or protect the environment "staging" this stack writes into`,
        allowed: `the repository of ${BOOTSTRAP_STACK_FILE} (platform-bootstrap:github): the bootstrap owns each stack's environment and the rulesets, the stack only writes its values into its environment`,
        fix: `pulumi config set --path 'github.owner' '<the user or organisation that owns your repository>' && pulumi config set --path 'github.repository' 'platform'   (or change platform-bootstrap:github in ${BOOTSTRAP_STACK_FILE})`,
      },
    ],
  },
  {
    name: "AWS settings the program's explicit providers never read",
    config: () => ({
      ...production,
      otherKeys: {
        "aws:region": "eu-west-1",
        "aws:profile": "acme-production-admin",
        "aws:secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws:skipMetadataApiCheck": "true",
        "digitalocean:apiEndpoint": "https://api.digitalocean.com",
      },
    }),
    problems: [
      {
        key: "aws:region",
        found:
          "a setting nothing reads: the program builds its aws providers itself (stacks/aws-account.ts), and such a provider takes no aws: config",
        allowed:
          "no aws: settings; the program reads platform:aws.accountId and platform:assets.awsRegion, and credentials from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID…, or CI's OIDC role)",
        fix: "pulumi config rm aws:region && pulumi config set --path 'assets.awsRegion' eu-west-1",
      },
      {
        key: "aws:profile",
        fix: "pulumi config rm aws:profile, and run with the profile in the environment: AWS_PROFILE=acme-production-admin pulumi up",
      },
      // Not also "a plaintext credential": removing it is the fix.
      {
        key: "aws:secretKey",
        fix: "pulumi config rm aws:secretKey, and export AWS_SECRET_ACCESS_KEY instead",
      },
      {
        key: "aws:skipMetadataApiCheck",
        fix: "pulumi config rm --path 'aws:skipMetadataApiCheck'",
      },
    ],
  },
  {
    name: "GitHub, Datadog and New Relic settings, secret ones never shown",
    config: () => ({
      ...production,
      otherKeys: {
        "github:token": "ghp_never-shown",
        "github:owner": "northwind",
        "datadog:apiKey": "dd-never-shown",
        "newrelic:apiKey": "nr-never-shown",
        "aws:allowedAccountIds": '["222222222222"]',
        "aws:profile": "admin",
      },
      otherSecretKeys: new Set([
        "github:token",
        "datadog:apiKey",
        "newrelic:apiKey",
        "aws:profile",
      ]),
    }),
    problems: [
      {
        key: "github:token",
        found: /builds its github providers itself \(stacks\/delivery\.ts\)/,
        allowed:
          "no github: settings; the program reads platform:github.owner and platform:github.repository, and the token from GITHUB_TOKEN",
        fix: "pulumi config rm github:token, and export GITHUB_TOKEN instead",
      },
      {
        key: "github:owner",
        fix: "pulumi config rm github:owner && pulumi config set --path 'github.owner' northwind",
      },
      {
        key: "datadog:apiKey",
        fix: "pulumi config rm datadog:apiKey, and export DD_API_KEY instead",
      },
      {
        key: "newrelic:apiKey",
        fix: "pulumi config rm newrelic:apiKey, and export NEW_RELIC_API_KEY instead",
      },
      { key: "aws:allowedAccountIds", fix: /^pulumi config rm aws:allowedAccountIds, and keep/ },
      { key: "aws:profile", fix: /AWS_PROFILE=<profile> pulumi up$/ },
    ],
  },
];

describe("stack config validation refuses bad config with precise messages", () => {
  it.each(cases)("$name", ({ config, catalog, problems }) => {
    const found = problemsOfAt(config(), {
      ...VALIDATION_CONTEXT,
      ...(catalog === undefined ? {} : { catalog: catalog() }),
    });
    expect(found).toHaveLength(problems.length);
    problems.forEach((expected, index) => {
      const problem = found[index];
      for (const [field, matcher] of Object.entries(expected)) {
        const actual = problem?.[field as keyof ConfigProblem];
        if (typeof matcher === "string") expect(actual, field).toBe(matcher);
        else expect(actual, field).toMatch(matcher);
      }
    });
  });

  it("reports the rules across keys beside unknown and misplaced keys", () => {
    const problems = problemsOf(
      withValues(production, {
        "domain.appHost": undefined,
        appHost: "app.example.com",
        colour: "blue",
        "database.standbys": 0,
      }),
    );
    expect(problems.map((problem) => problem.key)).toEqual([
      "platform:appHost",
      "platform:colour",
      "platform:database.standbys",
    ]);
  });

  it("reports every independent problem of one config at once", () => {
    const problems = problemsOf(
      withValues(
        { ...production, secretKeys: new Set() },
        {
          "regions.primary": "fra2",
          "database.poolSize": undefined,
          "database.standbys": 0,
          sentryDsn: "https://key@o1.ingest.sentry.io/2",
        },
      ),
    );
    // The rule on standbys reads database.standbys only, so the missing pool does not hide it.
    expect(problems.map((problem) => problem.key)).toEqual([
      "platform:regions.primary",
      "platform:database.poolSize",
      "platform:database.standbys",
      "platform:sentryDsn",
    ]);
  });

  describe("a restore point", () => {
    const at = (value: string) => withValue(production, "database.restore", { at: value });

    it.each([
      ["at the window's start", "2026-10-27T12:00:00Z"],
      ["an hour ago, in another offset", "2026-11-03T12:00:00+01:00"],
      ["now", "2026-11-03T12:00:00Z"],
    ])("is accepted %s", (_case, value) => {
      expect(validateStackConfig(at(value), VALIDATION_CONTEXT).ok).toBe(true);
    });

    it("out of the window is accepted once the last deployment restored it, as time passes", () => {
      const restored = { ...VALIDATION_CONTEXT, restoredAt: "2026-10-20T06:00:00Z" };
      expect(validateStackConfig(at("2026-10-20T08:00:00+02:00"), restored).ok).toBe(true);
      // Another point in time is another restore, held to the window.
      expect(problemsOfAt(at("2026-10-20T09:00:00+02:00"), restored)).toEqual([
        expect.objectContaining({ key: "platform:database.restore.at" }),
      ]);
    });
  });

  it("never prints the value of a secret, even an invalid one", () => {
    const raw = withValue(production, "slackWebhookUrl", "https://evil.example.com/hook-token-123");
    const problems = problemsOf({ ...raw, secretKeys: new Set(["slackWebhookUrl"]) });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe("platform:slackWebhookUrl");
    expect(problems[0]?.found).toBe("a value (hidden: it belongs to a secret)");
    expect(JSON.stringify(problems)).not.toContain("hook-token-123");
  });

  describe("Slack alerts, which Cloudflare sends only for accounts with a zone on Pro or above", () => {
    const withSlack = (raw: RawStackConfig, accountPlan?: string) =>
      withValues(
        { ...raw, secretKeys: new Set([...raw.secretKeys, "slackWebhookUrl"]) },
        {
          slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
          "edge.accountPlan": accountPlan,
        },
      );

    it("are refused when neither this zone nor, by edge.accountPlan, another one is", () => {
      for (const accountPlan of [undefined, "free"]) {
        expect(problemsOf(withSlack(staging, accountPlan))).toEqual([
          expect.objectContaining({
            key: "platform:edge.accountPlan",
            allowed: expect.stringContaining(
              "and neither this zone (edge.plan) nor, by edge.accountPlan, any other zone of the account is",
            ) as unknown,
            fix: expect.stringContaining(
              "pulumi config set --path 'edge.accountPlan' pro",
            ) as unknown,
          }),
        ]);
      }
    });

    it.each([
      ["production: this zone is on Pro, whatever edge.accountPlan says", "production", "free"],
      ["staging: another zone of the account is on Pro", "staging", "pro"],
    ])("are accepted when %s", (_case, stack, accountPlan) => {
      const raw = withSlack(stack === "production" ? production : staging, accountPlan);
      expect(validateStackConfig(raw, VALIDATION_CONTEXT).ok).toBe(true);
    });
  });

  it.each([
    "https://hooks.slack.com/services/T000/B000/XXXX/",
    "https://hooks.slack.com/services/T000/B000/XXXX?x=1",
    "https://hooks.slack.com/workflows/T000/A000/123/XXXX",
  ])("refuses a Slack URL the edge could not split into URL and secret: %s", (url) => {
    const raw = withValue(production, "slackWebhookUrl", url);
    const problems = problemsOf({ ...raw, secretKeys: new Set(["slackWebhookUrl"]) });
    expect(problems.map(({ key, allowed }) => ({ key, allowed }))).toEqual([
      {
        key: "platform:slackWebhookUrl",
        allowed: expect.stringContaining(
          "https://hooks.slack.com/services/<team>/<channel>/<secret>",
        ) as unknown,
      },
    ]);
  });
});
