// The `platform` stack output as the report reads it, from the offline plan or from a deployment
// (`pulumi stack output --json`), validated once by one schema: the fields the report reads, in
// the shapes of stacks/outputs.ts (the type check below fails if the program's outputs drift from
// it). A deployment of an older commit may lack whole sections, so each one is optional and the
// report says which are missing.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isRecord } from "../../policy/values.ts";
import type { PlatformOutputs } from "../../stacks/outputs.ts";
import { REDACTED } from "../mock/secrets.ts";

const s = z.string();
const n = z.number();
const b = z.boolean();
const list = z.array(s);
const region = z.object({ appRegion: s, datacenter: s });
const service = z.object({
  name: s,
  exposure: s,
  healthCheck: z.object({ path: s }),
  alerts: z.record(s, n),
});
const bucket = z.object({
  name: s,
  versioning: s,
  publicAccessBlock: s,
  objectOwnership: s,
  encryption: s,
  tlsOnly: b,
  noncurrentVersionExpirationDays: n,
  protected: b,
});
const monitor = z.object({ type: s, path: s, expectedCodes: s });

const platformSchema = z.object({
  environment: s,
  regions: z.object({ primary: region, secondary: region.nullable() }),
  hostnames: z.object({ app: s, assets: s }),
  project: z.object({ id: s, name: s }),
  network: z.object({
    vpcs: z.array(z.object({ datacenter: s, id: s, ipRange: s })),
    peerings: list,
  }),
  // In the order the report lists them.
  registry: z.object({ name: s, endpoint: s, datacenter: s, tier: s, protected: b }),
  images: z.record(s, z.object({ repoDigest: s })),
  apps: z.array(
    z.object({ name: s, role: s, region, appId: s, originHost: s, services: z.array(service) }),
  ),
  database: z.object({
    engine: s,
    version: s,
    region: s,
    size: s,
    nodes: n,
    standbys: n,
    replicas: z.array(z.object({ name: s, region: s, size: s })),
    database: s,
    roles: z.array(z.object({ role: s, access: s, pool: z.object({ name: s, mode: s, size: n }) })),
    maintenanceWindow: z.object({ day: s, hour: s }),
    protected: b,
    trustedSources: z.array(z.object({ type: s, value: s, source: s })),
  }),
  assets: z.object({ buckets: z.record(s, bucket) }),
  edge: z.object({
    tls: z.object({
      sslMode: s,
      minTlsVersion: s,
      tls13: s,
      alwaysUseHttps: s,
      hsts: z.object({ maxAgeSeconds: n, includeSubdomains: b, preload: b }),
    }),
    loadBalancer: z.object({
      hostname: s,
      pools: z.array(z.object({ name: s, region: s, monitor })),
    }),
    records: list,
    rateLimit: z.object({ requests: n, periodSeconds: n, counts: s }),
    waf: z.object({ managedRulesets: list }),
    originLock: z.object({ header: s }),
  }),
  monitoring: z.object({
    route: z.object({ emails: list, slackChannel: s.nullable() }),
    uptime: z.array(z.object({ url: s, alerts: list })),
    apm: z
      .object({
        // The report names a backend by its provider.
        backend: z.object({ provider: s }).transform((backend) => backend.provider),
        endpoint: s,
        monitors: z.array(z.object({ name: s, query: s, threshold: n })),
      })
      .nullable(),
  }),
  delivery: z.object({ environment: s, variables: list, secrets: list }),
  integrations: z.object({ sentry: b, logDrains: list, slackAlerts: b }),
});

/** Every section but `environment` may be missing from an older deployment's outputs. */
const deployedPlatform = platformSchema.partial().required({ environment: true });

export type PlatformFacts = z.output<typeof deployedPlatform>;

/** The sections the report reads, in the output's order. */
export const REPORTED_OUTPUTS = Object.keys(platformSchema.shape).filter(
  (key): key is Exclude<keyof PlatformFacts, "environment"> => key !== "environment",
);

/** `T` as JSON carries it: every `Output<U>` replaced by `U`. */
export type Plain<T> =
  T extends pulumi.Output<infer U>
    ? Plain<U>
    : T extends readonly (infer E)[]
      ? Plain<E>[]
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

type Holds<T extends true> = T;
/** Does not type-check when the program exports a `platform` output the schema would refuse. */
export type SchemaAcceptsTheProgramsOutputs = Holds<
  Plain<PlatformOutputs> extends z.input<typeof platformSchema> ? true : false
>;

/** A bad `--outputs` input: one line that names the source and the fix. */
export class OutputsError extends Error {
  override name = "OutputsError";
}

const howTo = (stack: string) => `pulumi stack output --json --stack ${stack}`;

/** `platform.apps[0].appId` for zod's `["apps", 0, "appId"]`. */
const pathOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (at, key) => (typeof key === "number" ? `${at}[${key}]` : `${at}.${String(key)}`),
    "platform",
  );

/** The platform object, validated; zod's messages name the path and the type, never a value. */
export function platformFacts(platform: unknown, source: string): PlatformFacts {
  const parsed = deployedPlatform.safeParse(platform);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${pathOf(i.path)}: ${i.message}`);
  throw new OutputsError(
    `${source} differs from the platform output of this commit (stacks/outputs.ts): ${issues.join("; ")}. Run the report from the commit the stack was deployed from.`,
  );
}

/**
 * The `platform` object of `pulumi stack output --json` (the outputs by name), or of
 * `pulumi stack output platform --json` (the object alone), as raw JSON: it must be the stack's.
 * Other outputs are ignored, never printed.
 */
export function platformOutput(text: string, source: string, stack: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // V8's message quotes the start of the input, which could be a secret: name the source only.
    throw new OutputsError(
      `${source} is not JSON; pipe the stack's outputs in: ${howTo(stack)} | pnpm audit-report ${stack} --outputs -`,
    );
  }
  const platform = isRecord(parsed) && isRecord(parsed.platform) ? parsed.platform : parsed;
  if (!isRecord(platform) || typeof platform.environment !== "string") {
    throw new OutputsError(
      `${source} has no "platform" object: it is not the output of ${howTo(stack)} for this project`,
    );
  }
  const { environment } = platform;
  if (environment !== stack) {
    // Named only when it looks like a stack name: the input is not ours to echo.
    const other = /^[a-z0-9-]{1,40}$/.test(environment)
      ? `stack "${environment}"`
      : "another stack";
    throw new OutputsError(
      `${source} holds the outputs of ${other}, not "${stack}": run ${howTo(stack)}`,
    );
  }
  return platform;
}

/**
 * Paths (`platform.x.y`) where the offline plan has a secret output and `real` has a plaintext
 * value: outputs written with `--show-secrets`. The report refuses them rather than choose what to
 * hide, so a secret output can never reach an auditor's document.
 */
export function plaintextSecretPaths(offline: unknown, real: unknown, path = "platform"): string[] {
  if (offline === REDACTED) {
    return real === REDACTED || real === undefined || real === null ? [] : [path];
  }
  if (Array.isArray(offline) && Array.isArray(real)) {
    // A real list may be longer than the plan's (more replicas, more checks): items past the
    // plan's end are checked against its first item, which has the same shape.
    return real.flatMap((item, index) =>
      plaintextSecretPaths(offline[index] ?? offline[0], item, `${path}[${index}]`),
    );
  }
  if (isRecord(offline) && isRecord(real)) {
    return Object.keys(offline).flatMap((key) =>
      plaintextSecretPaths(offline[key], real[key], `${path}.${key}`),
    );
  }
  return [];
}
