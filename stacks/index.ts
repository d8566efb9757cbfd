// Entry of the Pulumi program. Before a single resource is registered: validate the stack's
// config, make sure the DigitalOcean and AWS credentials belong to the stack's own team and
// account, and read what the last deployment exported. Then build the platform and export the one
// object auditors read. Nothing here follows the calendar: a run that changes nothing plans
// nothing, on any day.
import * as pulumi from "@pulumi/pulumi";
import { identityProbeProvider, requireAwsAccount } from "./aws-account.ts";
import { loadStackConfig } from "./config/load.ts";
import { digitalOceanApiFromSettings } from "./digitalocean-api.ts";
import { requireDigitalOceanTeam } from "./digitalocean-team.ts";
import { buildPlatform } from "./platform.ts";
import { readDeployedDigests } from "./previous-deployment.ts";
import { pushLoginIssuer } from "./registry-push-login.ts";

const config = loadStackConfig();
const stack = pulumi.getStack();
const digitalOcean = digitalOceanApiFromSettings();
await requireDigitalOceanTeam(stack, config.digitalocean.team, digitalOcean);
await requireAwsAccount(
  stack,
  config.aws.accountId,
  identityProbeProvider(config.assets.awsRegion),
);
const deployed = await readDeployedDigests();

export const platform = buildPlatform(config, {
  deployed,
  // `PLATFORM_ROLL_SECRETS=1 pulumi up` sends every secret again (after a credential was
  // replaced by hand, say); otherwise only what changed since the last deployment is sent.
  rollAll: process.env.PLATFORM_ROLL_SECRETS === "1",
  issuePushLogin: pushLoginIssuer(digitalOcean, pulumi.runtime.isDryRun()),
});
