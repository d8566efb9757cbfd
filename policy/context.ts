// What a rule knows about the stack besides its resources. Under the Pulumi CLI the engine tells
// the pack its stack and hands it the stack's config (the Node.js language host sets
// PULUMI_NODEJS_STACK and PULUMI_CONFIG before it starts the pack: sdk/nodejs/cmd/
// pulumi-language-nodejs, RunPlugin for kind "analyzer"); an offline plan knows its stack only.
import type { CostContext } from "./cost/context.ts";
import { path } from "./values.ts";

export interface PolicyContext {
  /** The stack's name, e.g. `production`. */
  stack: string;
  /** Whether the stack is production, whose rules are stricter (standby, replicas, HSTS, …). */
  production: boolean;
  /**
   * Whether this stack owns the repository's default-branch ruleset (stack config
   * `github.owns.ruleset`; one ruleset per repository, so exactly one stack owns it). Undefined
   * when the config is not at hand, as in an offline plan: then only a declared ruleset is
   * checked, and that one stack declares it is checked across the stacks.
   */
  ownsDefaultBranchRuleset: boolean | undefined;
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
  ownsDefaultBranchRuleset?: boolean,
  cost?: CostContext,
): PolicyContext {
  return {
    stack,
    production: isProductionStack(stack),
    ownsDefaultBranchRuleset,
    ...(cost === undefined ? {} : { cost }),
  };
}

/** `github.owns.ruleset` of the stack's `github` config object, when it says so. */
export function ownsRulesetFromConfig(github: unknown): boolean | undefined {
  const ruleset = path(github, ["owns", "ruleset"]);
  return typeof ruleset === "boolean" ? ruleset : undefined;
}
