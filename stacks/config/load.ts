// Loads the stack's config once, before any resource exists: every problem is collected and
// reported together, and nothing is registered while any remains.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { crossStackProblems, type OtherStackFile, readOtherStackFiles } from "./cross-stack.ts";
import { exampleValueProblems, exampleValuesIn, underMockRuntime } from "./placeholders.ts";
import {
  derivedKeyProblem,
  foreignKeyProblem,
  formatProblems,
  plaintextCredentialProblem,
  plaintextSecretProblem,
  providedByRename,
  problemsFromIssues,
  type ConfigProblem,
} from "./problems.ts";
import { providerCredential } from "./provider-credentials.ts";
import { checkCrossFieldRules, type RuleContext } from "./rules.ts";
import {
  CONFIG_NAMESPACE,
  GROUP_KEYS,
  SECRET_KEYS,
  schemaFor,
  type StackConfig,
} from "./schema.ts";
import { catalogProblems } from "./service-catalog-rules.ts";
import { configValue } from "./stack-file.ts";
import { isUnreadSetting, unreadSettingProblems } from "./unread-settings.ts";
import { SERVICE_CATALOG } from "../service-catalog.ts";

export type SecretKey = (typeof SECRET_KEYS)[number];

/** The validated config, with every secret kept inside a Pulumi secret. */
export type PlatformConfig = Omit<StackConfig, SecretKey> & {
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
  /**
   * SHA-256 of each secret that is set: changes when the secret does, and tells nothing about it
   * (every secret here is a long random token or URL). Lets the stack notice a rotated secret
   * without unwrapping it.
   */
  secretFingerprints: Partial<Record<SecretKey, string>>;
};

/** Stack config as Pulumi hands it to a program: string values, and which keys are secret. */
export interface RawStackConfig {
  stack: string;
  /** Keys without the `platform:` namespace; structured values are JSON text. */
  values: Readonly<Record<string, string>>;
  secretKeys: ReadonlySet<string>;
  /** Keys of other namespaces (`aws:region`, …), in full; a namespace nobody reads is a typo. */
  otherKeys?: Readonly<Record<string, string>>;
  /** Which of `otherKeys` are secret, in full (`aws:secretKey`). */
  otherSecretKeys?: ReadonlySet<string>;
  /** The repository's other stack files, which this stack must not collide with (cross-stack.ts). */
  otherStacks?: readonly OtherStackFile[];
}

export type LoadResult =
  { ok: true; config: PlatformConfig } | { ok: false; problems: ConfigProblem[] };

/** Thrown by `loadStackConfig`; a RunError, so Pulumi prints the message without a stack trace. */
export class ConfigError extends pulumi.RunError {
  readonly problems: readonly ConfigProblem[];

