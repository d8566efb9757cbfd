// Stack config as the program receives it, taken from the repository's real stack files, with
// helpers to break one value at a time.
import type { RawStackConfig, ValidationContext } from "../../stacks/config/load.ts";
import { CONFIG_NAMESPACE } from "../../stacks/config/schema.ts";
import { readStack } from "../../tools/mock/run-stack.ts";

/**
 * A fixed clock and no restore made: the repository's stack files are valid at any time, and the
 * tests of the restore window set their own instant.
 */
export const VALIDATION_CONTEXT: ValidationContext = {
  now: new Date("2026-11-03T12:00:00Z"),
  restoredAt: undefined,
};

export async function rawStackConfig(stack: "staging" | "production"): Promise<RawStackConfig> {
  const file = await readStack(stack);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values = Object.fromEntries(
    Object.entries(file.values)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const secretKeys = new Set(file.secretKeys.map((key) => key.slice(prefix.length)));
  return { stack, values, secretKeys };
}

type Segment = string | number;

/** Parses `database.replicas[0].region` into its segments. */
function segmentsOf(path: string): Segment[] {
  return path
    .split(/\.|\[(\d+)\]/)
    .filter(
      (segment): segment is string =>
        (segment as string | undefined) !== undefined && segment !== "",
    )
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** A copy of `raw` with the value at `path` replaced, or removed when `value` is undefined. */
export function withValue(raw: RawStackConfig, path: string, value: unknown): RawStackConfig {
  const [key, ...rest] = segmentsOf(path);
  if (typeof key !== "string") throw new Error(`bad path ${path}`);
  const values = { ...raw.values };
  if (rest.length === 0) {
    const { [key]: _removed, ...others } = values;
    return {
      ...raw,
      values:
        value === undefined
          ? others
          : { ...others, [key]: typeof value === "string" ? value : JSON.stringify(value) },
    };
  }
  const group: unknown = JSON.parse(values[key] ?? "{}");
  let node = group as Record<Segment, unknown>;
  // Like `pulumi config set --path`, missing containers are created: a list before an index.
  rest.slice(0, -1).forEach((segment, index) => {
    node[segment] ??= typeof rest[index + 1] === "number" ? [] : {};
    node = node[segment] as Record<Segment, unknown>;
  });
  const last = rest.at(-1);
  if (last === undefined) throw new Error(`bad path ${path}`);
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  values[key] = JSON.stringify(group);
  return { ...raw, values };
}

/** Applies several edits in order. */
export function withValues(raw: RawStackConfig, edits: Record<string, unknown>): RawStackConfig {
  return Object.entries(edits).reduce(
    (config, [path, value]) => withValue(config, path, value),
    raw,
  );
}
