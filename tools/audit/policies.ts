// Section 2: each rule of the policy pack with its result on the plan. The rules live in policy/
// (the same pure functions every `pulumi preview --policy-pack` runs); this runs them over the
// offline plan's resources and sorts the answers into pass, fail and advisory.
import type { CostContext } from "../../policy/cost/context.ts";
import { evaluatePlan, type PolicyRuleResult } from "../../policy/evaluate.ts";

/** `advisory`: an advisory rule with violations; they are reported, not enforced. */
const outcomeOf = (rule: PolicyRuleResult): "pass" | "fail" | "advisory" =>
  rule.violations.length === 0
    ? "pass"
    : rule.enforcementLevel === "mandatory"
      ? "fail"
      : "advisory";

/** The rules' results in the pack's order, and how many passed, failed and were advisory. */
export function policySection(results: readonly PolicyRuleResult[]) {
  const rules = results.map((rule) => ({
    id: rule.id,
    description: rule.description,
    level: rule.enforcementLevel,
    result: outcomeOf(rule),
    advisoryReason: rule.advisoryReason ?? null,
    remediation: rule.remediation,
    violations: rule.violations.map(({ resource, message }) => ({
      resource: resource ?? null,
      message,
    })),
  }));
  const count = (outcome: string) => rules.filter((rule) => rule.result === outcome).length;
  return {
    available: true as const,
    summary: {
      rules: rules.length,
      pass: count("pass"),
      fail: count("fail"),
      advisory: count("advisory"),
    },
    rules,
  };
}

type PolicySection = ReturnType<typeof policySection> | { available: false; reason: string };

/** Runs the pack over the plan; a pack that throws becomes the section's reason, not a crash. */
export function evaluatePolicies(
  stack: string,
  resources: Parameters<typeof evaluatePlan>[1],
  evaluate: typeof evaluatePlan = evaluatePlan,
  cost?: CostContext,
): PolicySection {
  try {
    return policySection(evaluate(stack, resources, undefined, cost));
  } catch (error) {
    const [reason = ""] = (error as Error).message.split("\n");
    return { available: false, reason: `the policy pack failed on this plan: ${reason}` };
  }
}
