import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { providerState } from "../../tools/mock/provider-outputs.ts";
import { runStack } from "../../tools/mock/run-stack.ts";
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
  run = await runStack("staging");
});

describe("the staging stack under the mock runtime", () => {
  it("runs to completion without errors", () => {
    expect(run.errors).toEqual([]);
  });

  it("labels its project Staging, apart from production", () => {
    expect(resourceNamed(run, TYPES.project, "project-project").inputs).toMatchObject({
      name: "platform-staging",
      environment: "Staging",
    });
  });

  it("runs one app in one region, with fixed single instances", () => {
    const apps = resourcesOfType(run, TYPES.app);
    expect(apps).toHaveLength(1);
    const spec = appSpecOf(resourceNamed(run, TYPES.app, "app-fra-app"));
    expect(spec.region).toBe("fra");
    for (const service of spec.services) {
      expect(service.instanceCount).toBe(1);
      expect(service).not.toHaveProperty("autoscaling");
    }
  });

  it("has no standby and no replica, and reads from the primary", () => {
    expect(resourceNamed(run, TYPES.cluster, "database-cluster").inputs.nodeCount).toBe(1);
    expect(resourcesOfType(run, TYPES.replica)).toEqual([]);
    expect(resourcesOfType(run, TYPES.firewall).map((firewall) => firewall.name)).toEqual([
      "database-firewall-cluster",
    ]);
    const pool = resourceNamed(run, TYPES.connectionPool, "database-pool");
    const api = serviceOf(appSpecOf(resourceNamed(run, TYPES.app, "app-fra-app")), "api");
    expect(envOf(api, "DATABASE_READ_URL")?.value).toBe(
      providerState(pool.type, pool.name, pool.inputs, pool.id).privateUri,
    );
  });

  it("protects nothing, so the environment can be torn down", () => {
    expect(run.resources.filter((resource) => resource.protect || resource.retainOnDelete)).toEqual(
      [],
    );
  });

  it("has no load balancer: a proxied record points the app hostname at the app, which answers it", () => {
    expect(resourcesOfType(run, TYPES.loadBalancer)).toEqual([]);
    expect(resourcesOfType(run, TYPES.pool)).toEqual([]);
    const app = resourceNamed(run, TYPES.app, "app-fra-app");
    const ingress = String(providerState(app.type, app.name, app.inputs, app.id).defaultIngress);
    const record = resourceNamed(run, TYPES.dnsRecord, "dns-app-example-staging-com");
    expect(record.inputs).toMatchObject({
      name: "app.example-staging.com",
      type: "CNAME",
      content: new URL(ingress).host,
      proxied: true,
      ttl: 1,
    });
    expect((app.inputs.spec as { domainNames: unknown }).domainNames).toEqual([
      { name: "app.example-staging.com", type: "PRIMARY", wildcard: false },
    ]);
  });

  it("exports a single-region topology", () => {
    expect(outputsOf(run)).toMatchObject({
      platform: {
        environment: "staging",
        regions: { primary: { datacenter: "fra1", appRegion: "fra" }, secondary: null },
        hostnames: { app: "app.example-staging.com", assets: "assets.example-staging.com" },
        database: { nodes: 1, standbys: 0, replicas: [], protected: false },
        registry: { name: "acme-platform-staging", protected: false },
        edge: {
          loadBalancer: null,
          records: ["assets.example-staging.com", "app.example-staging.com"],
        },
      },
    });
  });
});
