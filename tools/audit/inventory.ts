// Sections 1 and 5: what the plan declares, counted by provider and by tier, and which resources a
// `pulumi destroy` or a replacement could not delete.
import type { ManifestResource } from "../plan/render.ts";
import { providerOf } from "../plan/render.ts";

type Node = Pick<ManifestResource, "urn" | "type" | "name" | "parent" | "custom">;

export interface TierCount {
  /** `compute` for `platform:compute:*` components; `providers`, `stack` for the rest. */
  tier: string;
  components: number;
  resources: number;
  byProvider: Record<string, number>;
}

export interface Inventory {
  /** Every resource of the plan, components and provider configurations included. */
  total: number;
  components: number;
  /** Resources a provider creates (not components), by provider package. */
  byProvider: Record<string, number>;
  byTier: TierCount[];
}

/** Explicit provider resources (`pulumi:providers:aws`) configure others; they are not a tier. */
const isProviderConfig = (type: string) => type.startsWith("pulumi:providers:");

/**
 * The tier of a resource: that of its top-level component (`platform:<tier>:<Kind>`), as the
 * architecture diagram groups them (tools/plan/mermaid.ts).
 */
export function tierOf(resource: Node, byUrn: ReadonlyMap<string, Node>): string {
  let top = resource;
  for (let parent = top.parent; parent !== null; parent = top.parent) {
    const next = byUrn.get(parent);
    if (next === undefined) break;
    top = next;
  }
  if (isProviderConfig(top.type)) return "providers";
  const [pkg, module] = top.type.split(":");
  return pkg === "platform" && module !== undefined ? module : "stack";
}

const sorted = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

export function inventoryOf(resources: readonly Node[]): Inventory {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const byProvider: Record<string, number> = {};
  const tiers = new Map<string, TierCount>();
  for (const resource of resources) {
    const tier = tierOf(resource, byUrn);
    const row = tiers.get(tier) ?? { tier, components: 0, resources: 0, byProvider: {} };
    if (resource.custom) {
      const provider = providerOf(resource.type);
      byProvider[provider] = (byProvider[provider] ?? 0) + 1;
      row.resources += 1;
      row.byProvider[provider] = (row.byProvider[provider] ?? 0) + 1;
    } else {
      row.components += 1;
    }
    tiers.set(tier, row);
  }
  return {
    total: resources.length,
    components: resources.filter((resource) => !resource.custom).length,
    byProvider: sorted(byProvider),
    byTier: [...tiers.values()]
      .map((row) => ({ ...row, byProvider: sorted(row.byProvider) }))
      .sort((a, b) => a.tier.localeCompare(b.tier)),
  };
}

export interface ProtectedResource {
  name: string;
  type: string;
  tier: string;
  /** `pulumi destroy` and replacements fail until `protect` is lifted. */
  protect: boolean;
  /** Deleting it from the stack leaves the cloud resource in place. */
  retainOnDelete: boolean;
}

export interface ProtectionSection {
  resources: ProtectedResource[];
  /** What the stack outputs declare (`protected` of the database, registry and buckets). */
  declared: { what: string; protected: boolean }[];
}

type Guarded = Node & Pick<ManifestResource, "protect" | "retainOnDelete">;

export function protectedResources(resources: readonly Guarded[]): ProtectedResource[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
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
