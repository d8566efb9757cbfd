// Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program: every value as a
// string (structured values as JSON), and the list of keys that were `secure:`. The CLI would
// decrypt secure values; offline they are replaced by a fake the caller chooses.
import { readFile } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
// js-yaml is what @pulumi/pulumi itself loads, so reading a stack file costs no extra import.
import { load, YAMLException } from "js-yaml";

export interface StackFileConfig {
  /** Keys as `<namespace>:<key>` mapped to Pulumi's string form of the value. */
  values: Record<string, string>;
  /** Keys whose value (or a value nested inside it) was `secure:`. */
  secretKeys: string[];
}

/** A value in Pulumi's string form as data: structured values are JSON text, the rest is text. */
export function configValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Supplies the plaintext that stands in for a `secure:` value of `key`. */
export type FakeSecret = (key: string) => string;

function isSecure(value: unknown): value is { secure: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** Replaces nested `secure:` values; reports whether any was found. */
function revealNested(value: unknown, key: string, fake: FakeSecret): [unknown, boolean] {
  const found = { secret: false };
  const reveal = (item: unknown): unknown => {
    if (isSecure(item)) {
      found.secret = true;
      return fake(key);
    }
    if (Array.isArray(item)) return item.map(reveal);
    if (typeof item !== "object" || item === null) return item;
    return Object.fromEntries(Object.entries(item).map(([name, inner]) => [name, reveal(inner)]));
  };
  const revealed = reveal(value);
  return [revealed, found.secret];
}

/** A stack file that is not valid YAML: one line, `file:line:column: reason`, and the fix. */
export class StackFileError extends Error {
  constructor(file: string, error: YAMLException) {
    // js-yaml counts lines and columns from 0; editors count from 1.
    const nearby = relative(process.cwd(), file);
    const shown = isAbsolute(file) && !nearby.startsWith("..") ? nearby : file;
    const where = `${shown}:${error.mark.line + 1}:${error.mark.column + 1}`;
    super(`${where}: ${error.reason} (YAML syntax). Fix the file there and run again.`);
    this.name = "StackFileError";
  }
}

export function stackConfigFromYaml(
  text: string,
  project: string,
  fake: FakeSecret,
  file = "stack file",
): StackFileConfig {
  let document: unknown;
  try {
    document = load(text, { filename: file });
  } catch (error) {
    if (error instanceof YAMLException) throw new StackFileError(file, error);
    throw error;
  }
  const config =
    typeof document === "object" && document !== null
      ? ((document as { config?: Record<string, unknown> }).config ?? {})
      : {};
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, rawValue] of Object.entries(config)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    const [value, secret] = revealNested(rawValue, key.slice(key.indexOf(":") + 1), fake);
    values[key] =
      typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    if (secret) secretKeys.push(key);
  }
  return { values, secretKeys };
}

export async function readStackFile(
  path: string,
  project: string,
  fake: FakeSecret,
): Promise<StackFileConfig> {
  return stackConfigFromYaml(await readFile(path, "utf8"), project, fake, path);
}
