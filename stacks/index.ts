// Entry of the Pulumi program. Before a single resource is registered: stop a real run while the
// repository's example values remain (the offline plan only warns), read what the last deployment
// exported (a StackReference to this stack, which changes nothing), validate the stack's config
// against the other stack files too, and make sure the DigitalOcean and AWS credentials belong to
// the stack's own team and account. Then build the platform and export the one object auditors read. The clock
// enters only the config's validation (a restore point must be inside the backup window): a run
// that changes nothing plans nothing, on any day.
import * as pulumi from "@pulumi/pulumi";
import { identityProbeProvider, requireAwsAccount } from "./aws-account.ts";
import { loadStackConfig, readStackConfig, refuseExampleValues } from "./config/load.ts";
import { digitalOceanApiFromSettings } from "./digitalocean-api.ts";
import { requireDigitalOceanTeam } from "./digitalocean-team.ts";
import { buildPlatform } from "./platform.ts";
import { readLastDeployment } from "./previous-deployment.ts";
import { pushLoginIssuer } from "./registry-push-login.ts";

const raw = readStackConfig();
refuseExampleValues(raw);
const last = await readLastDeployment();
const config = loadStackConfig(raw, { now: new Date(), restoredAt: last.restoredAt });
const stack = pulumi.getStack();
const digitalOcean = digitalOceanApiFromSettings();
await requireDigitalOceanTeam(stack, config.digitalocean.team, digitalOcean);
await requireAwsAccount(
  stack,
  config.aws.accountId,
  identityProbeProvider(config.assets.awsRegion),
);

export const platform = await buildPlatform(config, {
  deployed: last.apps,
  preview: pulumi.runtime.isDryRun(),
  // `PLATFORM_ROLL_SECRETS=1 pulumi up` sends every secret again (after a credential was
  // replaced by hand, say); otherwise only what changed since the last deployment is sent.
  rollAll: process.env.PLATFORM_ROLL_SECRETS === "1",
  issuePushLogin: pushLoginIssuer(digitalOcean, pulumi.runtime.isDryRun()),
});
