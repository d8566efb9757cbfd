// The monitoring tier: uptime checks with their three alerts on every public endpoint (and each
// origin when there is a failover), one alert route for every alerting resource, and the APM
// backend's env vars and monitors, present exactly when a backend is configured.
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { planned } from "../support/plans.ts";
import type { ManifestResource } from "../../tools/plan/render.ts";
import { appSpecOf, resourcesOfType, TYPES } from "../support/program.ts";

export const T = {
  check: "digitalocean:index/uptimeCheck:UptimeCheck",
  alert: "digitalocean:index/uptimeAlert:UptimeAlert",
  notificationPolicy: "cloudflare:index/notificationPolicy:NotificationPolicy",
  datadogMonitor: "datadog:index/monitor:Monitor",
  nrCondition: "newrelic:index/nrqlAlertCondition:NrqlAlertCondition",
} as const;

let production: ProgramRun;

beforeAll(async () => {
  ({ run: production } = await planned("production"));
});

const checksOf = (run: ProgramRun) =>
  resourcesOfType(run, T.check).map((check) => check.inputs.target);

describe("uptime checks", () => {
  it("watch every public service's readiness, the assets and each region's origin from the configured regions", () => {
    // The catalog's one public service, the web at /, and its readiness, which asks the api's.
    expect(checksOf(production)).toEqual([
      "https://app.example.com/",
      "https://app.example.com/readyz",
      "https://assets.example.com/healthz.txt",
      expect.stringMatching(
        /^https:\/\/platform-production-fra-\w+\.ondigitalocean\.app\/healthz$/,
      ),
      expect.stringMatching(
        /^https:\/\/platform-production-ams-\w+\.ondigitalocean\.app\/healthz$/,
      ),
    ]);
    for (const check of resourcesOfType(production, T.check)) {
      expect(check.inputs).toMatchObject({
        type: "https",
        enabled: true,
        regions: ["eu_west", "us_east"],
      });
    }
  });

  it("raise down-everywhere, latency and certificate alerts in the API's own spelling", () => {
    const alerts = resourcesOfType(production, T.alert);
    expect(alerts).toHaveLength(3 * 5);
    const byCheck = new Map<unknown, RecordedResource["inputs"][]>();
    for (const alert of alerts) {
      byCheck.set(alert.inputs.checkId, [
        ...(byCheck.get(alert.inputs.checkId) ?? []),
        alert.inputs,
      ]);
    }
    for (const alert of alerts) {
      // The down alert's pair is sent for the API's enum and ignored when read back.
      expect(alert.ignoreChanges).toEqual(
        alert.inputs.type === "down_global" ? ["threshold", "comparison"] : [],
      );
    }
    for (const inputs of byCheck.values()) {
      expect(
        inputs.map(({ type, comparison, threshold, period }) => ({
          type,
          comparison,
          threshold,
          period,
        })),
      ).toEqual([
        { type: "down_global", comparison: "less_than", threshold: 1, period: "2m" },
        { type: "latency", comparison: "greater_than", threshold: 2000, period: "5m" },
        { type: "ssl_expiry", comparison: "less_than", threshold: 14, period: "1h" },
      ]);
    }
  });
});

/** Every place a resource names who is alerted. */
export function routesOf(resource: ManifestResource | RecordedResource): unknown[] {
  const inputs = resource.inputs;
  switch (resource.type) {
    case T.alert:
      return [inputs.notifications];
    case TYPES.app: {
      const spec = inputs.spec as {
        alerts: { destinations: unknown }[];
        services: { alerts: { destinations: unknown }[] }[];
      };
      return [...spec.alerts, ...spec.services.flatMap((service) => service.alerts)].map(
        (alert) => alert.destinations,
      );
    }
    case T.notificationPolicy:
      return [inputs.mechanisms];
    case T.datadogMonitor:
      return [String(inputs.message).replace(/^.*\. /, "")];
    case "newrelic:index/notificationDestination:NotificationDestination":
      return [inputs.properties];
    default:
      return [];
  }
}

describe("one alert route", () => {
  it("is what every alerting resource notifies, and none has one of its own", () => {
    const email = "oncall@example.com";
    for (const resource of production.resources) {
      for (const route of routesOf(resource)) {
        expect(JSON.stringify(route), `${resource.type} ${resource.name}`).toContain(email);
      }
    }
    const destinations = resourcesOfType(production, TYPES.app).flatMap((app) => routesOf(app));
    expect(new Set(destinations.map((route) => JSON.stringify(route))).size).toBe(1);
    const policies = resourcesOfType(production, T.notificationPolicy);
    expect(policies).toHaveLength(1);
    // Both pools, both directions, pool and origin events: nothing left to the API's defaults.
    const pools = resourcesOfType(production, TYPES.pool).map((pool) => pool.id);
    expect(policies[0]?.inputs).toMatchObject({
      alertType: "load_balancing_health_alert",
      filters: {
        poolIds: pools,
        newHealths: ["Unhealthy", "Healthy"],
        eventSources: ["pool", "origin"],
      },
    });
    expect(
      resourcesOfType(production, TYPES.pool).map((pool) => pool.inputs.notificationEmail),
    ).toEqual([undefined, undefined]);
  });
});

describe("APM", () => {
  it("exists only when a backend is configured: no OTLP env, no monitors", () => {
    expect(production.resources.filter((r) => /^(datadog|newrelic):/.test(r.type))).toEqual([]);
    for (const app of resourcesOfType(production, TYPES.app)) {
      for (const service of appSpecOf(app).services) {
        expect(service.envs.filter((env) => env.key.startsWith("OTEL_"))).toEqual([]);
      }
    }
  });
});
