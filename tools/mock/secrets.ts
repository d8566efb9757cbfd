// Pulumi hands secret values to the mock monitor inside an envelope
// (`{ [specialSigKey]: specialSecretSig, value }`); these helpers take them out again.
import * as pulumi from "@pulumi/pulumi";

/** How a secret value is shown wherever a person or a file could see it. */
export const REDACTED = "[secret]";

function isEnvelope(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] ===
      pulumi.runtime.specialSecretSig
  );
}

function pathJoin(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

type SecretHandler = (value: unknown, path: string) => unknown;

function walk(value: unknown, path: string, onSecret: SecretHandler): unknown {
  if (isEnvelope(value)) return onSecret(value.value, path);
  if (Array.isArray(value)) {
    return value.map((item, index) => walk(item, pathJoin(path, index), onSecret));
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, walk(item, pathJoin(path, key), onSecret)]),
    );
  }
  return value;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/** The value with every secret revealed (for assertions and for the mocks' outputs). */
export function revealSecrets(value: unknown): unknown {
  return walk(value, "", (secret) => revealSecrets(secret));
}

/** The inputs of a resource or call, secrets revealed. */
export function unwrapSecrets(inputs: unknown): Record<string, unknown> {
  return asRecord(revealSecrets(inputs));
}

/**
 * Paths of the innermost secrets in inputs as the SDK serialized them (the monitor request's
 * object, before the mock monitor deserializes it: deserializing marks a whole object secret
 * when any of its leaves is, so `spec` of an App with one SECRET env var would hide everything).
 */
export function secretLeafPaths(serialized: unknown): string[] {
  const paths: string[] = [];
  walk(serialized, "", (secret, path) => {
    const nested = secretLeafPaths(secret).map((inner) =>
      inner === "" ? path : inner.startsWith("[") ? `${path}${inner}` : `${path}.${inner}`,
    );
    paths.push(...(nested.length > 0 ? nested : [path]));
    return secret;
  });
  return paths;
}

/** The steps of a property path: `a.b[0].c` → `["a", "b", 0, "c"]`. */
export function pathSteps(path: string): (string | number)[] {
  return path.split(/\.|(?=\[)/).map((step) => {
    const index = /^\[(\d+)\]$/.exec(step)?.[1];
    return index === undefined ? step : Number(index);
  });
}

/** The value at `steps` inside `root`, or undefined where the path leads nowhere. */
export function valueAtSteps(root: unknown, steps: readonly (string | number)[]): unknown {
  return steps.reduce<unknown>(
    (node, step) =>
      typeof node === "object" && node !== null
        ? (node as Record<string | number, unknown>)[step]
        : undefined,
    root,
  );
}

/** A copy of `value` with each of `paths` (`a.b[0].c`) replaced by `[secret]`. */
export function maskPaths(value: Record<string, unknown>, paths: readonly string[]): unknown {
  const copy = structuredClone(value);
  for (const path of paths) {
    const steps = pathSteps(path);
    const last = steps.pop();
    const node = valueAtSteps(copy, steps);
    if (last !== undefined && typeof node === "object" && node !== null) {
      (node as Record<string | number, unknown>)[last] = REDACTED;
    }
  }
  return copy;
}
