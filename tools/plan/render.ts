// Renders a recorded program run: a resource tree and per-provider counts for people, and a
// sorted manifest for machines (the same input always gives the same bytes).
import type { OutputValue, ProgramRun, RecordedResource } from "../mock/run-program.ts";
import { REDACTED } from "../mock/secrets.ts";

/** `digitalocean:index/app:App` → `digitalocean`; components count under their own package. */
export function providerOf(type: string): string {
  return type.split(":")[0] ?? type;
}

export function countsByProvider(resources: readonly { type: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { type } of resources) counts[providerOf(type)] = (counts[providerOf(type)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The output with every secret leaf shown as `[secret]`. */
export function plainOutput(output: OutputValue): unknown {
  switch (output.kind) {
    case "secret":
      return REDACTED;
    case "value":
      return output.value;
    case "list":
      return output.items.map(plainOutput);
    case "object":
      return Object.fromEntries(
        Object.entries(output.entries).map(([key, value]) => [key, plainOutput(value)]),
      );
  }
}

function flags(resource: RecordedResource): string {
  const marks = [
    resource.protect ? "protect" : "",
    resource.retainOnDelete ? "retainOnDelete" : "",
    resource.secretInputs.length > 0 ? `${resource.secretInputs.length} secret input(s)` : "",
    resource.ignoreChanges.length > 0 ? `${resource.ignoreChanges.length} ignored path(s)` : "",
    resource.replacementTrigger === undefined
      ? ""
      : `replaced when ${JSON.stringify(resource.replacementTrigger)} changes`,
  ].filter((mark) => mark !== "");
  return marks.length === 0 ? "" : `  [${marks.join(", ")}]`;
}

export function renderTree(resources: readonly RecordedResource[]): string[] {
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const resource of resources) {
    const siblings = children.get(resource.parent) ?? [];
    siblings.push(resource);
    children.set(resource.parent, siblings);
  }
  const lines: string[] = [];
  const visit = (parent: string | undefined, indent: string) => {
    const siblings = [...(children.get(parent) ?? [])].sort((a, b) => a.urn.localeCompare(b.urn));
    siblings.forEach((resource, index) => {
      const last = index === siblings.length - 1;
      lines.push(
        `${indent}${last ? "└─ " : "├─ "}${resource.type}  ${resource.name}${flags(resource)}`,
      );
      visit(resource.urn, `${indent}${last ? "   " : "│  "}`);
    });
  };
  visit(undefined, "");
  return lines;
}

/** A value as indented YAML-like lines, for people. */
export function renderValue(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((item) => {
      const [first = "", ...rest] = renderValue(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => {
      const scalar =
        typeof item !== "object" || item === null || (Array.isArray(item) && item.length === 0);
      return scalar
        ? [`${indent}${key}: ${JSON.stringify(item)}`]
        : [`${indent}${key}:`, ...renderValue(item, `${indent}  `)];
    });
  }
  return [`${indent}${JSON.stringify(value)}`];
}

export function renderHuman(stack: string, run: ProgramRun): string {
  const outputs = Object.fromEntries(
    Object.entries(run.outputs).map(([key, value]) => [key, plainOutput(value)]),
  );
  const counts = Object.entries(countsByProvider(run.resources));
  return [
    `Plan of stack "${stack}" (offline: no cloud was contacted, provider outputs are simulated)`,
    "",
    `Resources (${run.resources.length}):`,
    ...renderTree(run.resources).map((line) => `  ${line}`),
    "",
    "Per provider:",
    ...counts.map(([provider, count]) => `  ${provider.padEnd(14)} ${count}`),
    "",
    "Outputs:",
    ...renderValue(outputs, "  "),
  ].join("\n");
}

/** JSON with object keys sorted at every level. */
export function stableStringify(value: unknown): string {
  const sortKeys = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sortKeys);
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(
        Object.keys(item)
          .sort()
          .map((key) => [key, sortKeys((item as Record<string, unknown>)[key])]),
      );
    }
    return item;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** One resource of the plan, as `pnpm plan --json` writes it. */
export interface ManifestResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  dependsOn: string[];
  ignoreChanges: string[];
  replacementTrigger: unknown;
  secretInputs: string[];
  inputs: Record<string, unknown>;
}

export interface Manifest {
  stack: string;
  counts: Record<string, number>;
  resources: ManifestResource[];
  outputs: Record<string, unknown>;
  /** The values the mock runtime made up (ids, hosts, digests, ranges), sorted. */
  simulated: string[];
}

/** What `--json` prints: every resource sorted by URN, secret leaves as `[secret]`. */
export function manifestOf(stack: string, run: ProgramRun): Manifest {
  const resources = [...run.resources]
    .sort((a, b) => a.urn.localeCompare(b.urn))
    .map((resource) => ({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      parent: resource.parent ?? null,
      custom: resource.custom,
      protect: resource.protect,
      retainOnDelete: resource.retainOnDelete,
      dependsOn: [...resource.dependsOn].sort(),
      ignoreChanges: resource.ignoreChanges,
      replacementTrigger: resource.replacementTrigger ?? null,
      secretInputs: [...resource.secretInputs].sort(),
      inputs: resource.redactedInputs,
    }));
  return {
    stack,
    counts: countsByProvider(run.resources),
    resources,
    outputs: Object.fromEntries(
      Object.entries(run.outputs).map(([key, value]) => [key, plainOutput(value)]),
    ),
    simulated: [...new Set(run.simulated)].sort(),
  };
}

export function renderManifest(stack: string, run: ProgramRun): string {
  return stableStringify(manifestOf(stack, run));
}
