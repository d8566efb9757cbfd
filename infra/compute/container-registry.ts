import { digitalocean } from "../sdk/digitalocean.ts";
import * as pulumi from "@pulumi/pulumi";
import type { RegistryLogin } from "./registry-login.ts";
import { PlatformComponent } from "../core/component.ts";

export interface ContainerRegistryArgs {
  /** Registry name; DigitalOcean registry names are unique across all accounts. */
  registryName: string;
  /** Subscription tier: `basic` or `professional` (`starter` holds one repository only). */
  tier: string;
  /** Datacenter that stores the images, e.g. `fra1`. */
  region: string;
  /**
   * Issues a login that may push to the registry, once the registry exists. Called during an
   * update only (the stack passes a stand-in for previews, which push nothing). Credentials are
   * never a resource of the stack: a `ContainerRegistryDockerCredentials` resource is renewed by
   * DigitalOcean's provider only on a read once expired (terraform-provider-digitalocean
   * `updateExpiredDockerCredentials`), which makes every refreshed preview after expiry issue
   * credentials (a write, refused to read-only tokens) and plan a change.
   */
  issuePushLogin: (registryName: string) => Promise<RegistryLogin>;
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
export class ContainerRegistry extends PlatformComponent {
  /** `registry.digitalocean.com/<name>`: the prefix of every image name. */
  readonly endpoint: pulumi.Output<string>;
  readonly registryName: pulumi.Output<string>;
  /** Login for pushing images (secret). */
  readonly pushLogin: pulumi.Output<RegistryLogin>;
  /** The server every image name starts with. */
  readonly server = DOCR_SERVER;

  constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compute", "ContainerRegistry", name, opts);

    const protect = args.protect ?? false;
    const registry = new digitalocean.ContainerRegistry(
      `${name}-registry`,
      { name: args.registryName, subscriptionTierSlug: args.tier, region: args.region },
      { parent: this, protect, retainOnDelete: protect },
    );

    this.endpoint = registry.endpoint;
    this.registryName = registry.name;
    // A new login each update changes only the images' registry password, which docker.Image
    // does not diff on (pulumi-docker `diffUpdates`: "should not trigger a rebuild").
    this.pushLogin = pulumi.secret(registry.name.apply(args.issuePushLogin));
    this.registerOutputs({
      endpoint: this.endpoint,
      registryName: this.registryName,
      pushLogin: this.pushLogin,
    });
  }
}
