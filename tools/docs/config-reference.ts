// The README's config reference, generated from the config schema: every key, what it accepts,
// whether it is required, an example and what it is for.
import {
  configJsonSchema,
  describeAllowed,
  type JsonSchemaNode,
  mergedVariants,
} from "../../stacks/config/problems.ts";
import { CONFIG_NAMESPACE, SECRET_KEYS } from "../../stacks/config/schema.ts";

/** Long provider lists are shown by count, with a few examples, to keep the table readable. */
const LONGEST_LISTED_ENUM = 14;

function allowedText(node: JsonSchemaNode): string {
  if (node.enum !== undefined && node.enum.length > LONGEST_LISTED_ENUM) {
    return `one of ${node.enum.length} provider values, e.g. ${node.enum.slice(0, 3).join(", ")}`;
  }
  return describeAllowed(node, "text");
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

interface Row {
  key: string;
  allowed: string;
  required: string;
  example: string;
  description: string;
}

function rowsOf(written: JsonSchemaNode, path: string, required: boolean): Row[] {
  // A union (fixed or autoscaled service, one APM backend or another) lists every variant's keys.
  const node = mergedVariants(written);
  const children = node.properties ?? (node.type === "array" ? node.items?.properties : undefined);
  const childPath = node.type === "array" ? `${path}[]` : path;
  if (children !== undefined) {
    const requiredKeys = new Set(
      node.type === "array" ? (node.items?.required ?? []) : (node.required ?? []),
    );
    const own: Row[] =
      node.description === undefined || path === ""
        ? []
        : [
            {
              key: path,
              allowed: node.type === "array" ? "a list of objects" : "an object",
              required: required ? "yes" : "no",
              example: "",
              description: node.description,
            },
          ];
    return [
      ...own,
      ...Object.entries(children).flatMap(([key, child]) =>
        rowsOf(child, childPath === "" ? key : `${childPath}.${key}`, requiredKeys.has(key)),
      ),
    ];
  }
  const secret = (SECRET_KEYS as readonly string[]).includes(path);
  const example = node.examples?.[0];
  return [
    {
      key: path,
      allowed: secret ? `secret: ${allowedText(node)}` : allowedText(node),
      required:
        node.default !== undefined
          ? `no (default ${JSON.stringify(node.default)})`
          : required
            ? "yes"
            : "no",
      example: example === undefined ? "" : `\`${JSON.stringify(example)}\``,
      description: node.description ?? "",
    },
  ];
}

/** The reference as Markdown: one table row per key. */
export function configReference(): string {
  const rows = rowsOf(configJsonSchema(), "", true).filter((row) => row.key !== "environment");
  return [
    `Keys live under \`${CONFIG_NAMESPACE}:\` in \`Pulumi.<stack>.yaml\`; set one with \`pulumi config set --path '<key>' <value>\`, and a secret with \`pulumi config set --secret <key> <value>\`. The stack name (\`staging\` or \`production\`) is the environment.`,
    "",
    "| key | allowed | required | example | what it is for |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| \`${row.key}\` | ${cell(row.allowed)} | ${row.required} | ${cell(row.example)} | ${cell(row.description)} |`,
    ),
  ].join("\n");
}
