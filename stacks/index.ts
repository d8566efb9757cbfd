// Entry of the Pulumi program. Before a single resource is registered: validate the stack's
// config, make sure the DigitalOcean credentials belong to the stack's own team, and read what the
// last deployment exported. Then build the platform and export the one object auditors read.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load.ts";
import { digitalOceanApiFromSettings, requireDigitalOceanTeam } from "./digitalocean-team.ts";
import { buildPlatform } from "./platform.ts";
import { readDeployedApps } from "./previous-deployment.ts";

const config = loadStackConfig();
await requireDigitalOceanTeam(
  pulumi.getStack(),
  config.digitalocean.team,
  digitalOceanApiFromSettings(),
);
const deployed = await readDeployedApps();

export const platform = await buildPlatform(config, {
  deployed,
  preview: pulumi.runtime.isDryRun(),
  // `PLATFORM_ROLL_SECRETS=1 pulumi up` sends every secret again (after a credential was
  // replaced by hand, say); otherwise only what changed since the last deployment is sent.
  rollAll: process.env.PLATFORM_ROLL_SECRETS === "1",
  today: new Date().toISOString().slice(0, 10),
});
