// Entry of the Pulumi program. Before a single resource is registered: read what the last
// deployment exported (a StackReference to this stack, which changes nothing), validate the
// stack's config, and make sure the DigitalOcean credentials belong to the stack's own team. Then
// build the platform and export the one object auditors read.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, readStackConfig } from "./config/load.ts";
import { digitalOceanApiFromSettings, requireDigitalOceanTeam } from "./digitalocean-team.ts";
import { buildPlatform } from "./platform.ts";
import { readLastDeployment } from "./previous-deployment.ts";

// The clock is read once, here: validation (the restore window) and the rollout (the day's
// registry credentials) agree on one instant, and nothing below reads the time itself.
const now = new Date();
const last = await readLastDeployment();
const config = loadStackConfig(readStackConfig(), { now, restoredAt: last.restoredAt });
await requireDigitalOceanTeam(
  pulumi.getStack(),
  config.digitalocean.team,
  digitalOceanApiFromSettings(),
);

export const platform = await buildPlatform(config, {
  deployed: last.apps,
  preview: pulumi.runtime.isDryRun(),
  // `PLATFORM_ROLL_SECRETS=1 pulumi up` sends every secret again (after a credential was
  // replaced by hand, say); otherwise only what changed since the last deployment is sent.
  rollAll: process.env.PLATFORM_ROLL_SECRETS === "1",
  today: now.toISOString().slice(0, 10),
});
