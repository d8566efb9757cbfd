// What every component of the platform shares: its type token, how it refuses bad arguments, and
// the name prefix of an environment's cloud resources.
import * as pulumi from "@pulumi/pulumi";

/** The folders of infra/: the middle part of their components' type tokens. */
export type ComponentArea =
  "compute" | "core" | "data" | "delivery" | "edge" | "observability" | "storage";

/**
 * `platform-<environment>`: how the names of an environment's resources in the clouds begin (the
 * DigitalOcean project, apps, VPCs and cluster, the uptime checks, the APM monitors, the CI roles).
 */
export function environmentPrefix(environment: string): string {
  return `platform-${environment}`;
}

/**
 * Base of the platform's components: the type token `platform:<area>:<kind>`, and `checkArgs`,
 * which refuses bad arguments before any child is created.
 */
export abstract class PlatformComponent extends pulumi.ComponentResource {
  /** How errors name this component: `<kind> <name>`, e.g. `AssetBucket assets`. */
  private readonly label: string;

  protected constructor(
    area: ComponentArea,
    kind: string,
    name: string,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(`platform:${area}:${kind}`, name, {}, opts);
    this.label = `${kind} ${name}`;
  }

  /**
   * Throws every problem at once, each naming the argument and its fix. A `ResourceError` with its
   * stack hidden is what Pulumi prints as the message alone, under this component's URN, instead
   * of "failed with an unhandled exception" and a stack trace (pulumi/pulumi
   * sdk/nodejs/cmd/run/run.ts: `ResourceError.isInstance(err)` → `err.hideStack ? err.message`).
   */
  protected checkArgs(problems: readonly string[]): void {
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`${this.label}: ${problems.join("; ")}`, this, true);
    }
  }
}
