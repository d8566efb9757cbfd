// The stack's one exported object, `platform`: what an auditor reads with
// `pulumi stack output --json`. Credentials never appear here; secrets are named, never shown.
import type * as pulumi from "@pulumi/pulumi";
import type { Environment } from "./config/catalog.ts";

export interface RegionOutput {
  /** DigitalOcean datacenter (database, VPC), e.g. `fra1`. */
  datacenter: string;
  /** App Platform region serving the same place, e.g. `fra`. */
  appRegion: string;
}

export interface PlatformOutputs {
  /** The stack, which is also the environment: `staging` or `production`. */
  environment: Environment;
  regions: {
    primary: RegionOutput;
    /** Absent when the environment runs in one region. */
    secondary: RegionOutput | null;
  };
  /** Public hostnames served through Cloudflare. */
  hostnames: { app: string; assets: string };
  /** The DigitalOcean project that groups this environment's resources. */
  project: { id: pulumi.Output<string>; name: pulumi.Output<string> };
  /** Optional integrations that are switched on, by name; their secrets are never exported. */
  integrations: {
    sentry: boolean;
    logDrains: ("logtail" | "papertrail" | "datadog")[];
    slackAlerts: boolean;
  };
}
