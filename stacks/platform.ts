// Composes the platform from validated config, one tier at a time. This is the table of contents:
// each tier is a function of the config and the handles of the tiers it builds on.
import { buildCompute, type Rollout } from "./compute.ts";
import type { PlatformConfig } from "./config/load.ts";
import { buildData } from "./data.ts";
import { buildDelivery } from "./delivery.ts";
import { buildEdge, buildOriginLock } from "./edge.ts";
import { buildFoundation, regionOutput } from "./foundation.ts";
import { alertRouteOf, buildMonitoring } from "./monitoring.ts";
import { buildNetwork } from "./network.ts";
import type { PlatformOutputs } from "./outputs.ts";
import { buildStorage } from "./storage.ts";

export async function buildPlatform(
  config: PlatformConfig,
  rollout: Rollout,
): Promise<PlatformOutputs> {
  const foundation = buildFoundation(config);
  const route = alertRouteOf(config);
  const network = buildNetwork(config, foundation);
  const data = buildData(config, { foundation, network });
  const storage = buildStorage(config, foundation);
  const originLock = buildOriginLock(config);
  const compute = await buildCompute(config, {
    foundation,
    network,
    data,
    originLock,
    alerts: route,
    rollout,
  });
  const edge = buildEdge(config, { originLock, compute, storage, route });
  const monitoring = buildMonitoring(config, { route, compute, storage });
  const delivery = buildDelivery(config, { compute, originLock });

  const { secrets } = config;
  return {
    environment: config.environment,
    regions: {
      primary: regionOutput(config.regions.primary),
      secondary:
        config.regions.secondary === undefined ? null : regionOutput(config.regions.secondary),
    },
    hostnames: { app: config.domain.appHost, assets: config.domain.assetsHost },
    project: { id: foundation.project.projectId, name: foundation.project.projectName },
    network: {
      vpcs: network.vpcs,
      peerings: network.peerings,
    },
    ...compute.outputs,
    database: {
      ...data.database.topology,
      trustedSources: data.firewall.trustedSources,
      restore:
        data.restore === undefined
          ? null
          : {
              ...data.restore.cluster.description,
              trustedSources: data.restore.firewall.trustedSources,
            },
    },
    assets: {
      publicUrl: `https://${config.domain.assetsHost}`,
      buckets: storage.assets.controls,
    },
    edge: edge.outputs,
    monitoring: monitoring.outputs,
    delivery: delivery.outputs,
    integrations: {
      sentry: secrets.sentryDsn !== undefined,
      logDrains: [
        ...(secrets.logtailToken === undefined ? [] : (["logtail"] as const)),
        ...(secrets.papertrailEndpoint === undefined ? [] : (["papertrail"] as const)),
        ...(secrets.datadogApiKey === undefined ? [] : (["datadog"] as const)),
      ],
      slackAlerts: secrets.slackWebhookUrl !== undefined,
    },
  };
}
