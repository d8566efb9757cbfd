// The monitoring tier: the one alert route every alerting resource uses, uptime checks from
// outside on every public service of the catalog and the assets (and, when the load balancer can
// fail over, on each region's origin, so a dead secondary is noticed before a failover needs it),
// and APM monitors on every service that answers HTTP.
import type * as pulumi from "@pulumi/pulumi";
import type { AlertRoutes } from "../infra/observability/alert-routes.ts";
import { type ApmBackend, otlpEndpoint } from "../infra/observability/apm.ts";
import { ApmMonitors } from "../infra/observability/apm-monitors.ts";
import { UptimeMonitor } from "../infra/observability/uptime-monitor.ts";
import type { PlatformApp } from "../infra/compute/platform-app.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { AppRegion } from "./foundation.ts";
import type { MonitoringOutput } from "./outputs.ts";
import {
  type CatalogService,
  probePathOf,
  publicServices,
  SERVICE_CATALOG,
} from "./service-catalog.ts";
import type { StorageTier } from "./storage.ts";
import { environmentPrefix } from "../infra/core/component.ts";

/**
 * Who hears about anything: the configured e-mails and, when its secret is set, the Slack
 * webhook. App Platform alerts, uptime alerts, the load balancer's health notifications and the
 * APM monitors all take this one value; none has a route of its own.
 */
export function alertRouteOf(config: PlatformConfig): AlertRoutes {
  const webhookUrl = config.secrets.slackWebhookUrl;
  return {
    emails: config.monitoring.alertEmails,
    ...(webhookUrl === undefined
      ? {}
      : { slack: { webhookUrl, channel: config.monitoring.slackChannel } }),
  };
}

type ApmConfig = NonNullable<PlatformConfig["monitoring"]["apm"]>;

/** The backend's identity from config: the site or region decides its endpoint. */
export function backendOf(apm: ApmConfig): ApmBackend {
  if (apm.provider === "datadog") return { provider: "datadog", site: apm.datadogSite };
  return { provider: "newrelic", region: apm.newrelicRegion, accountId: apm.newrelicAccountId };
}

export interface MonitoringTier {
  outputs: MonitoringOutput;
}

/**
 * A regional app whose origin the monitors watch. The compute tier's apps are these; naming only
 * what is watched keeps this tier from importing the compute tier, which imports `backendOf`.
 */
export interface WatchedApp {
  region: Pick<AppRegion, "appRegion">;
  app: Pick<PlatformApp, "ingressHost">;
}

/** What the monitoring tier builds on. */
export interface MonitoringDependencies {
  route: AlertRoutes;
  compute: { apps: readonly WatchedApp[] };
  storage: StorageTier;
  /** @default SERVICE_CATALOG */
  catalog?: readonly CatalogService[];
}

export function buildMonitoring(
  config: PlatformConfig,
  dependencies: MonitoringDependencies,
): MonitoringTier {
  const { route, compute, storage } = dependencies;
  const catalog = dependencies.catalog ?? SERVICE_CATALOG;
  const prefix = environmentPrefix(config.environment);
  const watch = (name: string, label: string, url: pulumi.Input<string>) =>
    new UptimeMonitor(`uptime-${name}`, {
      checkName: `${prefix} ${label}`,
      url,
      regions: config.monitoring.uptimeRegions,
      latencyThresholdMs: config.monitoring.latencyThresholdMs,
      route,
    });
  const app = `https://${config.domain.appHost}`;
  const publicOnes = publicServices(catalog);
  const monitors = [
    // Each public service at its route, what visitors get, and at its readiness, which asks the
    // services it uses: internal services are seen through the public ones.
    ...publicOnes.flatMap((service) => [
      watch(service.name, service.name, `${app}${service.route ?? "/"}`),
      watch(
        `${service.name}-readiness`,
        `${service.name} readiness`,
        `${app}${probePathOf(service)}`,
      ),
    ]),
    watch("assets", "assets", `https://${config.domain.assetsHost}/${storage.assets.probeKey}`),
  ];
  const root = publicOnes.find((service) => service.route === "/");
  if (compute.apps.length > 1 && root?.healthPath !== undefined) {
    const liveness = root.healthPath;
    for (const { region, app: regionApp } of compute.apps) {
      // Liveness is the one path the origin lock lets through without Cloudflare's header.
      const url = regionApp.ingressHost.apply((host) => `https://${host}${liveness}`);
      monitors.push(watch(`origin-${region.appRegion}`, `origin ${region.appRegion}`, url));
    }
  }
  const apm = config.monitoring.apm;
  // The services the catalog asks to watch; each names its server spans by the contract's
  // operation name (@platform/runtime/contract), which the monitors query.
  const apmMonitors =
    apm === undefined
      ? []
      : catalog
          .filter((service) => service.apmMonitors === true)
          .map(
            (service) =>
              new ApmMonitors(`apm-${service.name}`, {
                backend: backendOf(apm),
                service: service.name,
                environment: config.environment,
                errorRatePercent: apm.errorRatePercent,
                p95LatencyMs: apm.p95LatencyMs,
                route,
              }),
          );
  return {
    outputs: {
      apm:
        apm === undefined
          ? null
          : {
              backend: backendOf(apm),
              endpoint: otlpEndpoint(backendOf(apm)),
              monitors: apmMonitors.flatMap((monitors) => monitors.descriptions),
            },
      route: {
        emails: route.emails,
        slackChannel: route.slack?.channel ?? null,
      },
      uptime: monitors.map((monitor) => ({ url: monitor.url, alerts: monitor.alerts })),
    },
  };
}
