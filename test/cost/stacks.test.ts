// The estimate of both stacks' offline plans: complete (every type and size priced or listed as
// free), production above staging, a larger size raising the estimate by exactly its price
// difference times its instances, and the budget rule over the plans as the pack runs it.
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePlanIn, type PlanResource } from "../../policy/evaluate.ts";
import { contextFor } from "../../policy/context.ts";
import type { CostContext } from "../../policy/cost/context.ts";
import { estimateCost, type Estimate } from "../../policy/cost/estimate.ts";
import { APP_INSTANCE_SIZES } from "../../policy/cost/prices.ts";
import { readStack } from "../../tools/mock/run-stack.ts";
import { costContextOfStack } from "../../tools/cost/stack-context.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { runStackInChild } from "../support/child-run.ts";
import { planned as sharedPlan } from "../support/plans.ts";
import { stackValue } from "../support/stack-overrides.ts";

interface Planned {
  resources: PlanResource[];
  context: CostContext;
  estimate: Estimate;
}

async function estimated(stack: string, manifest: string): Promise<Planned> {
  const { resources } = JSON.parse(manifest) as Manifest;
  const context = costContextOfStack(await readStack(stack));
  return { resources, context, estimate: estimateCost(resources, context) };
}

/** The stack as its file declares it: the run test/global-setup.ts made (test/support/plans.ts). */
async function asDeclared(stack: "staging" | "production"): Promise<Planned> {
  const { run, manifestText } = await sharedPlan(stack);
  expect(run.errors).toEqual([]);
  return estimated(stack, manifestText);
}

/** The stack with whole config keys replaced: a run of its own, in a child process. */
async function planned(stack: string, configOverrides: Record<string, string>): Promise<Planned> {
  const run = await runStackInChild(stack, { configOverrides });
  expect(run.errors).toEqual([]);
  return estimated(stack, run.manifest);
}

const price = (size: string) => APP_INSTANCE_SIZES[size]?.usdPerMonth ?? Number.NaN;

const plans: Partial<Record<"staging" | "production", Planned>> = {};
beforeAll(async () => {
  [plans.staging, plans.production] = await Promise.all([
    asDeclared("staging"),
    asDeclared("production"),
  ]);
}, 60_000);

const plan = (stack: "staging" | "production"): Planned => {
  const found = plans[stack];
  if (found === undefined) throw new Error(`no plan of ${stack}`);
  return found;
};

describe.each(["staging", "production"] as const)("the estimate of %s", (stack) => {
  it("prices every resource of the plan or lists it as free, each with its source", () => {
    const { estimate } = plan(stack);
    expect(estimate.problems).toEqual([]);
    expect(estimate.items.length).toBeGreaterThan(50);
    for (const item of estimate.items) {
      expect(item.source.url).toMatch(/^https:\/\//);
      expect(item.source.read).toBe("2026-12-07");
    }
    expect(estimate.monthly.min).toBeGreaterThan(0);
  });

  it("stays within the stack file's budget: the pack's budget rule passes", () => {
    const { resources, context } = plan(stack);
    const [rule] = evaluatePlanIn(contextFor(stack, undefined, context), resources).filter(
      (result) => result.id === "cost-within-budget",
    );
    expect(context.budget).toBeGreaterThan(0);
    expect(rule?.violations).toEqual([]);
  });
});

describe("across the stacks", () => {
  it("prices production above staging, and gives its autoscaling a range", () => {
    const staging = plan("staging").estimate.monthly;
    const production = plan("production").estimate.monthly;
    expect(staging.min).toBe(staging.max);
    expect(production.min).toBeGreaterThan(staging.max);
    expect(production.max).toBeGreaterThan(production.min);
  });

  it("fails the budget rule for a budget below the minimum, naming the biggest items", () => {
    const { resources, context } = plan("production");
    const tight = { ...context, budget: 300 };
    const [rule] = evaluatePlanIn(contextFor("production", undefined, tight), resources).filter(
      (result) => result.id === "cost-within-budget",
    );
    expect(rule?.violations.map((violation) => violation.message)).toEqual([
      expect.stringMatching(
        /^the minimum monthly estimate \$\d+\.\d\d exceeds the budget \$300\.00 by \$\d+\.\d\d; the biggest items: app-\w+-app: service \w+ apps-d-1vcpu-2gb instances \(\$78\.00–\$\d+\.00\), /,
      ),
    ]);
  });
});

describe("a larger size in a stack file", () => {
  it("raises staging's estimate by the price difference times the instances", async () => {
    const services = await stackValue<{ web: { size: string; instances: number } }>(
      "staging",
      "services",
    );
    const larger = { ...services, web: { ...services.web, size: "apps-s-2vcpu-4gb" } };
    const raised = await planned("staging", { "platform:services": JSON.stringify(larger) });
    const difference =
      (price("apps-s-2vcpu-4gb") - price(services.web.size)) * services.web.instances;
    const before = plan("staging").estimate.monthly;
    expect(raised.estimate.monthly.min - before.min).toBeCloseTo(difference, 2);
    expect(raised.estimate.monthly.max - before.max).toBeCloseTo(difference, 2);
  }, 30_000);

  it("raises production's range by the difference times the fewest and the most instances, in both regions", async () => {
    const services = await stackValue<{
      api: { size: string; autoscaling: { minInstances: number; maxInstances: number } };
    }>("production", "services");
    const larger = { ...services, api: { ...services.api, size: "apps-d-2vcpu-8gb" } };
    const raised = await planned("production", { "platform:services": JSON.stringify(larger) });
    const step = price("apps-d-2vcpu-8gb") - price(services.api.size);
    const regions = 2;
    const before = plan("production").estimate.monthly;
    expect(raised.estimate.monthly.min - before.min).toBeCloseTo(
      step * services.api.autoscaling.minInstances * regions,
      2,
    );
    expect(raised.estimate.monthly.max - before.max).toBeCloseTo(
      step * services.api.autoscaling.maxInstances * regions,
      2,
    );
  }, 30_000);

  it("is refused by config validation when the size is unknown, as before", async () => {
    const services = await stackValue<Record<string, Record<string, unknown>>>(
      "staging",
      "services",
    );
    const run = await runStackInChild("staging", {
      configOverrides: {
        "platform:services": JSON.stringify({
          ...services,
          web: { ...services.web, size: "apps-s-9vcpu-1tb" },
        }),
      },
    });
    expect(run.errors.join("\n")).toContain("platform:services.web.size");
  }, 30_000);
});
