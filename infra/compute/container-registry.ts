import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { registryLoginFrom, type RegistryLogin } from "./registry-login.ts";

export interface ContainerRegistryArgs {
  /** Registry name; DigitalOcean registry names are unique across all accounts. */
  registryName: string;
  /** Subscription tier: `basic` or `professional` (`starter` holds one repository only). */
  tier: string;
  /** Datacenter that stores the images, e.g. `fra1`. */
  region: string;
  /**
   * A value that changes once per rotation period, e.g. the UTC date: when it changes, the push
   * credentials are replaced (Pulumi's `replacementTrigger`, engine 3.208+) before any image is
   * built. The provider itself renews credentials only once they have expired, on a read, with no
   * margin (terraform-provider-digitalocean `updateExpiredDockerCredentials`), so without rotation
   * a run that starts shortly before expiry pushes with credentials that expire mid-build.
   */
  pushCredentialsRotation: string;
  /**
   * How long the push credentials stay valid, in seconds. Keep it at least one rotation period
   * plus the longest run: credentials are then never older than a period when a run starts.
   * @default 172800 (two days, for a daily rotation)
   */
  pushCredentialsTtlSeconds?: number;
  /**
   * Keep the registry (and so every image the apps run) from being deleted. Turn on for
   * production.
   * @default false
   */
  protect?: boolean;
}

/** Two days: one daily rotation period, plus a day for the longest run. */
export const DEFAULT_PUSH_CREDENTIALS_TTL_SECONDS = 172_800;

/** The registry DigitalOcean serves every account's images from. */
export const DOCR_SERVER = "registry.digitalocean.com";

/**
 * A DigitalOcean container registry and short-lived, write-scoped credentials that the stack
 * uses to push the images it builds. No long-lived registry token is stored anywhere.
 */
export class ContainerRegistry extends pulumi.ComponentResource {
  /** `registry.digitalocean.com/<name>`: the prefix of every image name. */
  readonly endpoint: pulumi.Output<string>;
  readonly registryName: pulumi.Output<string>;
  /** Login for pushing images (secret). */
  readonly pushLogin: pulumi.Output<RegistryLogin>;
  /** The server every image name starts with. */
  readonly server = DOCR_SERVER;

  constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:compute:ContainerRegistry", name, {}, opts);

    const protect = args.protect ?? false;
    const registry = new digitalocean.ContainerRegistry(
      `${name}-registry`,
      { name: args.registryName, subscriptionTierSlug: args.tier, region: args.region },
      { parent: this, protect, retainOnDelete: protect },
    );
    const credentials = new digitalocean.ContainerRegistryDockerCredentials(
      `${name}-push-credentials`,
      {
        registryName: registry.name,
        write: true,
        expirySeconds: args.pushCredentialsTtlSeconds ?? DEFAULT_PUSH_CREDENTIALS_TTL_SECONDS,
      },
      // The provider SDK itself marks `dockerCredentials` secret. A replacement changes only the
      // images' registry password, which docker.Image does not diff on (pulumi-docker
      // `diffUpdates`: "should not trigger a rebuild"): rotating rebuilds nothing.
      { parent: this, replacementTrigger: args.pushCredentialsRotation },
    );

    this.endpoint = registry.endpoint;
    this.registryName = registry.name;
    this.pushLogin = pulumi.secret(
      credentials.dockerCredentials.apply((json) => registryLoginFrom(json, DOCR_SERVER)),
    );
    this.registerOutputs({
      endpoint: this.endpoint,
      registryName: this.registryName,
      pushLogin: this.pushLogin,
    });
  }
}
