// Section 6: which secrets exist and where each goes, by name only. This is the one part of the
// report that looks at secret values, and only at the offline plan's: `secure:` config values are
// the schema's examples there (tools/mock/run-stack.ts) and provider credentials are the mocks', so
// no real secret is ever in this process. The values are compared, never copied into the report:
// a config key's value found inside a resource's secret input says where that key goes; a
// connection URL yields its `sslmode` and whether its host is private, nothing else.
import { field, records, text } from "../../policy/values.ts";
import { configJsonSchema } from "../../stacks/config/problems.ts";
import { CONFIG_NAMESPACE, SECRET_KEYS } from "../../stacks/config/schema.ts";
import type { RecordedResource } from "../mock/run-program.ts";
import { pathSteps, REDACTED, valueAtSteps } from "../mock/secrets.ts";

type Recorded = Pick<
  RecordedResource,
  "name" | "type" | "inputs" | "redactedInputs" | "secretInputs"
>;

/** The smallest secret compared by containment: shorter ones could match by chance. */
const SHORTEST_COMPARED = 8;

/**
 * `spec.services[1].envs[3].value` → `spec.services[items].envs[DATABASE_URL].value`: each list item
 * named by what identifies it (an env var's `key`, a service's `name`, a rule's `ref` or `rule`).
 */
export function readablePath(inputs: Record<string, unknown>, path: string): string {
  const steps = pathSteps(path);
  return steps
    .map((step, index) => {
      if (typeof step === "string") return index === 0 ? step : `.${step}`;
      const item = valueAtSteps(inputs, steps.slice(0, index + 1));
      const label = ["key", "name", "ref", "rule"]
        .map((key) => field(item, key))
        .find((v): v is string => typeof v === "string" && v !== "" && v !== REDACTED);
      return `[${label ?? step}]`;
    })
    .join("");
}

/** `platform:<key>` → the plaintext the offline run used, for each secret key the stack sets. */
export function configSecretValues(
  values: Record<string, string>,
  secretKeys: readonly string[],
): Record<string, string> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const ours = secretKeys.filter((key) => key.startsWith(prefix) && key in values);
  return Object.fromEntries(ours.map((key) => [key.slice(prefix.length), values[key] ?? ""]));
}

/** Every secret input of the plan: where it goes, and its value (compared, never printed). */
const secretLeaves = (resources: readonly Recorded[]) =>
  resources.flatMap((resource) =>
    resource.secretInputs.map((path) => ({
      destination: {
        resource: resource.name,
        type: resource.type,
        where: readablePath(resource.redactedInputs, path),
      },
      value: valueAtSteps(resource.inputs, pathSteps(path)),
      resource,
      path,
    })),
  );

export type SecretDestination = ReturnType<typeof secretLeaves>[number]["destination"];

const byPlace = (a: SecretDestination, b: SecretDestination) =>
  a.resource.localeCompare(b.resource) || a.where.localeCompare(b.where);

/** Every secret key of the config schema, whether the stack sets it and where it goes; the rest. */
export function secretsSection(
  resources: readonly Recorded[],
  configValues: Record<string, string>,
) {
  const attributed = secretLeaves(resources).map(({ destination, value }) => ({
    destination,
    source: Object.entries(configValues).find(
      ([, secret]) =>
        secret.length >= SHORTEST_COMPARED && typeof value === "string" && value.includes(secret),
    )?.[0],
  }));
  const goingTo = (key: string | undefined) =>
    attributed
      .filter((leaf) => leaf.source === key)
      .map((leaf) => leaf.destination)
      .sort(byPlace);
  const schema = configJsonSchema().properties ?? {};
  return {
    config: SECRET_KEYS.map((key) => ({
      key,
      set: key in configValues,
      description: text(schema[key]?.description) ?? "",
      destinations: goingTo(key),
    })),
    /** Passwords, keys and URLs the stack or a provider makes: no config key provides them. */
    generated: goingTo(undefined),
  };
}

/**
 * Each PostgreSQL URL among the secret inputs, described without its credentials: its libpq
 * `sslmode` (null when unset), whether its host is DigitalOcean's private (VPC) name, and whether
 * the same env list carries the cluster's CA certificate to verify the server with.
 */
export function databaseConnections(resources: readonly Recorded[]) {
  return secretLeaves(resources)
    .flatMap(({ destination, value, resource, path }) => {
      if (typeof value !== "string" || !URL.canParse(value)) return [];
      const url = new URL(value);
      if (!/^postgres(ql)?:$/.test(url.protocol)) return [];
      const steps = pathSteps(path);
      const envs = steps.lastIndexOf("envs");
      const siblings =
        envs < 0 ? [] : records(valueAtSteps(resource.redactedInputs, steps.slice(0, envs + 1)));
      return [
        {
          ...destination,
          sslmode: url.searchParams.get("sslmode"),
          privateHost: url.hostname.startsWith("private-"),
          caCertificate: siblings.some((env) => String(env.key).endsWith("CA_CERT")),
        },
      ];
    })
    .sort(byPlace);
}

export type DatabaseConnection = ReturnType<typeof databaseConnections>[number];

/**
 * The strings a printed report must never contain: every secret input of the plan and every
 * secret config value. Short ones are left out: they would match ordinary words.
 */
export function secretValuesOf(
  resources: readonly Recorded[],
  configValues: Record<string, string>,
) {
  const fromInputs = secretLeaves(resources).flatMap(({ value, destination }) =>
    typeof value === "string"
      ? [{ value, name: `${destination.resource} ${destination.where}` }]
      : [],
  );
  const fromConfig = Object.entries(configValues).map(([name, value]) => ({ value, name }));
  return [...fromInputs, ...fromConfig].filter(({ value }) => value.length >= SHORTEST_COMPARED);
}

/** The name of the first secret whose value `text` contains, or null: the last check before print. */
export function leakedSecret(text: string, secrets: readonly { value: string; name: string }[]) {
  return secrets.find(({ value }) => text.includes(value))?.name ?? null;
}
