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

export interface UnwrappedInputs {
  /** The inputs with every secret revealed (for assertions and for the mocks' outputs). */
  value: Record<string, unknown>;
  /** The inputs with every secret replaced by `[secret]` (for anything printed). */
  redacted: Record<string, unknown>;
  /** Paths such as `spec.services[0].envs[1].value` at which a secret arrived. */
  secretPaths: string[];
}

export function unwrapSecrets(inputs: unknown): UnwrappedInputs {
  const secretPaths: string[] = [];
  const value = walk(inputs, "", (secret, path) => {
    secretPaths.push(path);
    return walk(secret, path, (inner) => inner);
  });
  const redacted = walk(inputs, "", () => REDACTED);
  return { value: asRecord(value), redacted: asRecord(redacted), secretPaths };
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

/** A copy of `value` with each of `paths` (`a.b[0].c`) replaced by `[secret]`. */
export function maskPaths(value: Record<string, unknown>, paths: readonly string[]): unknown {
  const copy = structuredClone(value);
  for (const path of paths) {
    const steps = path.split(/\.|(?=\[)/).map((step) => {
      const index = /^\[(\d+)\]$/.exec(step)?.[1];
      return index === undefined ? step : Number(index);
    });
    const last = steps.pop();
    let node: unknown = copy;
    for (const step of steps) {
      node = (node as Record<string | number, unknown> | undefined)?.[step];
    }
    if (last !== undefined && typeof node === "object" && node !== null) {
      (node as Record<string | number, unknown>)[last] = REDACTED;
    }
  }
  return copy;
}
