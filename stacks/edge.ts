// The edge tier: Cloudflare's zone security and rules, the failover load balancer across the
// app regions (or a record straight to the one app), and the assets record.
import { EdgeRules } from "../infra/edge/edge-rules.ts";
import { FailoverLoadBalancer } from "../infra/edge/failover-load-balancer.ts";
import { ProxiedRecords, type ProxiedRecord } from "../infra/edge/proxied-records.ts";
import { ZoneSecurity } from "../infra/edge/zone-security.ts";
import type { ComputeTier } from "./compute.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { PlatformOutputs } from "./outputs.ts";
import { API } from "./services.ts";
import type { StorageTier } from "./storage.ts";

export interface EdgeTier {
  outputs: PlatformOutputs["edge"];
}

export function buildEdge(
  config: PlatformConfig,
  compute: ComputeTier,
  storage: StorageTier,
): EdgeTier {
  const zone = new ZoneSecurity("zone", { zoneId: config.edge.zoneId, hsts: config.edge.hsts });
  new EdgeRules("edge-rules", {
    zoneId: config.edge.zoneId,
    appHost: config.domain.appHost,
    assetsHost: config.domain.assetsHost,
    staticEdgeTtlSeconds: config.edge.staticEdgeTtlSeconds,
    rateLimit: config.edge.rateLimit,
  });
  const loadBalancer = config.edge.loadBalancer
    ? new FailoverLoadBalancer("app-load-balancer", {
        accountId: config.edge.accountId,
        zoneId: config.edge.zoneId,
        hostname: config.domain.appHost,
        origins: compute.apps.map(({ region, app }) => ({
          region: region.appRegion,
          host: app.ingressHost,
        })),
        healthCheckPath: `${API.routePrefix}${API.healthCheckPath}`,
        notificationEmail: config.monitoring.alertEmails[0] ?? "",
      })
    : undefined;
  const [primary] = compute.apps;
  const records: ProxiedRecord[] = [
    {
      name: config.domain.assetsHost,
      target: storage.assets.regionalDomainName,
      comment: "Asset bucket; S3 serves it because the bucket is named after this hostname",
    },
    ...(loadBalancer === undefined && primary !== undefined
      ? [{ name: config.domain.appHost, target: primary.app.ingressHost, comment: "The app" }]
      : []),
  ];
  new ProxiedRecords("dns", { zoneId: config.edge.zoneId, records });
  return {
    outputs: {
      tls: zone.posture,
      loadBalancer: loadBalancer?.description ?? null,
      records: records.map((record) => record.name),
      cache: { staticEdgeTtlSeconds: config.edge.staticEdgeTtlSeconds, api: "bypass" },
      rateLimit: config.edge.rateLimit,
    },
  };
}
