// The estimate's context from a stack file: the same reader the policy pack applies to the
// engine's config (policy/cost/context.ts), fed the file's structured values.
import { costContextOf, type CostContext } from "../../policy/cost/context.ts";
import { CONFIG_NAMESPACE } from "../../stacks/config/schema.ts";
import type { StackFileConfig } from "../../stacks/config/stack-file.ts";

function group(file: StackFileConfig, key: string): unknown {
  const value = file.values[`${CONFIG_NAMESPACE}:${key}`];
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function costContextOfStack(file: StackFileConfig): CostContext {
  return costContextOf({
    cost: group(file, "cost"),
    edge: group(file, "edge"),
    assets: group(file, "assets"),
  });
}
