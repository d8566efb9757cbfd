// The preflight's plans of staging and of the bootstrap, from the runs test/global-setup.ts made
// once for the whole test run, in the shape `planBoth` gives them.
import type { Plans } from "../../tools/preflight/plans.ts";
import { planned } from "./plans.ts";

export async function sharedPlans(): Promise<Plans> {
  const [staging, identity] = await Promise.all([planned("staging"), planned("identity")]);
  return {
    stack: { ok: true, manifest: staging.manifest },
    bootstrap: { ok: true, manifest: identity.manifest },
  };
}
