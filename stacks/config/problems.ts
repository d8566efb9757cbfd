// Turns schema issues into problems a person can act on: the config key, what was found, what is
// allowed, and a command that fixes it. The "allowed" and "fix" texts come from the schema's own
// JSON Schema (its enums, ranges and examples), so they always match what the schema accepts.
import { z } from "zod";
import {
  APP_PLATFORM_DATACENTERS,
  appRegionOf,
  DATACENTER_REGIONS,
  SINGLE_INSTANCE_SIZES,
} from "./catalog.ts";
import { nearestHour, nearestRegion, nearestSize, resemblingKey } from "./nearest.ts";

import { exampleStandIn } from "./placeholders.ts";
import { isUnreadSetting } from "./unread-settings.ts";
import { CONFIG_NAMESPACE, SECRET_KEYS, stackConfigSchema } from "./schema.ts";
import type { ProviderCredential } from "./provider-credentials.ts";
import type { ConfigProblem } from "./config-problem.ts";
import { configPath, leafPaths, type Path, valueAt } from "./config-path.ts";

export type { ConfigProblem };

export interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  format?: string;
  pattern?: string;
  /** What a patterned string accepts, in words (the schema's `allowed` metadata). */
  allowed?: string;
  examples?: unknown[];
  description?: string;
  default?: unknown;
}

let cachedJsonSchema: JsonSchemaNode | undefined;

/** The input side of the schema as JSON Schema (what a stack file may contain). */
export function configJsonSchema(): JsonSchemaNode {
  cachedJsonSchema ??= z.toJSONSchema(stackConfigSchema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchemaNode;
  return cachedJsonSchema;
}

/** The variants of a union of objects (a discriminated union, or variants told apart by keys). */
function variantsOf(node: JsonSchemaNode | undefined): JsonSchemaNode[] | undefined {
  const options = node?.oneOf ?? node?.anyOf;
  return options?.every((option) => option.properties !== undefined) === true ? options : undefined;
}

/** Whether a key of constant value (`provider`) tells the variants apart. */
function isDiscriminated(variants: readonly JsonSchemaNode[]): boolean {
  return Object.values(variants[0]?.properties ?? {}).some(
    (property) => property.const !== undefined,
  );
}

/** Keys that some variants have and others lack: which of them is set picks the variant. */
function distinguishingKeys(variants: readonly JsonSchemaNode[]): string[] {
  const keys = [...new Set(variants.flatMap((variant) => Object.keys(variant.properties ?? {})))];
  return keys.filter((key) => !variants.every((variant) => key in (variant.properties ?? {})));
}

/** The index of the variant whose own keys `value` sets (a service with `autoscaling`), or -1. */
function keyedVariant(variants: readonly JsonSchemaNode[], value: unknown): number {
  const set = distinguishingKeys(variants).filter((key) => valueAt(value, [key]) !== undefined);
  return variants.findIndex((variant) => set.some((key) => key in (variant.properties ?? {})));
}

/** The variant `value` is written as, or all variants merged when it names none. */
function variantFor(node: JsonSchemaNode, variants: JsonSchemaNode[], value: unknown) {
  // A discriminator's value names the variant; without one, the keys only it has.
  const named = (variant: JsonSchemaNode) =>
    Object.entries(variant.properties ?? {}).some(
      ([key, property]) => property.const !== undefined && property.const === valueAt(value, [key]),
    );
  const picked =
    variants.find(named) ??
    (isDiscriminated(variants) ? undefined : variants[keyedVariant(variants, value)]);
  if (picked !== undefined) return { ...picked, description: node.description };
  const properties: Record<string, JsonSchemaNode> = {};
  for (const [key, property] of variants.flatMap((variant) =>
    Object.entries(variant.properties ?? {}),
  )) {
    const consts = variants.map((variant) => variant.properties?.[key]?.const);
    properties[key] ??= consts.every((value) => value !== undefined)
      ? { ...property, const: undefined, enum: consts }
      : property;
  }
  const required = Object.keys(properties).filter((key) =>
    variants.every((variant) => variant.required?.includes(key) === true),
  );
  return { type: "object", properties, required, description: node.description };
}

/** A node with its union's variants merged into one object, for a reference of every key. */
export function mergedVariants(node: JsonSchemaNode): JsonSchemaNode {
  const variants = variantsOf(node);
  return variants === undefined ? node : variantFor(node, variants, undefined);
}

/**
 * Follows a config path through the JSON Schema, looking through optional wrappers, and into the
 * variant of a union that `input` is written as.
 */
export function schemaAt(path: Path, input?: unknown): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = configJsonSchema();
  for (let index = 0; node !== undefined; index += 1) {
    const variants = variantsOf(node);
    if (variants !== undefined) {
      node = variantFor(node, variants, valueAt(input, path.slice(0, index)));
    }
    const segment = path[index];
    if (index === path.length) return node;
    node = typeof segment === "number" ? node.items : node.properties?.[String(segment)];
  }
  return undefined;
}

