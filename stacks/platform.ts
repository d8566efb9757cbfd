// Composes the platform from validated config. This is the only place that knows about
// environments; the components in infra/ receive plain, typed arguments.
import { EnvironmentProject } from "../infra/core/environment-project.ts";
import { appRegionOf } from "./config/catalog.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { PlatformOutputs, RegionOutput } from "./outputs.ts";

function regionOutput(datacenter: string): RegionOutput {
  return { datacenter, appRegion: appRegionOf(datacenter) };
}

export function buildPlatform(config: PlatformConfig): PlatformOutputs {
  const { environment, secrets } = config;

  const project = new EnvironmentProject(environment, {
    projectName: `platform-${environment}`,
    description: `Web platform (${environment}): apps, database and registry, managed by Pulumi.`,
    environment: environment === "production" ? "Production" : "Staging",
  });

  return {
    environment,
    regions: {
      primary: regionOutput(config.regions.primary),
      secondary:
        config.regions.secondary === undefined ? null : regionOutput(config.regions.secondary),
    },
    hostnames: { app: config.domain.appHost, assets: config.domain.assetsHost },
    project: { id: project.projectId, name: project.projectName },
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
