// Every rule of the pack, by tier, and the @pulumi/policy objects they become for one stack.
import type { PolicyContext } from "./context.ts";
import { toPolicy, type PlatformPolicy, type PlatformRule } from "./rule.ts";
import { COMPUTE_RULES } from "./rules/compute.ts";
import { COST_RULES } from "./rules/cost.ts";
import { DATA_RULES } from "./rules/data.ts";
import { DELIVERY_RULES } from "./rules/delivery.ts";
import { EDGE_RULES } from "./rules/edge.ts";
import { IAM_RULES } from "./rules/iam.ts";
import { MONITORING_RULES } from "./rules/monitoring.ts";
import { STORAGE_RULES } from "./rules/storage.ts";

export const RULES: readonly PlatformRule[] = [
  ...DATA_RULES,
  ...STORAGE_RULES,
  ...IAM_RULES,
  ...COMPUTE_RULES,
  ...EDGE_RULES,
  ...DELIVERY_RULES,
  ...MONITORING_RULES,
  ...COST_RULES,
];

export function platformPolicies(context: PolicyContext): PlatformPolicy[] {
  return RULES.map((rule) => toPolicy(rule, context));
}

export function ruleById(id: string): PlatformRule {
  const rule = RULES.find((candidate) => candidate.id === id);
  if (rule === undefined) throw new Error(`no rule ${id}`);
  return rule;
}
