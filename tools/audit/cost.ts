// Section 9: what the stack costs a month, from the same estimate `pnpm cost` prints and the
// budget rule checks (policy/cost/estimate.ts), with the budget it is held to.
import type { CostContext } from "../../policy/cost/context.ts";
import {
  estimateCost,
  type CostItem,
  type Estimate,
  type Range,
} from "../../policy/cost/estimate.ts";
import type { PlanResource } from "../../policy/evaluate.ts";

export interface CostSection {
  monthly: Range;
  /** The stack's `cost.budget`; null when it sets none. */
  budget: number | null;
  /** Whether the minimum estimate is within the budget; null without a budget. */
  withinBudget: boolean | null;
  /** The items that cost something, with their sources. */
  items: CostItem[];
  /** How many resources cost nothing by themselves (each with its source in `pnpm cost --json`). */
  free: number;
  unpriced: Estimate["unpriced"];
  outside: Estimate["outside"];
  assumptions: string[];
  problems: string[];
}

export function costSection(resources: readonly PlanResource[], context: CostContext): CostSection {
  const estimate = estimateCost(resources, context);
  const budget = context.budget ?? null;
  return {
    monthly: estimate.monthly,
    budget,
    withinBudget: budget === null ? null : estimate.monthly.min <= budget,
    items: estimate.items.filter((item) => item.monthly.max > 0),
    free: estimate.items.filter((item) => item.monthly.max === 0).length,
    unpriced: estimate.unpriced,
    outside: estimate.outside,
    assumptions: estimate.assumptions,
    problems: estimate.problems,
  };
}
