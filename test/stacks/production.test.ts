import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { HEALTH_CHECK } from "../../infra/compute/app-spec.ts";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { providerState } from "../../tools/mock/provider-outputs.ts";
import { REPOSITORY_ROOT, runStack } from "../../tools/mock/run-stack.ts";
import { renderManifest } from "../../tools/plan/render.ts";
import {
  appSpecOf,
  envOf,
  outputsOf,
  resourceNamed,
  resourcesOfType,
  serviceOf,
  TYPES,
} from "../support/program.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runStack("production");
});

const primaryApp = () => resourceNamed(run, TYPES.app, "app-fra-app");
const secondaryApp = () => resourceNamed(run, TYPES.app, "app-ams-app");

describe("the production stack under the mock runtime", () => {
  it("runs to completion without errors", () => {
    expect(run.errors).toEqual([]);
  });

  it("files its resources under a DigitalOcean project labelled Production", () => {
    const project = resourceNamed(run, TYPES.project, "project-project");
    expect(project.inputs).toMatchObject({
      name: "platform-production",
      environment: "Production",
    });
    expect(resourceNamed(run, TYPES.cluster, "database-cluster").inputs.projectId).toBe(project.id);
    expect(primaryApp().inputs.projectId).toBe(project.id);
  });
});

describe("production data tier", () => {
  it("runs the primary with one standby for automatic failover", () => {
    const cluster = resourceNamed(run, TYPES.cluster, "database-cluster");
    expect(cluster.inputs).toMatchObject({
      engine: "pg",
      version: "17",
      region: "fra1",
      size: "db-s-2vcpu-4gb",
      nodeCount: 2,
      maintenanceWindows: [{ day: "sunday", hour: "02:00" }],
    });
    const vpc = resourceNamed(run, TYPES.vpc, "network-vpc-fra1");
    expect(cluster.inputs.privateNetworkUuid).toBe(vpc.id);
  });

  it("keeps a read replica in the secondary region, in that region's VPC", () => {
    const replicas = resourcesOfType(run, TYPES.replica);
    expect(replicas.map((replica) => replica.inputs.region)).toEqual(["ams3"]);
    expect(replicas[0]?.inputs.privateNetworkUuid).toBe(
      resourceNamed(run, TYPES.vpc, "network-vpc-ams3").id,
    );
    // Tags only at creation: a changed tag would replace the protected replica.
    expect(replicas[0]?.inputs.tags).toEqual(["platform", "production"]);
    expect(replicas[0]?.ignoreChanges).toEqual(["tags"]);
  });

  it("protects every stateful resource from deletion", () => {
    const stateful = [
      ...resourcesOfType(run, TYPES.cluster),
      ...resourcesOfType(run, TYPES.replica),
      ...resourcesOfType(run, TYPES.database),
      ...resourcesOfType(run, TYPES.registry),
    ];
    expect(stateful).toHaveLength(4);
    for (const resource of stateful) {
      expect({
        name: resource.name,
        protect: resource.protect,
        retain: resource.retainOnDelete,
      }).toEqual({ name: resource.name, protect: true, retain: true });
    }
  });

  it("gives each service that uses the database a user and a transaction-mode pool of its own, never doadmin", () => {
    expect(resourcesOfType(run, TYPES.user).map((user) => user.inputs.name)).toEqual([
      "api",
      "processor",
    ]);
    for (const role of ["api", "processor"]) {
      expect(
        resourceNamed(run, TYPES.connectionPool, `database-pool-${role}`).inputs,
      ).toMatchObject({
        name: `${role}-pool`,
        mode: "transaction",
        // database.poolSize, shared equally.
        size: 20,
        user: role,
        dbName: "app",
      });
    }
    for (const app of [primaryApp(), secondaryApp()]) {
      const spec = appSpecOf(app);
      const env = [...serviceOf(spec, "api").envs, ...(spec.workers ?? []).flatMap((w) => w.envs)];
      expect(JSON.stringify(env)).not.toContain("doadmin");
    }
  });

  it("runs the processor as a worker in every region, as its own role, and the web with no database", () => {
    const pool = resourceNamed(run, TYPES.connectionPool, "database-pool-processor");
    const poolUri = providerState(pool.type, pool.name, pool.inputs, pool.id).privateUri;
    for (const app of [primaryApp(), secondaryApp()]) {
      const spec = appSpecOf(app);
      expect(spec.workers?.map((worker) => worker.name)).toEqual(["processor"]);
      const [processor] = spec.workers ?? [];
      expect(processor).toMatchObject({
        image: { registryType: "DOCR", repository: "processor" },
        instanceSizeSlug: "apps-s-1vcpu-1gb",
        instanceCount: 2,
      });
      expect(processor).not.toHaveProperty("healthCheck");
      // The catalog's liveness endpoint, checked with the services' timing (every field pinned in
      // test/infra/app-spec.test.ts): a worker that hangs without exiting is restarted.
      expect(processor?.livenessHealthCheck).toEqual({
        httpPath: "/livez",
        port: 3003,
        ...HEALTH_CHECK,
      });
      expect(envOf(processor ?? ({} as never), "PORT")).toMatchObject({ value: "3003" });
      expect(envOf(processor ?? ({} as never), "DATABASE_URL")).toMatchObject({
        type: "SECRET",
        value: poolUri,
      });
      expect(new URL(String(poolUri)).username).toBe("processor");
      // No port of its own, so no origin lock: only App Platform's liveness check calls a worker.
      expect(envOf(processor ?? ({} as never), "ORIGIN_LOCK_SECRETS")).toBeUndefined();
      const web = serviceOf(spec, "web");
      expect(web.envs.map((env) => env.key).filter((key) => key.startsWith("DATABASE"))).toEqual(
        [],
      );
      expect(envOf(web, "API_URL")?.value).toBe("http://api:3001");
    }
  });

  it("admits exactly the two app regions' VPCs through the firewall of the cluster and the replica", () => {
    const vpcRanges = ["network-vpc-fra1", "network-vpc-ams3"].map((name) => {
      const vpc = resourceNamed(run, TYPES.vpc, name);
      return providerState(vpc.type, vpc.name, vpc.inputs, vpc.id).ipRange;
    });
    const firewalls = resourcesOfType(run, TYPES.firewall);
    expect(firewalls.map((firewall) => firewall.inputs.clusterId).sort()).toEqual(
      [
        resourceNamed(run, TYPES.cluster, "database-cluster").id,
        resourceNamed(run, TYPES.replica, "database-replica-ams3").id,
      ].sort(),
    );
    for (const firewall of firewalls) {
      expect(firewall.inputs.rules).toEqual(vpcRanges.map((value) => ({ type: "ip_addr", value })));
    }
  });
});

