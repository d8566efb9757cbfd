// Turns schema issues into problems a person can act on: the config key, what was found, what is
// allowed, and a command that fixes it. The "allowed" and "fix" texts come from the schema's own
// JSON Schema (its enums, ranges and examples), so they always match what the schema accepts.
import { z } from "zod";
import { CONFIG_NAMESPACE, SECRET_KEYS, stackConfigSchema } from "./schema.ts";

export interface ConfigProblem {
  /** The config key with its path, e.g. `platform:database.replicas[0].region`. */
  key: string;
  found: string;
  allowed: string;
  fix: string;
}

type Path = readonly PropertyKey[];

export interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
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

/** Follows a config path through the JSON Schema, looking through optional wrappers. */
export function schemaAt(path: Path): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = configJsonSchema();
  for (const segment of path) {
    if (node === undefined) return undefined;
    node = typeof segment === "number" ? node.items : node.properties?.[String(segment)];
  }
  return node;
}

/** `["database", "replicas", 0, "region"]` → `database.replicas[0].region` (Pulumi's --path syntax). */
export function configPath(path: Path): string {
  return path
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`,
    )
    .join("");
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describeFound(value: unknown, secret: boolean): string {
  if (value === undefined) return "nothing (the key is not set)";
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
  if (node.anyOf?.every((option) => option.const !== undefined) === true) {
    return `one of ${listOf(node.anyOf.map((option) => option.const))}`;
  }
  if (node.type === "integer") return range(node, "a whole number");
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

/** `pulumi config set` commands that store `example` at `path`, one per leaf value. */
export function setCommands(path: Path, example: unknown): string[] {
  if (Array.isArray(example)) {
    return example.flatMap((item, index) => setCommands([...path, index], item));
  }
  if (typeof example === "object" && example !== null) {
    return Object.entries(example).flatMap(([key, item]) => setCommands([...path, key], item));
  }
  const [first] = path;
  if (path.length === 1 && typeof first === "string" && isSecretKey(first)) {
    return [`pulumi config set --secret ${first} ${renderValue(example)}`];
  }
  return [`pulumi config set --path '${configPath(path)}' ${renderValue(example)}`];
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

function fixFor(path: Path): string {
  const example = exampleAt(path);
  return example === undefined
    ? `pulumi config rm --path '${configPath(path)}'`
    : setCommands(path, example).join(" && ");
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

function problemsOf(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const path = issue.path;
  const secret = typeof path[0] === "string" && isSecretKey(path[0]);
  if (path[0] === "environment") return [environmentProblem(valueAt(input, path))];

  if (issue.code === "unrecognized_keys") {
    const known = Object.keys(schemaAt(path)?.properties ?? {});
    return issue.keys.map((key) => ({
      key: keyOf([...path, key]),
      found: "a key the platform does not know (a typo?)",
      allowed: `one of ${listOf(known)}`,
      fix: `pulumi config rm --path '${configPath([...path, key])}'`,
    }));
  }

  if (issue.code === "custom") {
    const params: { fix?: unknown } = issue.params ?? {};
    return [
      {
        key: keyOf(path),
        found: describeFound(valueAt(input, path), secret),
        allowed: issue.message,
        fix: typeof params.fix === "string" ? params.fix : fixFor(path),
      },
    ];
  }

  return [
    {
      key: keyOf(path),
      found: describeFound(valueAt(input, path), secret),
      allowed: describeAllowed(schemaAt(path), issue.message),
      fix: fixFor(path),
    },
  ];
}

/** Every problem of a parse, in the order of the schema's keys. */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): ConfigProblem[] {
  return issues.flatMap((issue) => problemsOf(issue, input));
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
