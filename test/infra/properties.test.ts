// Properties of the components' pure helpers, over generated inputs rather than a few examples:
// what must hold for every address range, every set of datacenters, every list of replicas and
// every app spec the stacks could ever hand them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  appSpec,
  type AppServiceArgs,
  type AppSpecArgs,
  type AppWorkerArgs,
  type AppJobArgs,
  type ServiceEnv,
  writeOnlyLayout,
  writeOnlyPaths,
} from "../../infra/compute/app-spec.ts";
import { DEFAULT_THRESHOLDS } from "../../infra/compute/platform-app.ts";
import { parseCidr } from "../../infra/core/cidr.ts";
import { peeringPairs } from "../../infra/core/private-network.ts";
import { nameReplicas } from "../../infra/data/postgres-cluster.ts";
import { assetBucketArgsProblems } from "../../infra/storage/asset-bucket.ts";
import { parseCidr as policyParseCidr } from "../../policy/cidr.ts";

describe("parseCidr", () => {
  it("reads back the family and prefix of every IPv4 range", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (address, prefix) => {
        expect(parseCidr(`${address}/${String(prefix)}`)).toEqual({ family: 4, prefix });
        expect(parseCidr(address)).toEqual({ family: 4, prefix: 32 });
      }),
    );
  });

  it("reads back the family and prefix of every IPv6 range", () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (address, prefix) => {
        expect(parseCidr(`${address}/${String(prefix)}`)).toEqual({ family: 6, prefix });
        expect(parseCidr(address)).toEqual({ family: 6, prefix: 128 });
      }),
    );
  });

  it("refuses a prefix longer than the address, saying which", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.ipV4(), fc.integer({ min: 33, max: 999 })),
          fc.tuple(fc.ipV6(), fc.integer({ min: 129, max: 999 })),
        ),
        ([address, prefix]) => {
          expect(parseCidr(`${address}/${String(prefix)}`)).toBe(
            `has an invalid prefix length /${String(prefix)}`,
          );
        },
      ),
    );
  });

  it("agrees with the policy pack's own parser on every input, ranges and noise alike", () => {
    const range = fc
      .tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.option(fc.nat({ max: 200 })))
      .map(([address, prefix]) => (prefix === null ? address : `${address}/${String(prefix)}`));
    fc.assert(
      fc.property(fc.oneof(range, fc.string(), fc.stringMatching(/^[\d./:a-f]{0,20}$/)), (text) => {
        const program = parseCidr(text);
        expect(typeof program === "string" ? undefined : program).toEqual(policyParseCidr(text));
      }),
      { numRuns: 500 },
    );
  });
});

/** DigitalOcean's datacenter slugs: letters and a digit, never a dash (`fra1`, `ams3`, `nyc3`). */
const datacenter = fc.stringMatching(/^[a-z]{3}[1-9]$/);

describe("peeringPairs", () => {
  it("peers every two distinct datacenters exactly once, never one with itself", () => {
    fc.assert(
      fc.property(fc.uniqueArray(datacenter, { maxLength: 8 }), (datacenters) => {
        const pairs = peeringPairs(datacenters);
        const n = datacenters.length;
        expect(pairs).toHaveLength((n * (n - 1)) / 2);
        for (const [first, second] of pairs) {
          expect(first).not.toBe(second);
          // In the order given: the earlier datacenter (the primary first) names the peering.
          expect(datacenters.indexOf(first)).toBeLessThan(datacenters.indexOf(second));
        }
        const unordered = pairs.map((pair) => [...pair].sort().join("<->"));
        expect(new Set(unordered).size).toBe(pairs.length);
        for (const first of datacenters) {
          for (const second of datacenters) {
            if (first === second) continue;
            expect(unordered).toContain([first, second].sort().join("<->"));
          }
        }
      }),
    );
  });
});

describe("nameReplicas", () => {
  const replica = fc.record({ region: datacenter, size: fc.constant("db-s-2vcpu-4gb") });
  const replicasIn = (regions: readonly string[]) =>
    fc.array(fc.record({ region: fc.constantFrom(...regions), size: fc.constantFrom("a", "b") }), {
      maxLength: 10,
    });

  it("gives every replica its own name, keeping order, region and size", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.oneof(fc.array(replica, { maxLength: 10 }), replicasIn(["fra1", "ams3"])),
        (name, replicas) => {
          const named = nameReplicas(name, replicas);
          expect(named.map(({ region, size }) => ({ region, size }))).toEqual(replicas);
          const names = named.map(({ logicalName }) => logicalName);
          expect(new Set(names).size).toBe(names.length);
          // The firewall names each guarded database by the part after `<name>-`: unique too,
          // and never the primary's `cluster`.
          const guarded = names.map((logicalName) => logicalName.slice(name.length + 1));
          expect(new Set([...guarded, "cluster"]).size).toBe(guarded.length + 1);
        },
      ),
    );
  });

  it("numbers the replicas of one datacenter 2, 3, … after an unnumbered first", () => {
    fc.assert(
      fc.property(replicasIn(["fra1", "ams3", "nyc3"]), (replicas) => {
        const named = nameReplicas("db", replicas);
        const seen = new Map<string, number>();
        for (const { region, logicalName } of named) {
          const count = (seen.get(region) ?? 0) + 1;
          seen.set(region, count);
          expect(logicalName).toBe(
            count === 1 ? `db-replica-${region}` : `db-replica-${region}-${String(count)}`,
          );
        }
      }),
    );
  });
});

