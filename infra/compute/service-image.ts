import { docker } from "../sdk/docker.ts";
import * as pulumi from "@pulumi/pulumi";
import type { RegistryLogin } from "./registry-login.ts";
import { PlatformComponent } from "../core/component.ts";

export interface ServiceImageArgs {
  /** Repository in the registry, e.g. `items`. */
  repository: string;
  /** `registry.digitalocean.com/<registry>`. */
  registryEndpoint: pulumi.Input<string>;
  /**
   * The registry's server, e.g. `registry.digitalocean.com`: a constant, not taken from the
   * login, which is unknown in a preview that rotates the credentials (and pulumi-docker rebuilds
   * an image whose registry server changed, `diffUpdates`).
   */
  registryServer: string;
  /** Login that may push to the registry; a new one alone rebuilds nothing. */
  pushLogin: pulumi.Input<RegistryLogin>;
  /**
   * Build context, relative to the directory of `Pulumi.yaml` (the repository root, so that the
   * workspace lockfile is inside it).
   */
  context: string;
  /** Dockerfile, relative to the directory of `Pulumi.yaml`. */
  dockerfile: string;
  /** Tag pushed beside the digest; apps never run by tag. */
  tag: string;
  /**
   * Build arguments (`ARG` in the Dockerfile).
   * @default {}
   */
  buildArgs?: Record<string, pulumi.Input<string>>;
  /**
   * Target platform of the build: App Platform runs linux/amd64.
   * @default "linux/amd64"
   */
  platform?: string;
}

/** Splits `repo@sha256:…` into its digest. */
export function digestOf(repoDigest: string): string {
  const at = repoDigest.lastIndexOf("@");
  const digest = repoDigest.slice(at + 1);
  if (at < 0 || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`"${repoDigest}" is not an image reference by digest (repo@sha256:<64 hex>)`);
  }
  return digest;
}

/**
 * One service's image, built from its Dockerfile and pushed by the stack. Apps deploy it by
 * digest, so what runs is exactly what was built, and auditors can read which digest that is.
 */
export class ServiceImage extends PlatformComponent {
  readonly repository: string;
  /** `sha256:…` of the pushed image. */
  readonly digest: pulumi.Output<string>;
  /** `registry.digitalocean.com/<registry>/<repository>@sha256:…`. */
  readonly repoDigest: pulumi.Output<string>;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compute", "ServiceImage", name, opts);

    const login = pulumi.output(args.pushLogin);
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${args.registryEndpoint}/${args.repository}:${args.tag}`,
        build: {
          context: args.context,
          dockerfile: args.dockerfile,
          platform: args.platform ?? "linux/amd64",
          args: args.buildArgs ?? {},
        },
        registry: {
          server: args.registryServer,
          username: login.username,
          password: login.password,
        },
        // A preview must not need a Docker engine nor push anything.
        buildOnPreview: false,
      },
      { parent: this },
    );

    this.repository = args.repository;
    this.repoDigest = image.repoDigest;
    this.digest = image.repoDigest.apply(digestOf);
    this.registerOutputs({ repoDigest: this.repoDigest, digest: this.digest });
  }
}