/** The variants of the union at `path`, as the schema has them (`schemaAt` picks one). */
function unionAt(path: Path, input: unknown): JsonSchemaNode[] | undefined {
  return variantsOf(schemaAt(path.slice(0, -1), input)?.properties?.[String(path.at(-1))]);
}

/**
 * A union whose variants are told apart by their keys, written with none or several of them:
 * a service sized with both `instances` and `autoscaling`. One problem for it, whatever else fails.
 */
function variantProblem(path: Path, input: unknown): ConfigProblem | undefined {
  const variants = unionAt(path, input);
  if (variants === undefined || isDiscriminated(variants)) return undefined;
  const keys = distinguishingKeys(variants);
  const value = valueAt(input, path);
  const set = keys.filter((key) => valueAt(value, [key]) !== undefined);
  if (set.length === 1 || typeof value !== "object" || value === null) return undefined;
  const first = keys[0] ?? "";
  return {
    key: keyOf(path),
    found: describeFound(value, false),
    allowed: `exactly one of ${keys.map((key) => `\`${key}\``).join(" or ")} (found ${set.length === 0 ? "neither" : "both"})`,
    fix:
      set.length === 0
        ? setCommands([...path, first], exampleAt([...path, first])).join(" && ")
        : set
            .slice(0, -1)
            .map((key) => `pulumi config rm --path '${configPath([...path, key])}'`)
            .join(" && "),
  };
}

/** What a problem found when the key is not set. */
export const NOT_SET = "nothing (the key is not set)";

/** Whether `problem` is a key left unset that one of `renamed` (keys a rename sets) provides. */
export function providedByRename(problem: ConfigProblem, renamed: ReadonlySet<string>): boolean {
  if (problem.found !== NOT_SET) return false;
  return [...renamed].some((key) => problem.key === key || problem.key.startsWith(`${key}.`));
}

function describeFound(value: unknown, secret: boolean): string {
  if (value === undefined) return NOT_SET;
  if (secret) return "a value (hidden: it belongs to a secret)";
  if (Array.isArray(value)) return `a list: ${JSON.stringify(value)}`;
  if (typeof value === "object" && value !== null) return `an object: ${JSON.stringify(value)}`;
  return `${JSON.stringify(value)} (a ${typeof value})`;
}

const listOf = (values: readonly unknown[]) =>
  values.map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(", ");

function range(node: JsonSchemaNode, noun: string): string {
  const { minimum, maximum } = node;
  return minimum === undefined || maximum === undefined
    ? noun
    : `${noun} from ${minimum} to ${maximum}`;
}

/** What a schema node accepts, in words. */
export function describeAllowed(node: JsonSchemaNode | undefined, fallback: string): string {
  if (node === undefined) return fallback;
  if (node.allowed !== undefined) return node.allowed;
  if (node.enum !== undefined) return `one of ${listOf(node.enum)}`;
  if (node.type === "integer") return range(node, "a whole number");
  if (node.type === "number") return range(node, "a number");
  if (node.type === "boolean") return "true or false";
  if (node.type === "array") {
    const items = describeAllowed(node.items, "values");
    const atLeast = node.minItems === undefined ? "" : ` (at least ${node.minItems})`;
    return `a list${atLeast} of: ${items}`;
  }
  if (node.type === "object") {
    return `an object with the keys ${listOf(Object.keys(node.properties ?? {}))}`;
  }
  if (node.format === "email") return "an email address";
  if (node.format === "uri") return "an https URL";
  if (node.type === "string" && node.format === undefined && node.pattern === undefined) {
    return "text";
  }
  // Strings with a pattern: the schema's own message says what the pattern means.
  return fallback;
}

function renderValue(value: unknown): string {
  const text = String(value);
  return /^[\w@./:+-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * `pulumi config set` commands that store `example` at `path`, one per leaf value. With
 * `standIns`, a leaf that is one of the repository's example ids or names is not pasted: the
 * command names what belongs there instead (placeholders.ts).
 */
export function setCommands(path: Path, example: unknown, standIns = false): string[] {
  return leafPaths(example, path).map((leaf) => {
    const leafValue = valueAt(example, leaf.slice(path.length));
    const standIn = standIns ? exampleStandIn(configPath(leaf), leafValue) : undefined;
    const value = renderValue(standIn ?? leafValue);
    const [first] = leaf;
    return leaf.length === 1 && typeof first === "string" && isSecretKey(first)
      ? `pulumi config set --secret ${first} ${value}`
      : `pulumi config set --path '${configPath(leaf)}' ${value}`;
  });
}

function isSecretKey(key: string): boolean {
  return (SECRET_KEYS as readonly string[]).includes(key);
}

/** An example value for a path: the node's own example, else one assembled from its children. */
export function exampleAt(path: Path): unknown {
  const node = schemaAt(path);
  if (node === undefined) return undefined;
  if (node.examples?.[0] !== undefined) return node.examples[0];
  if (node.properties !== undefined) {
    return Object.fromEntries(
      Object.keys(node.properties).map((key) => [key, exampleAt([...path, key])]),
    );
  }
  return node.enum?.[0];
}

/**
 * An example that fits the rest of the stack's config, where the generic one would not: hostnames
 * inside the stack's own zone (the `hostnames-inside-zone` rule refuses any other).
 */
function contextualExample(path: Path, input: unknown): unknown {
  if (path[0] === "services" && path.length === 2) return serviceSizingExample(input);
  const zone = valueAt(input, ["domain", "zone"]);
  const label = { appHost: "app", assetsHost: "assets" }[String(path[1])];
  if (path[0] === "domain" && label !== undefined && typeof zone === "string" && zone !== "") {
    return `${label}.${zone}`;
  }
  return exampleAt(path);
}

/**
 * A service's sizing that the rules accept: a fixed count (its schema's example sets autoscaling
 * too, and a service takes one or the other), two instances in production.
 */
function serviceSizingExample(input: unknown): { size: string; instances: number } {
  const production = valueAt(input, ["environment"]) === "production";
  return { size: "apps-s-1vcpu-1gb", instances: production ? 2 : 1 };
}

/** Whether `path` is a service of the catalog that the stack does not size. */
function isUnsizedService(path: Path, input: unknown): boolean {
  return path[0] === "services" && path.length === 2 && valueAt(input, path) === undefined;
}

/** Where an app of each region can run: App Platform's datacenters that take new resources. */
const APP_DATACENTERS: readonly string[] = Object.values(APP_PLATFORM_DATACENTERS).filter(
  (datacenter) => (DATACENTER_REGIONS as readonly string[]).includes(datacenter),
);

/** The regions a value at `path` may take: for the app's regions, where apps run (not the primary's). */
function regionChoices(path: Path, options: readonly string[], input: unknown): string[] {
  if (path[0] !== "regions") return [...options];
  const primary = valueAt(input, ["regions", "primary"]);
  return APP_DATACENTERS.filter(
    (datacenter) =>
      path[1] !== "secondary" ||
      typeof primary !== "string" ||
      appRegionOf(datacenter) !== appRegionOf(primary),
  );
}

/** The sizes a value at `path` may take: one that runs more than once where instances ask for it. */
function sizeChoices(path: Path, options: readonly string[], input: unknown): string[] {
  const instances = valueAt(input, [...path.slice(0, -1), "instances"]);
  if (typeof instances !== "number" || instances <= 1) return [...options];
  return options.filter((size) => !(SINGLE_INSTANCE_SIZES as readonly string[]).includes(size));
}

/**
 * The fix that sets the valid value nearest to the refused one, with why when that is not plain:
 * a size with at least the vCPUs and memory asked, a region closest on the map, the nearest hour.
 */
function nearestFix(path: Path, input: unknown): string | undefined {
  const found = valueAt(input, path);
  if (typeof found !== "string" && typeof found !== "number") return undefined;
  const last = String(path.at(-1));
  if (last === "hour") {
    const near = nearestHour(found);
    return near && `${setCommands(path, near.hour).join(" && ")}   (${near.hour}: ${near.why})`;
  }
  const options = schemaAt(path, input)?.enum?.filter((value) => typeof value === "string");
  if (options === undefined || typeof found !== "string") return undefined;
  const near = /size$/i.test(last)
    ? nearestSize(found, sizeChoices(path, options, input))
    : path.some((segment) => /region/i.test(String(segment)))
      ? nearestRegion(found, regionChoices(path, options, input))
      : undefined;
  return near && setCommands(path, near).join(" && ");
}

function fixFor(path: Path, input: unknown): string {
  const nearest = nearestFix(path, input);
  if (nearest !== undefined) return nearest;
  const example = contextualExample(path, input);
  // The schema's own example stands for a value of the user's; one derived from their config
  // (a host inside their zone) is theirs already.
  return example === undefined
    ? `pulumi config rm --path '${configPath(path)}'`
    : setCommands(path, example, example === exampleAt(path)).join(" && ");
}

function keyOf(path: Path): string {
  return path[0] === "environment" ? "stack name" : `${CONFIG_NAMESPACE}:${configPath(path)}`;
}

function environmentProblem(found: unknown): ConfigProblem {
  return {
    key: "stack name",
    found: describeFound(found, false),
    allowed: describeAllowed(schemaAt(["environment"]), "a known stack"),
    fix: "pulumi stack select staging   (or create the stack: pulumi stack init production)",
  };
}

/** The union of objects around `path` that is written with none or several of its variants. */
function conflictingVariant(path: Path, input: unknown): ConfigProblem | undefined {
  for (let length = path.length; length > 0; length -= 1) {
    const problem = variantProblem(path.slice(0, length), input);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The issues of the variant a union's value is written as (its keys say which), if it names one. */
function chosenVariantIssues(
  issue: z.core.$ZodIssueInvalidUnion,
  input: unknown,
): z.core.$ZodIssue[] | undefined {
  const { path } = issue;
  const index = keyedVariant(unionAt(path, input) ?? [], valueAt(input, path));
  return issue.errors[index]?.map((inner) => ({ ...inner, path: [...path, ...inner.path] }));
}

function problemsOf(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const path = issue.path;
  const secret = typeof path[0] === "string" && isSecretKey(path[0]);
  if (path[0] === "environment") return [environmentProblem(valueAt(input, path))];
  const conflict = conflictingVariant(path, input);
  if (conflict !== undefined) return [conflict];

  const chosen = issue.code === "invalid_union" ? chosenVariantIssues(issue, input) : undefined;
  if (chosen !== undefined) return chosen.flatMap((inner) => problemsOf(inner, input));

  if (issue.code === "unrecognized_keys") {
    const known = Object.keys(schemaAt(path, input)?.properties ?? {}).filter(
      (key) => key !== "environment",
    );
    return issue.keys.map((key) => unknownKeyProblem(path, key, known, input));
  }

  const params: { fix?: unknown; suggest?: unknown } =
    issue.code === "custom" ? (issue.params ?? {}) : {};
  const node = schemaAt(path, input);
  return [
    {
      key: keyOf(path),
      found: describeFound(valueAt(input, path), secret),
      allowed:
        issue.code === "custom"
          ? issue.message
          : isUnsizedService(path, input)
            ? `the size and scaling of ${String(path[1])}, a service of the catalog (stacks/service-catalog.ts): every service it lists runs in each region, so each stack sizes it`
            : (node?.allowed ??
              (issue.code === "invalid_value"
                ? `one of ${listOf(issue.values)}`
                : describeAllowed(node, issue.message))),
      fix:
        typeof params.fix === "string"
          ? params.fix
          : params.suggest !== undefined
            ? setCommands(path, params.suggest).join(" && ")
            : fixFor(path, input),
    },
  ];
}

/**
 * Commands that move a value from `from` to `to`: the Pulumi CLI has no rename, so each leaf is
 * copied with `pulumi config get` (its value never appears in the command) and the old key removed.
 */
export function renameCommands(from: Path, to: Path, value: unknown): string {
  const [first] = from;
  if (from.length === 1 && typeof first === "string" && isSecretKey(String(to[0]))) {
    return `pulumi config set --secret ${String(to[0])} "$(pulumi config get ${first})" && pulumi config rm ${first}`;
  }
  const copies = leafPaths(value, from).map((leaf) => {
    const target = [...to, ...leaf.slice(from.length)];
    return `pulumi config set --path '${configPath(target)}' "$(pulumi config get --path '${configPath(leaf)}')"`;
  });
  return [...copies, `pulumi config rm --path '${configPath(from)}'`].join(" && ");
}

/** Whether nothing is set at `path` (a group left out of the stack file reads as `{}`). */
function isUnset(input: unknown, path: Path): boolean {
  const value = valueAt(input, path);
  return (
    value === undefined ||
    (typeof value === "object" && value !== null && Object.keys(value).length === 0)
  );
}

/**
 * Where an unknown `key` under `path` belongs when it is a known key one level up or one level
 * down (a line indented one step too little or too much), and is not set there.
 */
function movedTo(path: Path, key: string, input: unknown): Path | undefined {
  const up = path.length === 0 ? [] : [[...path.slice(0, -1), key]];
  const down = Object.keys(schemaAt(path)?.properties ?? {}).map((group) => [...path, group, key]);
  return [...up, ...down].find(
    (candidate) => schemaAt(candidate) !== undefined && isUnset(input, candidate),
  );
}

function unknownKeyProblem(
  path: Path,
  key: string,
  known: readonly string[],
  input: unknown,
): ConfigProblem {
  const misspelt = [...path, key];
  const problem = { key: keyOf(misspelt), allowed: `one of ${listOf(known)}` };
  const renameTo = (target: Path) => ({
    fix: renameCommands(misspelt, target, valueAt(input, misspelt)),
    alsoFixes: keyOf(target),
  });
  const moved = movedTo(path, key, input);
  if (moved !== undefined) {
    const found = `moved: \`${keyOf(moved)}\` belongs under \`${keyOf(moved.slice(0, -1))}\``;
    return { ...problem, found, ...renameTo(moved) };
  }
  const meant = resemblingKey(key, known);
  // Under `services`, the known keys are the catalog's services.
  const what =
    path.length === 1 && path[0] === "services"
      ? "a service the catalog (stacks/service-catalog.ts) does not have"
      : "a key the platform does not know";
  if (meant === undefined) {
    return { ...problem, found: what, fix: `pulumi config rm --path '${configPath(misspelt)}'` };
  }
  const intended = [...path, meant];
  const found = `${what}: did you mean ${keyOf(intended)}?`;
  if (isUnset(input, intended)) return { ...problem, found, ...renameTo(intended) };
  const fix = `pulumi config rm --path '${configPath(misspelt)}'   (${configPath(intended)} is already set)`;
  return { ...problem, found, fix };
}

