// Calls the pack's policies as the engine does: `validateResource` with ResourceValidationArgs
// for one resource, `validateStack` with StackValidationArgs for a whole stack, both built by the
// pack's own engine-args (the same code `evaluatePlan` uses).
import { ruleById } from "../../policy/catalog.ts";
import { BOOTSTRAP_PROJECT, contextFor, type PolicyContext } from "../../policy/context.ts";
import {
  NotApplicable,
  optionsOf,
  resourceValidationArgs,
  stackValidationArgs,
  type PlanResource,
} from "../../policy/engine-args.ts";
import { toPolicy } from "../../policy/rule.ts";

export const PRODUCTION: PolicyContext = contextFor("production");
export const STAGING: PolicyContext = contextFor("staging");
/** The bootstrap project's stack, which owns the repository's environments and rulesets. */
export const BOOTSTRAP: PolicyContext = contextFor("identity", BOOTSTRAP_PROJECT);

export interface ResourceOptions {
  protect?: boolean;
  retainOnDelete?: boolean;
  parent?: string;
  dependsOn?: readonly PlanResource[];
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::platform::${type}::${name}`;
}

/** A resource as an offline plan records it. */
export function planResource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  options: ResourceOptions = {},
): PlanResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    parent: options.parent ?? null,
    protect: options.protect ?? false,
    retainOnDelete: options.retainOnDelete ?? false,
    inputs,
    dependsOn: (options.dependsOn ?? []).map((dependency) => dependency.urn),
  };
}

/** What a validation reported: the messages, or why the rule did not apply. */
export interface Outcome {
  violations: string[];
  notApplicable?: string;
}

function outcomeOf(run: (report: (message: string) => void) => void): Outcome {
  const violations: string[] = [];
  try {
    run((message) => violations.push(message));
  } catch (error) {
    if (error instanceof NotApplicable) return { violations, notApplicable: error.reason };
    throw error;
  }
  return { violations };
}

/**
 * The rule's `validateResource`, called on one resource. `engineOptions` leaves out what the
 * engine never sends (retainOnDelete), as under the Pulumi CLI.
 */
export function validateResource(
  ruleId: string,
  resource: PlanResource,
  context: PolicyContext = PRODUCTION,
  { engineOptions = false }: { engineOptions?: boolean } = {},
): Outcome {
  const { validateResource: validate } = toPolicy(ruleById(ruleId), context);
  if (validate === undefined) throw new Error(`${ruleId} has no resource validation`);
  const args = resourceValidationArgs(resource);
  const { retainOnDelete, ...sent } = optionsOf(resource);
  return outcomeOf((report) => {
    validate(engineOptions ? { ...args, opts: sent } : args, report);
  });
}

/** The rule's `validateStack`, called on a whole stack. */
export function validateStack(
  ruleId: string,
  resources: readonly PlanResource[],
  context: PolicyContext = PRODUCTION,
): Outcome {
  const { validateStack: validate } = toPolicy(ruleById(ruleId), context);
  if (validate === undefined) throw new Error(`${ruleId} has no stack validation`);
  return outcomeOf((report) => {
    validate(stackValidationArgs(resources), report);
  });
}

/** A deep copy with changes, for a failing variant of a compliant fixture. */
export function withInputs(
  resource: PlanResource,
  change: (inputs: Record<string, unknown>) => void,
): PlanResource {
  const inputs = structuredClone(resource.inputs);
  change(inputs);
  return { ...resource, inputs };
}

/** The list with the resource named `name` changed. */
export function changed(
  resources: readonly PlanResource[],
  name: string,
  change: (resource: PlanResource) => PlanResource,
): PlanResource[] {
  if (!resources.some((resource) => resource.name === name)) throw new Error(`no resource ${name}`);
  return resources.map((resource) => (resource.name === name ? change(resource) : resource));
}

/** The list without the resource named `name`. */
export function without(resources: readonly PlanResource[], name: string): PlanResource[] {
  if (!resources.some((resource) => resource.name === name)) throw new Error(`no resource ${name}`);
  return resources.filter((resource) => resource.name !== name);
}

/**
 * Every message one rule reports on a stack: its `validateResource` on each resource it applies
 * to, then its `validateStack` — the engine's two passes.
 */
export function runRule(
  ruleId: string,
  resources: readonly PlanResource[],
  context: PolicyContext = PRODUCTION,
): string[] {
  const policy = toPolicy(ruleById(ruleId), context);
  const messages: string[] = [];
  if (policy.validateResource !== undefined) {
    for (const resource of resources) {
      messages.push(...validateResource(ruleId, resource, context).violations);
    }
  }
  if (policy.validateStack !== undefined) {
    messages.push(...validateStack(ruleId, resources, context).violations);
  }
  return messages;
}
