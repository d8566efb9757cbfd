// What the last deployment of this stack exported, read through a StackReference to the stack
// itself (the engine serves the last checkpoint's outputs; a new stack has none). The platform
// needs a few facts from it: each app's digests as last deployed.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** One app as last deployed. */
export interface DeployedApp {
  /** Digest of its write-only settings (`SECRETS_DIGEST`). */
  secretsDigest: string;
  /** Digest of the rest of it (`PlatformApp.fingerprint`); none from an older program. */
  fingerprint: string | undefined;
}

/** Each app as last deployed, by app name. */
export type DeployedApps = ReadonlyMap<string, DeployedApp>;

const LastOutputs = z.object({
  apps: z
    .array(
      z
        .object({ name: z.string(), secretsDigest: z.string(), fingerprint: z.string().optional() })
        .loose(),
    )
    .optional(),
});

/** The apps in a `platform` output; anything else (an older program's outputs) gives none. */
export function deployedAppsOf(platformOutput: unknown): DeployedApps {
  const parsed = LastOutputs.safeParse(platformOutput);
  if (!parsed.success) return new Map();
  return new Map(
    (parsed.data.apps ?? []).map((app) => [
      app.name,
      { secretsDigest: app.secretsDigest, fingerprint: app.fingerprint },
    ]),
  );
}

export async function readDeployedApps(): Promise<DeployedApps> {
  const self = new pulumi.StackReference("last-deployment", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const details = await self.getOutputDetails("platform");
  // An output with any secret leaf comes back whole as `secretValue`; the digests are not secret.
  return deployedAppsOf(details.value ?? details.secretValue);
}
