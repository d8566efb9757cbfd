import * as pulumi from "@pulumi/pulumi";
import { random } from "../sdk/random.ts";
import { PlatformComponent } from "../core/component.ts";

/** The request header that carries the secret; the services refuse requests without it. */
export const ORIGIN_LOCK_HEADER = "x-origin-lock";

export interface OriginLockArgs {
  /**
   * Generation of the secret: each generation has its own random secret, so adding one rotates
   * it. The previous generation's secret is kept and still accepted until the next rotation.
   */
  generation: number;
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function originLockArgsProblems(args: OriginLockArgs): string[] {
  return Number.isInteger(args.generation) && args.generation >= 1
    ? []
    : [`generation is ${String(args.generation)}; use a whole number from 1`];
}

/**
 * The secret that proves a request came through the edge. Cloudflare adds it to every request
 * for the app (a request-header rule) and to every health probe; the apps refuse requests without
 * it, so their own `*.ondigitalocean.app` addresses lead nowhere. Rotation without a refused
 * request: the apps accept the new and the previous secret (`accepted`) before the edge sends
 * the new one (`current`).
 */
export class OriginLock extends PlatformComponent {
  /** The secret the edge sends (secret). */
  readonly current: pulumi.Output<string>;
  /** The secrets the apps accept, current first, comma-separated (secret). */
  readonly accepted: pulumi.Output<string>;
  readonly header = ORIGIN_LOCK_HEADER;
  readonly generation: number;
  /** The generations whose secrets the apps accept, current first. */
  readonly acceptedGenerations: number[];

  constructor(name: string, args: OriginLockArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge", "OriginLock", name, opts);

    const problems = originLockArgsProblems(args);
    this.checkArgs(problems);

    // Named by generation, so that a rotation creates the next secret and keeps the last one.
    const secretOf = (generation: number) =>
      new random.RandomPassword(
        `${name}-secret-${String(generation)}`,
        // Letters and digits only: any header value is then valid and needs no escaping.
        { length: 48, special: false },
        { parent: this },
      ).result;
    this.generation = args.generation;
    this.acceptedGenerations =
      args.generation > 1 ? [args.generation, args.generation - 1] : [args.generation];
    const current = secretOf(args.generation);
    const previous = this.acceptedGenerations.slice(1).map(secretOf);
    this.current = pulumi.secret(current);
    this.accepted = pulumi.secret(
      pulumi.all([current, ...previous]).apply((secrets) => secrets.join(",")),
    );
    this.registerOutputs({ current: this.current, accepted: this.accepted });
  }
}