  constructor(stack: string, problems: readonly ConfigProblem[]) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

// A missing group is read as an empty one, so that each of its required keys is reported with its
// own example instead of one vague "database is missing".
const parseStructured = (text: string | undefined) => (text === undefined ? {} : configValue(text));

const KNOWN_KEYS: ReadonlySet<string> = new Set([...GROUP_KEYS, ...SECRET_KEYS, "environment"]);

/** The object the schema parses: structured groups decoded, the stack name as `environment`. */
export function schemaInput(raw: RawStackConfig): Record<string, unknown> {
  const input: Record<string, unknown> = { ...raw.values, environment: raw.stack };
  for (const key of GROUP_KEYS) input[key] = parseStructured(raw.values[key]);
  // Unknown keys too, so that a misspelt group is renamed leaf by leaf.
  for (const key of Object.keys(raw.values)) {
    if (!KNOWN_KEYS.has(key)) input[key] = parseStructured(raw.values[key]);
  }
  return input;
}

/**
 * What validation knows besides the config: the time now, the last deployment's restore point,
 * and the service catalog the stack sizes (its own problems are the stack's too: nothing derives
 * from a broken catalog).
 */
export type ValidationContext = RuleContext;

export function validateStackConfig(raw: RawStackConfig, context: ValidationContext): LoadResult {
  const input = schemaInput(raw);
  const catalog = catalogProblems(context.catalog ?? SERVICE_CATALOG);
  // The schema of the stack's catalog with every cross-field rule: `when` runs the rules even when
  // some keys are invalid; each rule skips itself if its own are.
  const parsed = schemaFor(context.catalog ?? SERVICE_CATALOG)
    .superRefine(
      (config, ctx) => {
        checkCrossFieldRules(config, ctx, context);
      },
      { when: () => true },
    )
    .safeParse(input);
  const plaintextSecrets = SECRET_KEYS.filter(
    (key) => raw.values[key] !== undefined && !raw.secretKeys.has(key),
  ).map(plaintextSecretProblem);
  const derived =
    raw.values.environment === undefined ? [] : [derivedKeyProblem("environment", raw.stack)];
  const foreign = Object.entries(raw.otherKeys ?? {}).flatMap(
    ([key, value]) =>
      foreignKeyProblem(key, parseStructured(value), (key.split(":")[1] ?? "") in raw.values) ?? [],
  );
  const plaintextCredentials = Object.keys(raw.otherKeys ?? {})
    .filter((key) => raw.otherSecretKeys?.has(key) !== true && !isUnreadSetting(key))
    .flatMap((key) => providerCredential(key) ?? [])
    .map(plaintextCredentialProblem);
  const renamedFromForeign = new Set(foreign.flatMap((problem) => problem.alsoFixes ?? []));
  const schemaProblems = parsed.success ? [] : problemsFromIssues(parsed.error.issues, input);
  const problems = [
    ...catalog,
    ...derived,
    ...schemaProblems.filter((problem) => !providedByRename(problem, renamedFromForeign)),
    ...foreign,
    ...plaintextSecrets,
    ...plaintextCredentials,
    ...unreadSettingProblems(raw.otherKeys ?? {}, raw.otherSecretKeys ?? new Set()),
    ...crossStackProblems(raw.stack, raw.values, raw.otherStacks ?? []),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  const plain: Record<string, unknown> = { ...parsed.data };
  const secrets: PlatformConfig["secrets"] = {};
  const secretFingerprints: PlatformConfig["secretFingerprints"] = {};
  for (const key of SECRET_KEYS) {
    const value = parsed.data[key];
    Reflect.deleteProperty(plain, key);
    if (value === undefined) continue;
    secrets[key] = pulumi.secret(value);
    secretFingerprints[key] = createHash("sha256").update(value).digest("hex");
  }
  // What is left of the parse once every secret key is taken out of it.
  const rest = plain as Omit<StackConfig, SecretKey>;
  return { ok: true, config: { ...rest, secrets, secretFingerprints } };
}

/**
 * Whether Pulumi marked a config key secret. The SDK keeps this check internal
 * (`runtime.isConfigSecret`), though both the CLI and the mock runtime feed it.
 */
function isConfigSecret(fullKey: string): boolean {
  const check: unknown = Reflect.get(pulumi.runtime, "isConfigSecret");
  if (typeof check !== "function") {
    throw new Error(
      "@pulumi/pulumi no longer exposes runtime.isConfigSecret; the config loader cannot tell secrets from plaintext",
    );
  }
  const secret: unknown = Reflect.apply(check, pulumi.runtime, [fullKey]);
  return secret === true;
}

/** The current stack's config, as the Pulumi runtime holds it. */
export function readStackConfig(): RawStackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, string> = {};
  const otherKeys: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const otherSecretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) {
      otherKeys[fullKey] = value;
      if (isConfigSecret(fullKey)) otherSecretKeys.add(fullKey);
      continue;
    }
    const key = fullKey.slice(prefix.length);
    values[key] = value;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  const stack = pulumi.getStack();
  const otherStacks = readOtherStackFiles(PROJECT_ROOT, stack);
  return { stack, values, secretKeys, otherKeys, otherSecretKeys, otherStacks };
}

/** Where Pulumi.yaml and every stack file live. */
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Under the real engine (not the offline plan: placeholders.ts), stops the run while any example
 * value the repository ships remains, listing each. Called before anything is registered.
 */
export function refuseExampleValues(raw: RawStackConfig, mocked = underMockRuntime()): void {
  if (mocked) return;
  const problems = exampleValueProblems(exampleValuesIn(raw));
  if (problems.length > 0) throw new ConfigError(raw.stack, problems);
}

/** Validates the stack's config, or throws a ConfigError that lists every problem. */
export function loadStackConfig(raw: RawStackConfig, context: ValidationContext): PlatformConfig {
  const result = validateStackConfig(raw, context);
  if (!result.ok) throw new ConfigError(raw.stack, result.problems);
  return result.config;
}
