// Paths into the config as `pulumi config set --path` names them: `database.replicas[0].region`.

export type Path = readonly PropertyKey[];

/** `["database", "replicas", 0, "region"]` → `database.replicas[0].region` (Pulumi's --path syntax). */
export function configPath(path: Path): string {
  return path
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`,
    )
    .join("");
}

/** A path with every list index as `[]`: `database.trustedIpRanges[]` for each of the list. */
export const anyIndex = (path: string) => path.replace(/\[\d+\]/g, "[]");

/** The value at `path` inside `root`, if there is one. */
export function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Paths of the leaf values under `value` (the value itself when it is a scalar). */
export function leafPaths(value: unknown, path: Path): Path[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => leafPaths(item, [...path, index]));
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...path, key]));
  }
  return [path];
}
