// What the last deployment of this stack exported, read through a StackReference to the stack
// itself (the engine serves the last checkpoint's outputs; a new stack has none). The platform
// needs a few facts from it: each app's digests as last deployed, and the database restore point
// it already restored, if any.
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

export interface LastDeployment {
  apps: DeployedApps;
  /** `database.restore.at` of a restored cluster the last deployment holds (`platform.database.restore`). */
  restoredAt: string | undefined;
}

const LastOutputs = z.object({
  apps: z
    .array(
      z
        .object({ name: z.string(), secretsDigest: z.string(), fingerprint: z.string().optional() })
        .loose(),
    )
    .optional(),
  database: z
    .object({ restore: z.object({ at: z.string() }).loose().nullable().optional() })
    .loose()
    .optional(),
});

/** The facts in a `platform` output; anything else (an older program's outputs) gives none. */
export function lastDeploymentOf(platformOutput: unknown): LastDeployment {
  const parsed = LastOutputs.safeParse(platformOutput);
  if (!parsed.success) return { apps: new Map(), restoredAt: undefined };
  const apps = new Map(
    (parsed.data.apps ?? []).map((app) => [
      app.name,
      { secretsDigest: app.secretsDigest, fingerprint: app.fingerprint },
    ]),
  );
  return { apps, restoredAt: parsed.data.database?.restore?.at };
}

export async function readLastDeployment(): Promise<LastDeployment> {
  const self = new pulumi.StackReference("last-deployment", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const details = await self.getOutputDetails("platform");
  // An output with any secret leaf comes back whole as `secretValue`; these facts are not secret.
  return lastDeploymentOf(details.value ?? details.secretValue);
}
