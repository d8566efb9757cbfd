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
    const pool = resourceNamed(run, TYPES.connectionPool, "database-pool-api");
    const api = serviceOf(appSpecOf(resourceNamed(run, TYPES.app, "app-fra-app")), "api");
    expect(envOf(api, "DATABASE_READ_URL")?.value).toBe(
      providerState(pool.type, pool.name, pool.inputs, pool.id).privateUri,
    );
  });

  it("protects nothing, so the environment can be torn down", () => {
    // What the repository and the account share (rulesets, the OIDC provider, the state) is the
    // bootstrap project's, not staging's.
    expect(run.resources.filter((resource) => resource.protect || resource.retainOnDelete)).toEqual(
      [],
    );
  });

  it("reaches its one app through the same edge model as production, with no App Platform domain", () => {
    // DigitalOcean's external-CDN guidance: no custom domain on App Platform, the CDN reaches the
    // app by its own hostname. Below Enterprise only a load balancer pool can send that Host.
    const app = resourceNamed(run, TYPES.app, "app-fra-app");
    const host = new URL(
      String(providerState(app.type, app.name, app.inputs, app.id).defaultIngress),
    ).host;
    const [pool, ...others] = resourcesOfType(run, TYPES.pool);
    expect(others).toEqual([]);
    expect(pool?.inputs).toMatchObject({ origins: [{ address: host, header: { hosts: [host] } }] });
    expect(
      resourceNamed(run, TYPES.loadBalancer, "app-load-balancer-load-balancer").inputs,
    ).toMatchObject({
      name: "app.example-staging.com",
      defaultPools: [pool?.id],
      fallbackPool: pool?.id,
    });
    expect((app.inputs.spec as { domainNames: unknown }).domainNames).toEqual([]);
    expect(resourcesOfType(run, TYPES.dnsRecord).map((record) => record.inputs.name)).toEqual([
      "assets.example-staging.com",
    ]);
  });

  it("keeps every edge rule within the Free plan", () => {
    const byPhase = Object.fromEntries(
      resourcesOfType(run, TYPES.ruleset).map((ruleset) => [
        String(ruleset.inputs.phase),
        ruleset.inputs.rules as {
          expression: string;
          ratelimit?: unknown;
          actionParameters?: { id?: string };
        }[],
      ]),
    );
    expect(byPhase.http_ratelimit).toEqual([
      expect.objectContaining({
        expression: '(http.request.uri.path eq "/")',
        ratelimit: {
          characteristics: ["cf.colo.id", "ip.src"],
          period: 10,
          requestsPerPeriod: 200,
          mitigationTimeout: 10,
        },
      }),
    ]);
    expect(byPhase.http_request_firewall_managed?.map((rule) => rule.actionParameters?.id)).toEqual(
      ["77454fe2d30c4220b5701f6fdfb893ba"],
    );
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
          plan: "free",
          records: ["assets.example-staging.com"],
          waf: { managedRulesets: ["Cloudflare Free Managed Ruleset"] },
          originLock: { header: "x-origin-lock", generation: 1, acceptedGenerations: [1] },
        },
      },
    });
  });
});
