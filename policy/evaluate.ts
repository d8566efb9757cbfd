// The pack over an offline plan, for `pnpm audit-report` and the tests: every rule's verdict on
// one stack, computed by the same policy objects the Pulumi CLI runs.
import type { ReportViolation } from "@pulumi/policy";
import { RULES } from "./catalog.ts";
import { contextFor, type PolicyContext } from "./context.ts";
import type { CostContext } from "./cost/context.ts";
import {
  NotApplicable,
  resourceValidationArgs,
  stackValidationArgs,
  type PlanResource,
} from "./engine-args.ts";
import { toPolicy, type PlatformRule } from "./rule.ts";

export type { PlanResource } from "./engine-args.ts";

export interface PolicyViolation {
  /** URN of the resource in violation; absent when the stack as a whole is. */
  resource?: string;
  message: string;
}

export interface PolicyRuleResult {
  id: string;
  description: string;
  remediation: string;
  enforcementLevel: "mandatory" | "advisory";
  advisoryReason?: string;
  violations: PolicyViolation[];
}

/**
 * Runs one check; a rule that is not applicable reports nothing, and a rule that fails to run
 * reports that as a violation, so a broken rule never passes silently.
 */
function guarded(rule: PlatformRule, violations: PolicyViolation[], run: () => void): void {
  try {
    run();
  } catch (error) {
    if (error instanceof NotApplicable) return;
    const message = error instanceof Error ? error.message : String(error);
    violations.push({ message: `${rule.id} could not run: ${message}` });
  }
}

/** Every rule's result for one stack, with an explicit context (the tests set config facts). */
export function evaluatePlanIn(
  context: PolicyContext,
  resources: readonly PlanResource[],
): PolicyRuleResult[] {
  const resourceArgs = resources.map(resourceValidationArgs);
  const stackArgs = stackValidationArgs(resources);
  return RULES.map((rule) => {
    const policy = toPolicy(rule, context);
    const violations: PolicyViolation[] = [];
    const { validateResource, validateStack } = policy;
    if (validateResource !== undefined) {
      for (const args of resourceArgs) {
        const report: ReportViolation = (message) => {
          violations.push({ resource: args.urn, message });
        };
        guarded(rule, violations, () => {
          validateResource(args, report);
        });
      }
    }
    if (validateStack !== undefined) {
      const report: ReportViolation = (message, urn) => {
        violations.push({ ...(urn === undefined ? {} : { resource: urn }), message });
      };
      guarded(rule, violations, () => {
        validateStack(stackArgs, report);
      });
    }
    return {
      id: rule.id,
      description: rule.description,
      remediation: rule.remediation,
      enforcementLevel: rule.enforcementLevel,
      ...(rule.advisoryReason === undefined ? {} : { advisoryReason: rule.advisoryReason }),
      violations,
    };
  });
}

/**
 * Every rule's result for one stack's plan (`manifestOf(stack, run).resources` of tools/plan/
 * render.ts fits), of the platform's project unless another is named; the budget is checked
 * when the caller read the stack's cost config (`cost`).
 */
export function evaluatePlan(
  stack: string,
  resources: readonly PlanResource[],
  project?: string,
  cost?: CostContext,
): PolicyRuleResult[] {
  return evaluatePlanIn(contextFor(stack, project, cost), resources);
}
