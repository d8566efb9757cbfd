// `pnpm plan <stack> --details <name>`: one resource in full (every input, secret leaves masked),
// for a reviewer who wants more than the tree's one line.
import { closest } from "fastest-levenshtein";
import type { ManifestResource } from "./render.ts";
import { renderValue } from "./render.ts";

/** Resources whose name or URN is `wanted`. */
export function resourcesNamed(
  resources: readonly ManifestResource[],
  wanted: string,
): ManifestResource[] {
  return resources.filter((resource) => resource.name === wanted || resource.urn === wanted);
}

const nameOf = (urn: string) => urn.split("::").at(-1) ?? urn;

function renderOne(resource: ManifestResource): string[] {
  const facts: Record<string, unknown> = {
    urn: resource.urn,
    type: resource.type,
    parent: resource.parent === null ? "(the stack)" : nameOf(resource.parent),
    protect: resource.protect,
    retainOnDelete: resource.retainOnDelete,
    dependsOn: resource.dependsOn.map(nameOf),
    ignoreChanges: resource.ignoreChanges,
    ...(resource.replacementTrigger === null
      ? {}
      : { replacementTrigger: resource.replacementTrigger }),
    secretInputs: resource.secretInputs,
  };
  return [
    `${resource.type}  ${resource.name}`,
    ...renderValue(facts, "  "),
    "  inputs:",
    ...renderValue(resource.inputs, "    "),
  ];
}

/** The details of every resource called `wanted`, or an error naming the closest names. */
export function renderDetails(
  resources: readonly ManifestResource[],
  wanted: string,
): { ok: true; text: string } | { ok: false; error: string } {
  const matches = resourcesNamed(resources, wanted);
  if (matches.length > 0) {
    return { ok: true, text: matches.flatMap(renderOne).join("\n") };
  }
  const names = [...new Set(resources.map((resource) => resource.name))].sort();
  const suggestion = names.length === 0 ? "" : ` Did you mean "${closest(wanted, names)}"?`;
  return {
    ok: false,
    error: `No resource named "${wanted}" in this plan.${suggestion} The tree (pnpm plan without --details) lists every name.`,
  };
}
