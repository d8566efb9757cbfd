// Cost: a stack that sets a monthly budget (config `cost.budget`) is refused when even its
// minimum estimate exceeds it. The estimate is policy/cost/estimate.ts, the function `pnpm cost`
// prints, so the rule and the review's numbers never disagree.
import type { PolicyResource } from "@pulumi/policy";
import { biggestItems, estimateCost, formatUsd, type CostedResource } from "../cost/estimate.ts";
import type { PlatformRule } from "../rule.ts";

/** The engine's resources as the estimate reads them: `props` are the inputs a preview plans. */
function costedResources(resources: readonly PolicyResource[]): CostedResource[] {
  return resources.map((resource) => ({
    type: resource.type,
    name: resource.name,
    inputs: resource.props as Record<string, unknown>,
  }));
}

const BIGGEST_ITEMS_NAMED = 3;

export const withinBudget: PlatformRule = {
  id: "cost-within-budget",
  description:
    "A stack with a monthly budget (config cost.budget) has a minimum monthly estimate within it, and every resource in it has a price or is listed as free.",
  remediation:
    "Shrink the biggest items the message names (sizes, instances, standbys, replicas) or raise cost.budget in the stack file; run pnpm cost <stack> for the line items. A resource the table lacks goes into policy/cost/prices.ts with its source.",
  enforcementLevel: "mandatory",
  checkStack: (args, context, report) => {
    const cost = context.cost;
    if (cost?.budget === undefined) {
      args.notApplicable("the stack sets no cost.budget");
      return;
    }
    const budget = cost.budget;
    const estimate = estimateCost(costedResources(args.resources), cost);
    if (estimate.problems.length > 0) {
      report(
        `the budget of ${formatUsd({ min: budget, max: budget })} cannot be checked: ${estimate.problems.join("; ")}`,
      );
    }
    if (estimate.monthly.min > budget) {
      const biggest = biggestItems(estimate, BIGGEST_ITEMS_NAMED)
        .map((item) => `${item.resource} ${item.charge} (${formatUsd(item.monthly)})`)
        .join(", ");
      report(
        `the minimum monthly estimate ${formatUsd({ min: estimate.monthly.min, max: estimate.monthly.min })} exceeds the budget ${formatUsd({ min: budget, max: budget })} by ${formatUsd({ min: estimate.monthly.min - budget, max: estimate.monthly.min - budget })}; the biggest items: ${biggest}`,
      );
    }
  },
};

export const COST_RULES: readonly PlatformRule[] = [withinBudget];
