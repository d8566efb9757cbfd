// Section 2: each rule of the policy pack with its result on the plan. The rules themselves live in
// policy/ (the same pure functions every `pulumi preview --policy-pack` runs); this file only runs
// them over the offline plan's resources and sorts the answers into pass, fail and advisory.
import type { CostContext } from "../../policy/cost/context.ts";
import type { PlanResource, PolicyRuleResult } from "../../policy/evaluate.ts";
import { evaluatePlan } from "../../policy/evaluate.ts";

export type EvaluatePlan = (
  stack: string,
  resources: readonly PlanResource[],
  project?: string,
  cost?: CostContext,
) => PolicyRuleResult[];

export type PolicyOutcome = "pass" | "fail" | "advisory";

export interface PolicyRow {
  id: string;
  description: string;
  level: "mandatory" | "advisory";
  /** `advisory`: an advisory rule with violations; they are reported, not enforced. */
  result: PolicyOutcome;
  advisoryReason: string | null;
  remediation: string;
  violations: { resource: string | null; message: string }[];
}

export type PolicySection =
  | {
      available: true;
      summary: { rules: number; pass: number; fail: number; advisory: number };
      rules: PolicyRow[];
    }
  | { available: false; reason: string };

function rowOf(rule: PolicyRuleResult): PolicyRow {
  const failed = rule.violations.length > 0;
  return {
    id: rule.id,
    description: rule.description,
    level: rule.enforcementLevel,
    result: !failed ? "pass" : rule.enforcementLevel === "mandatory" ? "fail" : "advisory",
    advisoryReason: rule.advisoryReason ?? null,
    remediation: rule.remediation,
    violations: rule.violations.map((violation) => ({
      resource: violation.resource ?? null,
      message: violation.message,
    })),
  };
}

/** The rules' results in the pack's order, and how many passed, failed and were advisory. */
export function policySection(results: readonly PolicyRuleResult[]): PolicySection {
  const rules = results.map(rowOf);
  const count = (outcome: PolicyOutcome) => rules.filter((rule) => rule.result === outcome).length;
  return {
    available: true,
    summary: {
      rules: rules.length,
      pass: count("pass"),
      fail: count("fail"),
      advisory: count("advisory"),
    },
    rules,
  };
}

/** Runs the pack over the plan; a pack that throws becomes the section's reason, not a crash. */
export function evaluatePolicies(
  stack: string,
  resources: readonly PlanResource[],
  evaluate: EvaluatePlan = evaluatePlan,
  cost?: CostContext,
): PolicySection {
  try {
    return policySection(evaluate(stack, resources, undefined, cost));
  } catch (error) {
    return {
      available: false,
      reason: `the policy pack failed on this plan: ${(error as Error).message.split("\n")[0] ?? ""}`,
    };
  }
}
