// `pnpm plan <stack> --diff <base manifest>`: what a change adds, removes and changes, compared
// with the manifest of the base branch (`pnpm plan <stack> --json` there). Pull requests from
// forks get no cloud credentials, so this offline comparison is their preview.
import { isDeepStrictEqual } from "node:util";
import type { Manifest, ManifestResource } from "./render.ts";
import { isRecord } from "../../policy/values.ts";

export interface ChangedPath {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ManifestDiff {
  added: ManifestResource[];
  removed: ManifestResource[];
  changed: { resource: ManifestResource; paths: ChangedPath[] }[];
  unchanged: number;
}

/** The fields of a resource that a deployment acts on, beside its inputs. */
const OPTION_FIELDS = [
  "protect",
  "retainOnDelete",
  "dependsOn",
  "ignoreChanges",
  "replacementTrigger",
  "secretInputs",
] as const;

/** Leaf paths where `before` and `after` differ, e.g. `spec.services[0].instanceSizeSlug`. */
export function changedPaths(before: unknown, after: unknown, path = ""): ChangedPath[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) =>
      changedPaths(before[key], after[key], path === "" ? key : `${path}.${key}`),
    );
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => changedPaths(item, after[index], `${path}[${index}]`));
  }
  return [{ path, before, after }];
}

export function diffManifests(base: Manifest, head: Manifest): ManifestDiff {
  const baseByUrn = new Map(base.resources.map((resource) => [resource.urn, resource]));
  const headUrns = new Set(head.resources.map((resource) => resource.urn));
  const diff: ManifestDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const resource of head.resources) {
    const before = baseByUrn.get(resource.urn);
    if (before === undefined) {
      diff.added.push(resource);
      continue;
    }
    const paths = [
      ...OPTION_FIELDS.flatMap((field) => changedPaths(before[field], resource[field], field)),
      ...changedPaths(before.inputs, resource.inputs, "inputs"),
    ];
    if (paths.length === 0) diff.unchanged += 1;
    else diff.changed.push({ resource, paths });
  }
  diff.removed = base.resources.filter((resource) => !headUrns.has(resource.urn));
  return diff;
}

/** A manifest read from a file, checked for the fields the comparison uses. */
export function parseManifest(text: string, source: string): Manifest {
  const parsed: unknown = JSON.parse(text);
  if (
    !isRecord(parsed) ||
    typeof parsed.stack !== "string" ||
    !Array.isArray(parsed.resources) ||
    !parsed.resources.every((resource) => isRecord(resource) && typeof resource.urn === "string")
  ) {
    throw new Error(
      `${source} is not a plan manifest (it needs "stack" and "resources" with URNs); write one with: pnpm plan <stack> --json > ${source}`,
    );
  }
  return parsed as unknown as Manifest;
}

const MAX_PATHS_SHOWN = 12;
const MAX_VALUE_LENGTH = 80;

function shown(value: unknown): string {
  if (value === undefined) return "(unset)";
  const text = JSON.stringify(value);
  const short = text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
  return `\`${short.replaceAll("`", "'")}\``;
}

const line = (resource: ManifestResource) => `\`${resource.name}\` (${resource.type})`;

/** The comparison as Markdown, for a pull request's job summary. */
export function renderDiffMarkdown(stack: string, diff: ManifestDiff): string {
  const { added, removed, changed, unchanged } = diff;
  const lines = [
    `### Offline plan of \`${stack}\`: ${added.length} to add, ${changed.length} to change, ${removed.length} to remove (${unchanged} unchanged)`,
    "",
  ];
  if (added.length + changed.length + removed.length === 0) {
    lines.push("No resource changes.", "");
    return lines.join("\n");
  }
  if (added.length > 0) lines.push("**Added**", "", ...added.map((r) => `- ${line(r)}`), "");
  if (removed.length > 0) {
    lines.push(
      "**Removed**",
      "",
      ...removed.map(
        (r) => `- ${line(r)}${r.protect ? " — protected: the deletion will fail" : ""}`,
      ),
      "",
    );
  }
  if (changed.length > 0) {
    lines.push("**Changed**", "");
    for (const { resource, paths } of changed) {
      lines.push(`- ${line(resource)}`);
      for (const change of paths.slice(0, MAX_PATHS_SHOWN)) {
        lines.push(`  - \`${change.path}\`: ${shown(change.before)} → ${shown(change.after)}`);
      }
      if (paths.length > MAX_PATHS_SHOWN) {
        lines.push(`  - … and ${paths.length - MAX_PATHS_SHOWN} more (pnpm plan --details)`);
      }
    }
    lines.push("");
  }
  lines.push(
    "Computed offline from the stack files: provider-computed values are simulated, secrets show as `[secret]`.",
    "",
  );
  return lines.join("\n");
}