/** Every problem of a parse, in the order of the schema's keys. */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): ConfigProblem[] {
  const all = issues.flatMap((issue) => problemsOf(issue, input));
  // A union written with both variants fails in several places: it is one problem.
  const problems = all.filter(
    (problem, index) =>
      all.findIndex((other) => other.key === problem.key && other.allowed === problem.allowed) ===
      index,
  );
  // A key reported missing because it was misspelt is one problem, fixed by the rename.
  const renamed = new Set(problems.flatMap((problem) => problem.alsoFixes ?? []));
  return problems.filter((problem) => !providedByRename(problem, renamed));
}

/** Keys the program derives itself; a stack file that sets one is mistaken about what it does. */
export function derivedKeyProblem(key: string, stack: string): ConfigProblem {
  return {
    key: `${CONFIG_NAMESPACE}:${key}`,
    found: "a value, which the program never reads: the stack's name is its environment",
    allowed: `nothing: this is stack "${stack}"; to configure another environment, select its stack`,
    fix: `pulumi config rm ${key}   (and pulumi stack select <stack> for another environment)`,
  };
}

/** Config namespaces the program or its providers read. */
export const KNOWN_NAMESPACES = [
  CONFIG_NAMESPACE,
  "aws",
  "cloudflare",
  "datadog",
  "digitalocean",
  "docker",
  "github",
  "newrelic",
  "pulumi",
  "random",
] as const;

