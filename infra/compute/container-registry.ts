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
   * How long the push credentials the stack creates stay valid, in seconds. The provider renews
   * expired ones when it reads them, so the project refreshes on every run (`Pulumi.yaml`).
   * @default 3600
   */
  pushCredentialsTtlSeconds?: number;
  /**
   * Keep the registry (and so every image the apps run) from being deleted. Turn on for
   * production.
   * @default false
   */
  protect?: boolean;
}

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
        expirySeconds: args.pushCredentialsTtlSeconds ?? 3600,
      },
      // The provider SDK itself marks `dockerCredentials` secret.
      { parent: this },
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