describe("production compute tier", () => {
  it("runs one app per region, the primary in fra and the secondary in ams", () => {
    expect(
      resourcesOfType(run, TYPES.app)
        .map((app) => appSpecOf(app).region)
        .sort(),
    ).toEqual(["ams", "fra"]);
  });

  it("routes the web publicly and keeps the api internal", () => {
    expect(appSpecOf(primaryApp()).ingress.rules).toEqual([
      { component: { name: "web" }, match: { path: { prefix: "/" } } },
    ]);
  });

  it("autoscales each service from two instances on a dedicated size, without instanceCount", () => {
    const spec = appSpecOf(primaryApp());
    expect(serviceOf(spec, "web")).toMatchObject({
      instanceSizeSlug: "apps-d-1vcpu-2gb",
      autoscaling: { minInstanceCount: 2, maxInstanceCount: 6, metrics: { cpu: { percent: 70 } } },
    });
    expect(serviceOf(spec, "api").autoscaling).toEqual({
      minInstanceCount: 2,
      maxInstanceCount: 8,
      metrics: { cpu: { percent: 65 } },
    });
    for (const service of spec.services) expect(service).not.toHaveProperty("instanceCount");
  });

  it("checks each service's health route and alerts on CPU, memory and restarts", () => {
    for (const service of appSpecOf(secondaryApp()).services) {
      expect(service.healthCheck).toMatchObject({ httpPath: "/healthz", failureThreshold: 3 });
      expect(service.alerts.map((alert) => alert.rule)).toEqual([
        "CPU_UTILIZATION",
        "MEM_UTILIZATION",
        "RESTART_COUNT",
      ]);
      expect(service.logDestinations).toEqual([]);
    }
    expect(appSpecOf(secondaryApp()).alerts).toEqual([
      {
        rule: "DEPLOYMENT_FAILED",
        destinations: { emails: ["oncall@example.com"], slackWebhooks: [] },
      },
      {
        rule: "DOMAIN_FAILED",
        destinations: { emails: ["oncall@example.com"], slackWebhooks: [] },
      },
    ]);
  });

  it("runs every service by the digest the stack built, which no push can change", () => {
    for (const app of [primaryApp(), secondaryApp()]) {
      for (const service of appSpecOf(app).services) {
        const image = resourceNamed(run, TYPES.image, `image-${service.name}-image`);
        const built = outputsOf(run).platform as { images: Record<string, { digest: string }> };
        expect(service.image).toEqual({
          registryType: "DOCR",
          repository: service.name,
          digest: built.images[service.name]?.digest,
        });
        expect(service.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(image.inputs).toMatchObject({ buildOnPreview: false });
      }
    }
  });

  it("builds each image for linux/amd64 from a context and Dockerfile that exist", () => {
    for (const image of resourcesOfType(run, TYPES.image)) {
      const build = image.inputs.build as { context: string; dockerfile: string; platform: string };
      expect(build.platform).toBe("linux/amd64");
      expect(existsSync(`${REPOSITORY_ROOT}${build.context}`)).toBe(true);
      expect(existsSync(`${REPOSITORY_ROOT}${build.dockerfile}`)).toBe(true);
    }
  });

  it("hands the api its database as SECRET env vars: writes to the pool, reads in its own region", () => {
    const pool = resourceNamed(run, TYPES.connectionPool, "database-pool-api");
    const replica = resourceNamed(run, TYPES.replica, "database-replica-ams3");
    const poolUri = providerState(pool.type, pool.name, pool.inputs, pool.id).privateUri;
    const replicaHost = providerState(
      replica.type,
      replica.name,
      replica.inputs,
      replica.id,
    ).privateHost;
    const primaryApi = serviceOf(appSpecOf(primaryApp()), "api");
    const secondaryApi = serviceOf(appSpecOf(secondaryApp()), "api");

    for (const api of [primaryApi, secondaryApi]) {
      expect(envOf(api, "DATABASE_URL")).toMatchObject({ type: "SECRET", value: poolUri });
      expect(envOf(api, "DATABASE_READ_URL")).toMatchObject({ type: "SECRET" });
      expect(envOf(api, "DATABASE_CA_CERT")?.value).toContain("BEGIN CERTIFICATE");
    }
    // fra has no replica, so it reads from the primary; ams reads from its own replica.
    expect(envOf(primaryApi, "DATABASE_READ_URL")?.value).toBe(poolUri);
    const readUrl = new URL(envOf(secondaryApi, "DATABASE_READ_URL")?.value ?? "");
    expect(readUrl.host).toBe(`${String(replicaHost)}:25060`);
    expect(readUrl.username).toBe("api");
    expect(readUrl.pathname).toBe("/app");
    expect(readUrl.searchParams.get("sslmode")).toBe("require");
  });

  it("sends every credential as a Pulumi secret, and none as a GENERAL env var", () => {
    for (const app of [primaryApp(), secondaryApp()]) {
      appSpecOf(app).services.forEach((service, index) => {
        service.envs.forEach((env, envIndex) => {
          const path = `spec.services[${index}].envs[${envIndex}].value`;
          expect({ path, secret: app.secretInputs.includes(path) }).toEqual({
            path,
            secret: env.type === "SECRET",
          });
        });
      });
      for (const service of appSpecOf(app).services) {
        for (const env of service.envs.filter((candidate) => candidate.type === "GENERAL")) {
          expect(env.value).not.toMatch(/AVNS_|postgres(ql)?:\/\//);
        }
      }
    }
    for (const image of resourcesOfType(run, TYPES.image))
      expect(image.secretInputs).toEqual(["registry.password", "registry.username"]);
    // Credentials the providers return are secret from the moment they exist.
    const originLock = resourceNamed(run, TYPES.randomPassword, "origin-lock-secret-1");
    expect(originLock.additionalSecretOutputs).toContain("result");
  });

  it("exports the topology, digests and endpoints auditors read, and no secret", () => {
    const { platform } = outputsOf(run) as { platform: Record<string, unknown> };
    expect(platform.database).toMatchObject({
      engine: "pg",
      version: "17",
      nodes: 2,
      standbys: 1,
      replicas: [{ name: "database-replica-ams3", region: "ams3", size: "db-s-2vcpu-4gb" }],
      roles: [
        {
          role: "api",
          access: "readwrite",
          pool: { name: "api-pool", mode: "transaction", size: 20 },
        },
        {
          role: "processor",
          access: "readwrite",
          pool: { name: "processor-pool", mode: "transaction", size: 20 },
        },
      ],
      maintenanceWindow: { day: "sunday", hour: "02:00" },
      protected: true,
      trustedSources: [
        { type: "ip_addr", value: expect.stringMatching(/^10\./) as unknown, source: "vpc fra1" },
        { type: "ip_addr", value: expect.stringMatching(/^10\./) as unknown, source: "vpc ams3" },
      ],
    });
    const digest = expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown;
    expect(platform.apps).toEqual([
      {
        name: "platform-production-fra",
        role: "primary",
        region: { datacenter: "fra1", appRegion: "fra" },
        appId: primaryApp().id,
        originHost: expect.stringMatching(
          /^platform-production-fra-.*\.ondigitalocean\.app$/,
        ) as unknown,
        secretsDigest: digest,
        fingerprint: digest,
        services: expect.any(Array) as unknown,
        workers: expect.any(Array) as unknown,
        jobs: expect.any(Array) as unknown,
      },
      {
        name: "platform-production-ams",
        role: "secondary",
        region: { datacenter: "ams3", appRegion: "ams" },
        appId: secondaryApp().id,
        originHost: expect.stringMatching(
          /^platform-production-ams-.*\.ondigitalocean\.app$/,
        ) as unknown,
        secretsDigest: digest,
        fingerprint: digest,
        services: expect.any(Array) as unknown,
        workers: expect.any(Array) as unknown,
        jobs: expect.any(Array) as unknown,
      },
    ]);
    expect(platform.registry).toMatchObject({ name: "acme-platform", protected: true });
    const manifest = renderManifest("production", run);
    expect(manifest).not.toMatch(/AVNS_|postgres(ql)?:\/\/|offline-user:/);
  });

  it("exports each app's sizes, scaling and health checks exactly as its spec declares them", () => {
    const { platform } = outputsOf(run) as {
      platform: { apps: { name: string; services: unknown[]; jobs: unknown[] }[] };
    };
    for (const exported of platform.apps) {
      const spec = resourcesOfType(run, TYPES.app)
        .map(appSpecOf)
        .find((candidate) => candidate.name === exported.name);
      if (spec === undefined) throw new Error(`no app spec named ${exported.name}`);
      const routes = new Map(
        spec.ingress.rules.map((rule) => [rule.component.name, rule.match.path.prefix]),
      );
      expect(exported.services).toEqual(
        spec.services.map((service) => ({
          name: service.name,
          exposure: routes.get(service.name) ?? "internal",
          port: service.healthCheck.port,
          size: service.instanceSizeSlug,
          scaling: {
            minInstances: service.autoscaling?.minInstanceCount,
            maxInstances: service.autoscaling?.maxInstanceCount,
            cpuPercent: service.autoscaling?.metrics.cpu.percent,
          },
          healthCheck: {
            path: service.healthCheck.httpPath,
            port: service.healthCheck.port,
            periodSeconds: service.healthCheck.periodSeconds,
            failureThreshold: service.healthCheck.failureThreshold,
          },
          alerts: Object.fromEntries(service.alerts.map((alert) => [alert.rule, alert.value])),
        })),
      );
      expect(exported.jobs).toEqual(
        (spec.jobs ?? []).map((job) => ({
          name: job.name,
          kind: job.kind,
          size: job.instanceSizeSlug,
          runCommand: job.runCommand,
        })),
      );
    }
  });
});
