// Section 6: which secrets exist and where each goes, by name only. This is the one part of the
// report that looks at secret values, and only at the offline plan's: `secure:` config values are
// the schema's examples there (tools/mock/run-stack.ts) and provider credentials are the mocks', so
// no real secret is ever in this process. The values are compared, never copied into the report:
// a config key's value found inside a resource's secret input says where that key goes; a
// connection URL yields its `sslmode` and whether its host is private, nothing else.
import { configJsonSchema } from "../../stacks/config/problems.ts";
import { CONFIG_NAMESPACE, SECRET_KEYS } from "../../stacks/config/schema.ts";
import type { RecordedResource } from "../mock/run-program.ts";
import { pathSteps, valueAtSteps } from "../mock/secrets.ts";

export interface SecretDestination {
  resource: string;
  type: string;
  /** The input path with list items named, e.g. `spec.services[items].envs[DATABASE_URL].value`. */
  where: string;
}

export interface ConfigSecret {
  key: string;
  set: boolean;
  description: string;
  destinations: SecretDestination[];
}

export interface SecretsSection {
  /** Every secret key of the config schema, whether the stack sets it, and where it goes. */
  config: ConfigSecret[];
  /** Secret inputs no config key provides: passwords, keys and URLs the stack or a provider makes. */
  generated: SecretDestination[];
}

/** A database connection URL handed to a service, described without its credentials. */
export interface DatabaseConnection extends SecretDestination {
  /** libpq `sslmode` of the URL; null when the URL sets none (libpq then tries TLS, then not). */
  sslmode: string | null;
  /** The host is DigitalOcean's private (VPC) name of the cluster, pool or replica. */
  privateHost: boolean;
  /** The same service also receives the cluster's CA certificate to verify the server with. */
  caCertificate: boolean;
}

type Recorded = Pick<
  RecordedResource,
  "name" | "type" | "inputs" | "redactedInputs" | "secretInputs"
>;

/** The smallest config secret compared by containment: shorter ones could match by chance. */
const SHORTEST_COMPARED = 8;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An item of a list named by what identifies it: an env var's `key`, a service's `name`, a
 * Cloudflare rule's `ref`, an App Platform alert's `rule`.
 */
function itemLabel(item: unknown): string | null {
  if (!isRecord(item)) return null;
  for (const field of ["key", "name", "ref", "rule"]) {
    const value = item[field];
    if (typeof value === "string" && value !== "" && value !== "[secret]") return value;
  }
  return null;
}

/** `spec.services[1].envs[3].value` → `spec.services[items].envs[DATABASE_URL].value`. */
export function readablePath(inputs: Record<string, unknown>, path: string): string {
  const steps = pathSteps(path);
  let text = "";
  steps.forEach((step, index) => {
    if (typeof step === "number") {
      const label = itemLabel(valueAtSteps(inputs, steps.slice(0, index + 1)));
      text += `[${label ?? step}]`;
    } else {
      text += text === "" ? step : `.${step}`;
    }
  });
  return text;
}

function descriptionOf(key: string): string {
  const node = configJsonSchema().properties?.[key];
  return typeof node?.description === "string" ? node.description : "";
}

/** `platform:<key>` → the plaintext the offline run used for each secret key the stack sets. */
export type ConfigSecretValues = Record<string, string>;

export function configSecretValues(
  values: Record<string, string>,
  secretKeys: readonly string[],
): ConfigSecretValues {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    secretKeys
      .filter((key) => key.startsWith(prefix))
      .flatMap((key) => {
        const value = values[key];
        return value === undefined ? [] : [[key.slice(prefix.length), value] as const];
      }),
  );
}

interface SecretLeaf {
  destination: SecretDestination;
  value: unknown;
  resource: Recorded;
  path: string;
}

function secretLeaves(resources: readonly Recorded[]): SecretLeaf[] {
  return resources.flatMap((resource) =>
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
}

const byPlace = (a: SecretDestination, b: SecretDestination) =>
  a.resource.localeCompare(b.resource) || a.where.localeCompare(b.where);

export function secretsSection(
  resources: readonly Recorded[],
  configValues: ConfigSecretValues,
): SecretsSection {
  const leaves = secretLeaves(resources);
  const sourceOf = (value: unknown): string | null => {
    if (typeof value !== "string") return null;
    const match = Object.entries(configValues).find(
      ([, secret]) => secret.length >= SHORTEST_COMPARED && value.includes(secret),
    );
    return match?.[0] ?? null;
  };
  const attributed = leaves.map((leaf) => ({ ...leaf, source: sourceOf(leaf.value) }));
  return {
    config: SECRET_KEYS.map((key) => ({
      key,
      set: key in configValues,
      description: descriptionOf(key),
      destinations: attributed
        .filter((leaf) => leaf.source === key)
        .map((leaf) => leaf.destination)
        .sort(byPlace),
    })),
    generated: attributed
      .filter((leaf) => leaf.source === null)
      .map((leaf) => leaf.destination)
      .sort(byPlace),
  };
}

/** The env list a path's env var belongs to, e.g. `spec.services[1].envs`. */
function envListOf(resource: Recorded, path: string): unknown {
  const steps = pathSteps(path);
  const envIndex = steps.findLastIndex((step) => step === "envs");
  return envIndex < 0
    ? undefined
    : valueAtSteps(resource.redactedInputs, steps.slice(0, envIndex + 1));
}

/** Each PostgreSQL URL among the secret inputs: its TLS mode and host kind, never its secret. */
export function databaseConnections(resources: readonly Recorded[]): DatabaseConnection[] {
  return secretLeaves(resources)
    .flatMap((leaf) => {
      if (typeof leaf.value !== "string" || !/^postgres(ql)?:\/\//.test(leaf.value)) return [];
      let url: URL;
      try {
        url = new URL(leaf.value);
      } catch {
        return [];
      }
      const envs = envListOf(leaf.resource, leaf.path);
      const caCertificate =
        Array.isArray(envs) &&
        envs.some(
          (env) => isRecord(env) && typeof env.key === "string" && env.key.endsWith("CA_CERT"),
        );
      return [
        {
          ...leaf.destination,
          sslmode: url.searchParams.get("sslmode"),
          privateHost: url.hostname.startsWith("private-"),
          caCertificate,
        },
      ];
    })
    .sort(byPlace);
}

/**
 * The strings a printed report must never contain: every secret input of the plan and every
 * secret config value. Short ones are left out: they would match ordinary words.
 */
export function secretValuesOf(
  resources: readonly Recorded[],
  configValues: ConfigSecretValues,
): { value: string; name: string }[] {
  const fromInputs = secretLeaves(resources).flatMap((leaf) =>
    typeof leaf.value === "string"
      ? [{ value: leaf.value, name: `${leaf.destination.resource} ${leaf.destination.where}` }]
      : [],
  );
  const fromConfig = Object.entries(configValues).map(([key, value]) => ({ value, name: key }));
  return [...fromInputs, ...fromConfig].filter(({ value }) => value.length >= SHORTEST_COMPARED);
}

/** The name of the first secret whose value `text` contains, or null: the last check before print. */
export function leakedSecret(
  text: string,
  secrets: readonly { value: string; name: string }[],
): string | null {
  return secrets.find(({ value }) => text.includes(value))?.name ?? null;
}
