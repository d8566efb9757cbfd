// What the last deployment of this stack exported, read through a StackReference to the stack
// itself (the engine serves the last checkpoint's outputs; a new stack has none). The platform
// needs one fact from it: the digest of each app's write-only settings as last deployed.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Digest of each app's write-only settings (`SECRETS_DIGEST`) as last deployed, by app name. */
export type DeployedDigests = ReadonlyMap<string, string>;

const LastOutputs = z.object({
  apps: z.array(z.object({ name: z.string(), secretsDigest: z.string() }).loose()).optional(),
});

/** The digests in a `platform` output; anything else (an older program's outputs) gives none. */
export function deployedDigestsOf(platformOutput: unknown): DeployedDigests {
  const parsed = LastOutputs.safeParse(platformOutput);
  if (!parsed.success) return new Map();
  return new Map((parsed.data.apps ?? []).map((app) => [app.name, app.secretsDigest]));
}

export async function readDeployedDigests(): Promise<DeployedDigests> {
  const self = new pulumi.StackReference("last-deployment", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const details = await self.getOutputDetails("platform");
  // An output with any secret leaf comes back whole as `secretValue`; the digests are not secret.
  return deployedDigestsOf(details.value ?? details.secretValue);
}
