// Typed readers over resource properties. The engine hands a policy plain JSON (`props`), which
// @pulumi/policy types as `any`; every rule reads it through these instead, so a missing or
// misshapen field is a violation rather than a crash.

/** How the offline plan (`pnpm plan --json`) shows a secret leaf. */
export const MASKED = "[secret]";

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The field of an object, or undefined when the value is no object. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** The value at a path of keys, e.g. `["spec", "services"]`. */
export function path(value: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((node, key) => field(node, key), value);
}

export function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function texts(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads a value that may be unknown during a real preview. @pulumi/policy wraps `props` in a proxy
 * that throws its `UnknownValueError` when a rule touches a value the engine cannot know yet (an
 * output of a resource that is still to be created); the error type is not in the package's
 * typings (its `index.d.ts` re-exports names that `proxy.d.ts` strips), so it is recognised by
 * name. Rules use this where one unknown value should skip that value, not the whole rule.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof Error && error.constructor.name === "UnknownValueError") return undefined;
    throw error;
  }
}

/** A JSON document given either as a string (IAM policies usually are) or as an object. */
export function jsonDocument(value: unknown): Json | undefined {
  if (isRecord(value)) return value;
  if (typeof value !== "string" || value === MASKED) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
