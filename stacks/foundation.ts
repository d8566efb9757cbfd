// The environment's frame: its DigitalOcean project, the regions it runs in, and the tags every
// resource carries.
import type * as aws from "@pulumi/aws";
import { EnvironmentProject } from "../infra/core/environment-project.ts";
import { environmentAwsProvider } from "./aws-account.ts";
import { appRegionOf } from "./config/catalog.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { AppOutput, RegionOutput } from "./outputs.ts";
import { environmentPrefix } from "../infra/core/component.ts";

export interface AppRegion extends RegionOutput {
  role: AppOutput["role"];
}

export interface Foundation {
  production: boolean;
  /** Where the apps run: the primary first, then the secondary when there is one. */
  regions: AppRegion[];
  tags: string[];
  project: EnvironmentProject;
  /** AWS in the assets' region and the environment's account only, tagging what it creates. */
  awsProvider: aws.Provider;
}

export function regionOutput(datacenter: string): RegionOutput {
  return { datacenter, appRegion: appRegionOf(datacenter) };
}

function appRegions(config: PlatformConfig): AppRegion[] {
  const { primary, secondary } = config.regions;
  return [
    { role: "primary", ...regionOutput(primary) },
    ...(secondary === undefined
      ? []
      : [{ role: "secondary" as const, ...regionOutput(secondary) }]),
  ];
}

export function buildFoundation(config: PlatformConfig): Foundation {
  const { environment } = config;
  const production = environment === "production";
  const project = new EnvironmentProject("project", {
    projectName: environmentPrefix(environment),
    description: `Web platform (${environment}): apps, database and registry, managed by Pulumi.`,
    environment: production ? "Production" : "Staging",
  });
  const awsProvider = environmentAwsProvider({
    accountId: config.aws.accountId,
    region: config.assets.awsRegion,
    environment,
  });
  return {
    production,
    regions: appRegions(config),
    tags: ["platform", environment],
    project,
    awsProvider,
  };
}