/**
 * The namespaces a key may be renamed into: known, and read by something (the program builds its
 * AWS, GitHub and APM providers itself, which read no stack config: unread-settings.ts).
 */
const READ_NAMESPACES = KNOWN_NAMESPACES.filter((name) => !isUnreadSetting(`${name}:`));

/**
 * A key in a namespace nobody reads, such as a misspelt `platform:`: Pulumi hands it to the
 * program, which would otherwise ignore it without a word.
 */
export function foreignKeyProblem(
  fullKey: string,
  value: unknown,
  /** Whether the `platform:` key it resembles is set already. */
  platformKeySet: boolean,
): ConfigProblem | undefined {
  const [namespace = "", ...rest] = fullKey.split(":");
  if ((KNOWN_NAMESPACES as readonly string[]).includes(namespace)) return undefined;
  const key = rest.join(":");
  const platformKeys = Object.keys(configJsonSchema().properties ?? {});
  // Only a rename that lands on a key the program reads is worth suggesting.
  const candidate = resemblingKey(namespace, READ_NAMESPACES);
  const meant =
    candidate === CONFIG_NAMESPACE &&
    (platformKeySet || !platformKeys.includes(key.split(".")[0] ?? ""))
      ? undefined
      : candidate;
  const allowed = `keys of ${listOf(READ_NAMESPACES.map((name) => `${name}:`))}`;
  if (meant === undefined) {
    const found = `a key in the namespace "${namespace}", which neither the program nor a provider reads`;
    return { key: fullKey, found, allowed, fix: `pulumi config rm --path '${fullKey}'` };
  }
  return {
    key: fullKey,
    found: `a key in the namespace "${namespace}", which nothing reads: did you mean ${meant}:${key}?`,
    allowed,
    fix: renameCommands([fullKey], [`${meant}:${key}`], value),
    ...(meant === CONFIG_NAMESPACE ? { alsoFixes: `${meant}:${key}` } : {}),
  };
}

