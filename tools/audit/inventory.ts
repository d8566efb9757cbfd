// Sections 1 and 5: what the plan declares, counted by provider and by tier, and which resources a
// `pulumi destroy` or a replacement could not delete.
import { providerOf } from "../plan/render.ts";
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

const sorted = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

const byUrnOf = (resources: readonly Resource[]) => new Map(resources.map((r) => [r.urn, r]));

export function inventoryOf(resources: readonly Resource[]) {
  const byUrn = byUrnOf(resources);
  const byProvider: Record<string, number> = {};
  const tiers = new Map<
    string,
    { tier: string; components: number; resources: number; byProvider: Record<string, number> }
  >();
  for (const resource of resources) {
    const tier = tierOf(resource, byUrn);
    const row = tiers.get(tier) ?? { tier, components: 0, resources: 0, byProvider: {} };
    tiers.set(tier, row);
    if (!resource.custom) {
      row.components += 1;
      continue;
    }
    const provider = providerOf(resource.type);
    byProvider[provider] = (byProvider[provider] ?? 0) + 1;
    row.resources += 1;
    row.byProvider[provider] = (row.byProvider[provider] ?? 0) + 1;
  }
  return {
    /** Every resource of the plan, components and provider configurations included. */
    total: resources.length,
    components: resources.filter((resource) => !resource.custom).length,
    /** Resources a provider creates (not components), by provider package. */
    byProvider: sorted(byProvider),
    byTier: [...tiers.values()]
      .map((row) => ({ ...row, byProvider: sorted(row.byProvider) }))
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
