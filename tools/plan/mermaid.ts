// `pnpm plan <stack> --mermaid`: the architecture as the program declares it. One node per
// top-level component, grouped by tier (`platform:<tier>:<Kind>`), and an arrow from each
// component to every component it uses: the dependencies the engine records (explicit
// `dependsOn` and the outputs passed as inputs), lifted from child resources to their component.
import type { ManifestResource } from "./render.ts";

type Node = Pick<ManifestResource, "urn" | "type" | "name" | "parent" | "dependsOn">;

/** `platform:data:PostgresCluster` → `data`; resources of a provider group under its name. */
function groupOf(type: string): string {
  const [pkg = type, module = ""] = type.split(":");
  return pkg === "platform" ? module : pkg;
}

const kindOf = (type: string) => type.split(":").at(-1) ?? type;

/** Mermaid ids: letters, digits and underscores only. */
const idOf = (name: string) => name.replaceAll(/[^A-Za-z0-9_]/g, "_");

export function renderMermaid(resources: readonly Node[]): string {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const topOf = (urn: string): Node | undefined => {
    let node = byUrn.get(urn);
    while (node?.parent !== null && node?.parent !== undefined) node = byUrn.get(node.parent);
    return node;
  };

  // Explicit provider resources (`pulumi:providers:aws`) configure others; they are not parts.
  const tops = resources
    .filter((resource) => resource.parent === null && !resource.type.startsWith("pulumi:"))
    .sort((a, b) => a.name.localeCompare(b.name));
  const size = new Map<string, number>();
  const uses = new Map<string, Set<string>>();
  for (const resource of resources) {
    const top = topOf(resource.urn);
    if (top === undefined || top.type.startsWith("pulumi:")) continue;
    size.set(top.urn, (size.get(top.urn) ?? 0) + 1);
    for (const dependency of resource.dependsOn) {
      const target = topOf(dependency);
      if (target === undefined || target.urn === top.urn || target.type.startsWith("pulumi:")) {
        continue;
      }
      const targets = uses.get(top.name) ?? new Set<string>();
      targets.add(target.name);
      uses.set(top.name, targets);
    }
  }

  const groups = new Map<string, Node[]>();
  for (const top of tops) {
    const members = groups.get(groupOf(top.type)) ?? [];
    members.push(top);
    groups.set(groupOf(top.type), members);
  }

  const lines = ["flowchart LR"];
  for (const [group, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  subgraph ${idOf(`tier_${group}`)} [${group}]`);
    for (const member of members) {
      const count = (size.get(member.urn) ?? 1) - 1;
      const inside = count === 0 ? "" : ` · ${count} resource${count === 1 ? "" : "s"}`;
      lines.push(`    ${idOf(member.name)}["${member.name}<br/>${kindOf(member.type)}${inside}"]`);
    }
    lines.push("  end");
  }
  for (const [from, targets] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
    for (const to of [...targets].sort()) lines.push(`  ${idOf(from)} --> ${idOf(to)}`);
  }
  return `${lines.join("\n")}\n`;
}
