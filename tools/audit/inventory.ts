// Sections 1 and 5: what the plan declares, counted by provider and by tier, and which resources a
// `pulumi destroy` or a replacement could not delete.
import { countsByProvider } from "../plan/render.ts";
import type { Resource } from "./plan.ts";

/**
 * The tier of a resource: that of its top-level component (`platform:<tier>:<Kind>`), as the
 * architecture diagram groups them (tools/plan/mermaid.ts); `providers` for explicit provider
 * resources (`pulumi:providers:aws`), which configure others; `stack` for the rest.
 */
function tierOf(resource: Resource, byUrn: ReadonlyMap<string, Resource>): string {
  let top = resource;
  for (
    let next = byUrn.get(top.parent ?? "");
    next !== undefined;
    next = byUrn.get(top.parent ?? "")
  ) {
    top = next;
  }
  if (top.type.startsWith("pulumi:providers:")) return "providers";
  const [pkg, module] = top.type.split(":");
  return pkg === "platform" && module !== undefined ? module : "stack";
}

const byUrnOf = (resources: readonly Resource[]) => new Map(resources.map((r) => [r.urn, r]));

/** Components, and resources a provider creates by provider package: in all and per tier. */
export function inventoryOf(resources: readonly Resource[]) {
  const byUrn = byUrnOf(resources);
  const provided = resources.filter((resource) => resource.custom);
  const tiers = Map.groupBy(resources, (resource) => tierOf(resource, byUrn));
  return {
    /** Every resource of the plan, components and provider configurations included. */
    total: resources.length,
    components: resources.length - provided.length,
    byProvider: countsByProvider(provided),
    byTier: [...tiers]
      .map(([tier, members]) => {
        const custom = members.filter((resource) => resource.custom);
        return {
          tier,
          components: members.length - custom.length,
          resources: custom.length,
          byProvider: countsByProvider(custom),
        };
      })
      .sort((a, b) => a.tier.localeCompare(b.tier)),
  };
}

/**
 * Resources under `protect` (`pulumi destroy` and replacements fail until it is lifted) or
 * `retainOnDelete` (deleting it from the stack leaves the cloud resource in place).
 */
export function protectedResources(resources: readonly Resource[]) {
  const byUrn = byUrnOf(resources);
  return resources
    .filter((resource) => resource.protect || resource.retainOnDelete)
    .map((resource) => ({
      name: resource.name,
      type: resource.type,
      tier: tierOf(resource, byUrn),
      protect: resource.protect,
      retainOnDelete: resource.retainOnDelete,
    }))
    .sort((a, b) => a.tier.localeCompare(b.tier) || a.name.localeCompare(b.name));
}
