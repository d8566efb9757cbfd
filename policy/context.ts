// What a rule knows about the stack besides its resources. Under the Pulumi CLI the engine tells
// the pack its project and stack and hands it the stack's config (the Node.js language host sets
// PULUMI_NODEJS_PROJECT, PULUMI_NODEJS_STACK and PULUMI_CONFIG before it starts the pack:
// sdk/nodejs/cmd/pulumi-language-nodejs, RunPlugin for kind "analyzer"); an offline plan knows the
// project and stack, and the cost tools read the stack file for the budget.
import type { CostContext } from "./cost/context.ts";

/** The platform's own Pulumi project: the environments' stacks. */
export const PLATFORM_PROJECT = "platform";
/** The project of identity and guard rails (bootstrap/): environments, CI roles, rulesets. */
export const BOOTSTRAP_PROJECT = "platform-bootstrap";

export interface PolicyContext {
  /** The stack's name, e.g. `production`. */
  stack: string;
  /** The Pulumi project: the platform's stacks, or the bootstrap's. */
  project: string;
  /** Whether the stack is production, whose rules are stricter (standby, replicas, HSTS, …). */
  production: boolean;
  /**
   * The stack's budget, usage assumptions, zone plan and bucket region (stack config `cost`,
   * `edge.plan`, `assets.awsRegion`). Undefined when the config is not at hand: then the budget
   * rule does not apply.
   */
  cost?: CostContext;
}

/** The platform has two stacks; only `production` (also as `org/project/production`) is production. */
export function isProductionStack(stack: string): boolean {
  return stack.split("/").pop() === "production";
}

export function contextFor(
  stack: string,
  project: string = PLATFORM_PROJECT,
  cost?: CostContext,
): PolicyContext {
  return {
    stack,
    project,
    production: isProductionStack(stack),
    ...(cost === undefined ? {} : { cost }),
  };
}

/** Whether the stack is the bootstrap's, which owns the repository's rulesets and environments. */
export const isBootstrap = (context: PolicyContext) => context.project === BOOTSTRAP_PROJECT;