describe("the asset bucket's name", () => {
  it("is accepted only when it and its log bucket are valid S3 names of at most 63 characters", () => {
    // S3 bucket names: 3 to 63 characters of a-z, 0-9, . and - (AWS S3 user guide, "Bucket
    // naming rules"); the log bucket is the name plus `-logs`.
    const s3Name = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,70}[a-z0-9]$/), (bucketName) => {
        const problems = assetBucketArgsProblems({
          bucketName,
          readerCidrs: [],
          corsOrigins: [],
          noncurrentVersionExpirationDays: 30,
        });
        const logBucket = `${bucketName}-logs`;
        expect(problems.length === 0).toBe(s3Name.test(logBucket) && s3Name.test(bucketName));
      }),
    );
  });
});

describe("writeOnlyLayout", () => {
  const env: fc.Arbitrary<ServiceEnv> = fc.oneof(
    fc.record({
      key: fc.stringMatching(/^[A-Z][A-Z_]{0,8}$/),
      value: fc.string(),
      secret: fc.constant(false as const),
    }),
    fc.record({
      key: fc.stringMatching(/^[A-Z][A-Z_]{0,8}$/),
      value: fc.string(),
      secret: fc.constant(true as const),
      fingerprint: fc.stringMatching(/^[0-9a-f]{8}$/),
    }),
  );
  const envs = fc.array(env, { maxLength: 5 });
  /** What every component has: its name, image and size fixed, its env vars generated. */
  const component = (name: string) => ({
    name,
    repository: name,
    digest: `sha256:${"a".repeat(64)}`,
    size: "apps-s-1vcpu-1gb",
  });
  const service = (name: string): fc.Arbitrary<AppServiceArgs> =>
    fc
      .record({ routePrefix: fc.constantFrom(undefined, `/${name}`), env: envs })
      .map(({ routePrefix, env }) => ({
        ...component(name),
        httpPort: 8080,
        routePrefix,
        healthCheckPath: "/healthz",
        scaling: { instances: 1 },
        env,
      }));
  const worker = (name: string): fc.Arbitrary<AppWorkerArgs> =>
    envs.map((env) => ({ ...component(name), scaling: { instances: 1 }, env }));
  const job = (name: string): fc.Arbitrary<AppJobArgs> =>
    envs.map((env) => ({
      ...component(name),
      kind: "PRE_DEPLOY" as const,
      runCommand: "node migrate.ts",
      env,
    }));
  const components = <T>(make: (name: string) => fc.Arbitrary<T>, prefix: string) =>
    fc
      .nat({ max: 3 })
      .chain((count) =>
        fc.tuple(...Array.from({ length: count }, (_, index) => make(`${prefix}${String(index)}`))),
      );
  const appArgs: fc.Arbitrary<AppSpecArgs> = fc
    .tuple(components(service, "s"), components(worker, "w"), components(job, "j"))
    .map(([services, workers, jobs]) => ({
      appName: "platform-test-fra",
      domains: [],
      region: "fra",
      vpcId: undefined,
      services,
      workers,
      jobs,
      alerts: { emails: ["oncall@example.com"] },
      logDrains: {},
      thresholds: DEFAULT_THRESHOLDS,
      secretsDigest: "sha256:test",
    }));

  /** What sits at a property path (`spec.services[0].envs[1].value`) of the App's inputs. */
  function at(root: unknown, path: string): { parent: Record<string, unknown>; key: string } {
    const keys = path.split(/\.|\[|\]/).filter((key) => key !== "");
    const key = keys.pop() ?? "";
    let parent: unknown = root;
    for (const step of keys) {
      parent = (parent as Record<string, unknown> | undefined)?.[step];
    }
    expect(parent, path).toBeTypeOf("object");
    return { parent: parent as Record<string, unknown>, key };
  }

  it("points at a SECRET env value or an alert's destinations, as it says, in the spec itself", () => {
    fc.assert(
      fc.property(appArgs, (args) => {
        const inputs = { spec: appSpec(args) };
        for (const entry of writeOnlyLayout(args)) {
          const { parent, key } = at(inputs, entry.path);
          expect(parent, entry.path).toHaveProperty(key);
          if (entry.kind === "secret-value") {
            expect(key).toBe("value");
            expect(parent.type).toBe("SECRET");
            expect(entry.holds.endsWith(`.${String(parent.key)}`)).toBe(true);
          } else {
            expect(key).toBe("destinations");
            expect(entry.holds.endsWith(` ${String(parent.rule)}`)).toBe(true);
          }
        }
      }),
    );
  });

  it("covers every write-only setting once: each SECRET env var and each alert", () => {
    fc.assert(
      fc.property(appArgs, (args) => {
        const layout = writeOnlyLayout(args);
        const paths = layout.map(({ path }) => path);
        expect(new Set(paths).size).toBe(paths.length);
        // The spec holds plain arrays (only env values are outputs), whatever its Input types say.
        interface Component {
          envs?: { type?: unknown }[];
          alerts?: unknown[];
        }
        const spec = appSpec(args) as unknown as Record<
          "services" | "workers" | "jobs",
          Component[] | undefined
        > & { alerts: unknown[] };
        const componentsOfSpec = [
          ...(spec.services ?? []),
          ...(spec.workers ?? []),
          ...(spec.jobs ?? []),
        ];
        const secrets = componentsOfSpec.flatMap(
          (component) => component.envs?.filter((variable) => variable.type === "SECRET") ?? [],
        );
        const alerts =
          spec.alerts.length +
          componentsOfSpec.reduce((sum, component) => sum + (component.alerts?.length ?? 0), 0);
        expect(writeOnlyPaths(args, "secret-value")).toHaveLength(secrets.length);
        expect(writeOnlyPaths(args, "alert-destinations")).toHaveLength(alerts);
        expect(writeOnlyPaths(args)).toEqual(paths);
      }),
    );
  });
});
