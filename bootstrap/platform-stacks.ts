// What the bootstrap needs to know of each platform stack, read from the platform's own stack
// files (`Pulumi.<stack>.yaml` at the repository root) and validated by the platform's own
// schema: its AWS account and region, and the buckets and objects it manages, which are all its
// CI roles may touch. One source of truth: a stack that changes its assets host changes its
// roles' grants with the next bootstrap run, never by hand.
import * as pulumi from "@pulumi/pulumi";
import { ASSET_PROBE_KEY } from "../infra/storage/asset-bucket.ts";
import { ENVIRONMENTS, type Environment } from "../stacks/config/catalog.ts";
import { type PlatformConfig, validateStackConfig } from "../stacks/config/load.ts";
import { formatProblems } from "../stacks/config/problems.ts";
import { CONFIG_NAMESPACE } from "../stacks/config/schema.ts";
import { readStackFile } from "../stacks/config/stack-file.ts";

export interface PlatformStack {
  environment: Environment;
  /** The platform's Pulumi project, whose state the roles may reach. */
  project: string;
  accountId: string;
  region: string;
  /** Buckets the stack manages (assets and their access logs). */
  buckets: string[];
  /** Objects it writes itself (`<bucket>/<key>`). */
  objects: string[];
}

export function platformStackOf(config: PlatformConfig): PlatformStack {
  const assets = config.domain.assetsHost;
  return {
    environment: config.environment,
    project: CONFIG_NAMESPACE,
    accountId: config.aws.accountId,
    region: config.assets.awsRegion,
    buckets: [assets, `${assets}-logs`],
    objects: [`${assets}/${ASSET_PROBE_KEY}`],
  };
}

/** `database.restore.at` of a stack file's `database` group (JSON text), if it names one. */
function restorePointOf(database: string | undefined): string | undefined {
  try {
    const at: unknown = (JSON.parse(database ?? "{}") as { restore?: { at?: unknown } }).restore
      ?.at;
    return typeof at === "string" ? at : undefined;
  } catch {
    return undefined;
  }
}

/** The platform's stack file of `environment` in the repository at `root`. */
export function platformStackFile(root: URL, environment: Environment): URL {
  return new URL(`Pulumi.${environment}.yaml`, root);
}

/**
 * Every platform stack, validated. The bootstrap cannot decrypt the platform's secrets and needs
 * none: a `secure:` value stands in as a placeholder, still marked secret.
 */
export async function readPlatformStacks(root: URL): Promise<PlatformStack[]> {
  return Promise.all(
    ENVIRONMENTS.map(async (environment) => {
      const file = platformStackFile(root, environment);
      const stackFile = await readStackFile(
        file.pathname,
        CONFIG_NAMESPACE,
        () => "placeholder-not-read-by-the-bootstrap",
      );
      const prefix = `${CONFIG_NAMESPACE}:`;
      const own = Object.entries(stackFile.values).filter(([key]) => key.startsWith(prefix));
      const values = Object.fromEntries(
        own.map(([key, value]) => [key.slice(prefix.length), value]),
      );
      const result = validateStackConfig(
        {
          stack: environment,
          values,
          secretKeys: new Set(
            stackFile.secretKeys
              .filter((key) => key.startsWith(prefix))
              .map((key) => key.slice(prefix.length)),
          ),
        },
        // A restore point is the platform's business, checked against the backup window when the
        // platform runs; the bootstrap reads the file for accounts and buckets, whatever its age.
        { now: new Date(), restoredAt: restorePointOf(values.database) },
      );
      if (!result.ok) {
        throw new pulumi.RunError(
          `The bootstrap reads the platform's stack files, and ${file.pathname} is not valid yet; fix it first (pnpm plan ${environment} shows the same):\n${formatProblems(environment, result.problems)}`,
        );
      }
      return platformStackOf(result.config);
    }),
  );
}