/** A secret key that holds plaintext. */
export function plaintextSecretProblem(key: string): ConfigProblem {
  return {
    key: `${CONFIG_NAMESPACE}:${key}`,
    found: "a plaintext value: it would be stored unencrypted in the stack file and state",
    allowed: "a secret value (`secure:` in the stack file)",
    fix: `pulumi config set --secret ${key} <value>   (encrypts it in Pulumi.<stack>.yaml)`,
  };
}

/**
 * A provider credential (`aws:secretKey`, `digitalocean:token`, ...) that holds plain text. The
 * value is never shown: it is the credential.
 */
export function plaintextCredentialProblem(credential: ProviderCredential): ConfigProblem {
  const path = credential.secretPath;
  return {
    key: credential.key,
    found:
      "a plaintext value: this provider credential would be stored unencrypted in the stack file and state",
    allowed:
      "a secret value (`secure:` in the stack file), or none: the provider's environment variable",
    fix: `pulumi config set --secret ${path === undefined ? credential.key : `--path '${path}'`} <value>   (encrypts it in Pulumi.<stack>.yaml)`,
  };
}

/** The problems as the text a person reads in the terminal. */
export function formatProblems(stack: string, problems: readonly ConfigProblem[]): string {
  const noun = problems.length === 1 ? "problem" : "problems";
  const lines = [`Stack "${stack}" has ${problems.length} config ${noun} (Pulumi.${stack}.yaml):`];
  problems.forEach((problem, index) => {
    lines.push(
      `  ${index + 1}. ${problem.key}`,
      `     found:   ${problem.found}`,
      `     allowed: ${problem.allowed}`,
      `     fix:     ${problem.fix}`,
    );
  });
  lines.push("Nothing was registered. Fix the values above and run again.");
  return lines.join("\n");
}
