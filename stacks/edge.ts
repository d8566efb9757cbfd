// The edge tier: Cloudflare's zone security and rules, valid on the zone's plan; the origin lock
// that makes the apps answer only what came through Cloudflare; the load balancer that reaches
// the apps by their own hostnames (the one edge model for every stack, as DigitalOcean's
// external-CDN guidance asks); and the assets record.
import type { AlertRoutes } from "../infra/observability/alert-routes.ts";
import { OriginLock } from "../infra/edge/origin-lock.ts";
import { EdgeRules, rateLimitExpression } from "../infra/edge/edge-rules.ts";
import { FailoverLoadBalancer } from "../infra/edge/failover-load-balancer.ts";
import { ProxiedRecords, type ProxiedRecord } from "../infra/edge/proxied-records.ts";
import { ZoneSecurity } from "../infra/edge/zone-security.ts";
import type { ComputeTier } from "./compute.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { PlatformOutputs } from "./outputs.ts";
import { edgeProbePath, SERVICE_CATALOG } from "./service-catalog.ts";
import type { StorageTier } from "./storage.ts";

export interface EdgeTier {
  outputs: PlatformOutputs["edge"];
}

/** Built before the apps, which must accept its secrets. */
export function buildOriginLock(config: PlatformConfig): OriginLock {
  return new OriginLock("origin-lock", { generation: config.edge.originLockGeneration });
}

/** What the edge tier builds on. */
export interface EdgeDependencies {
  originLock: OriginLock;
  compute: ComputeTier;
  storage: StorageTier;
  route: AlertRoutes;
}

export function buildEdge(config: PlatformConfig, dependencies: EdgeDependencies): EdgeTier {
  const { originLock, compute, storage, route } = dependencies;
  const zone = new ZoneSecurity("zone", { zoneId: config.edge.zoneId, hsts: config.edge.hsts });
  const rules = new EdgeRules("edge-rules", {
    zoneId: config.edge.zoneId,
    plan: config.edge.plan,
    appHost: config.domain.appHost,
    assetsHost: config.domain.assetsHost,
    staticEdgeTtlSeconds: config.edge.staticEdgeTtlSeconds,
    rateLimit: config.edge.rateLimit,
    originLock: { header: originLock.header, value: originLock.current },
    // During a rotation the apps first accept the new secret; only then does the edge send it.
    originLockAfter: compute.apps.map(({ app }) => app),
  });
  const loadBalancer = new FailoverLoadBalancer("app-load-balancer", {
    accountId: config.edge.accountId,
    zoneId: config.edge.zoneId,
    hostname: config.domain.appHost,
    origins: compute.apps.map(({ region, app }) => ({
      region: region.appRegion,
      host: app.ingressHost,
    })),
    // The readiness of the service at the app's root, which answers ready when what it uses is.
    healthCheckPath: edgeProbePath(SERVICE_CATALOG),
    probeHeader: { name: originLock.header, value: originLock.current },
    route,
  });
  const records: ProxiedRecord[] = [
    {
      name: config.domain.assetsHost,
      target: storage.assets.regionalDomainName,
      comment: "Asset bucket; S3 serves it because the bucket is named after this hostname",
    },
  ];
  new ProxiedRecords("dns", { zoneId: config.edge.zoneId, records });
  return {
    outputs: {
      plan: config.edge.plan,
      tls: zone.posture,
      loadBalancer: loadBalancer.description,
      records: records.map((record) => record.name),
      cache: { staticEdgeTtlSeconds: config.edge.staticEdgeTtlSeconds },
      rateLimit: {
        ...config.edge.rateLimit,
        counts: rateLimitExpression(config.edge.plan, config.domain.appHost),
      },
      waf: { managedRulesets: rules.managedRulesets },
      originLock: {
        header: originLock.header,
        generation: originLock.generation,
        acceptedGenerations: originLock.acceptedGenerations,
      },
    },
  };
}
