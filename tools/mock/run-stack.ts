// Runs the platform program for one of this repository's stacks, with its real stack file.
// `secure:` values stand in as the schema's own examples, so a stack that sets a secret exercises
// the same code paths offline as it does in the cloud.
import { fileURLToPath, pathToFileURL } from "node:url";
import { exampleAt } from "../../stacks/config/problems.ts";
import { BOOTSTRAP_NAMESPACE } from "../../bootstrap/config.ts";
import { CONFIG_NAMESPACE } from "../../stacks/config/schema.ts";
import { startFakeDigitalOceanApi } from "./digitalocean-api.ts";
import type { FakeWorld } from "./provider-outputs.ts";
import { runProgram, type ProgramRun } from "./run-program.ts";
import { readStackFile, type StackFileConfig } from "../../stacks/config/stack-file.ts";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PROGRAM_ENTRY = fileURLToPath(new URL("../../stacks/index.ts", import.meta.url));
export const BOOTSTRAP_ENTRY = fileURLToPath(new URL("../../bootstrap/index.ts", import.meta.url));
/** The bootstrap project's one stack. */
export const BOOTSTRAP_STACK = "identity";
export const BOOTSTRAP_STACK_FILE = `${REPOSITORY_ROOT}bootstrap/Pulumi.${BOOTSTRAP_STACK}.yaml`;

export function stackFilePath(stack: string): string {
  return `${REPOSITORY_ROOT}Pulumi.${stack}.yaml`;
}

/** The plaintext that replaces a `secure:` value offline. */
export function fakeSecret(key: string): string {
  const example = exampleAt([key]);
  return typeof example === "string" ? example : `offline-secret-for-${key}`;
}

export async function readStack(
  stack: string,
  stackFile = stackFilePath(stack),
): Promise<StackFileConfig> {
  return readStackFile(stackFile, CONFIG_NAMESPACE, fakeSecret);
}

export interface RunStackOptions {
  /** Another stack file than `Pulumi.<stack>.yaml`. */
  stackFile?: string;
  /** Replaces whole config keys (`platform:<key>` → Pulumi's string form) before the run. */
  configOverrides?: Record<string, string>;
  /** Keys in `configOverrides` that are secret. */
  secretOverrides?: string[];
  dryRun?: boolean;
  /**
   * The DigitalOcean team the credentials belong to.
   * @default the team the stack's config names
   */
  credentialsTeam?: string;
  /**
   * The AWS account the credentials belong to (what STS GetCallerIdentity answers).
   * @default the account the stack's config names
   */
  credentialsAccount?: string;
  /** What the stack's last deployment exported; a never-deployed stack when absent. */
  lastOutputs?: Record<string, unknown>;
  /** What the fake cloud holds beyond the program's inputs (which image build, say). */
  world?: FakeWorld;
}

/** The team named in `platform:digitalocean`, or a stand-in when the config has none. */
function configuredTeam(config: Record<string, string>): string {
  try {
    const group = JSON.parse(config[`${CONFIG_NAMESPACE}:digitalocean`] ?? "{}") as {
      team?: unknown;
    };
    return typeof group.team === "string" ? group.team : "offline-team";
  } catch {
    return "offline-team";
  }
}

/** The AWS account named in `platform:aws`, or a stand-in when the config has none. */
function configuredAccount(config: Record<string, string>): string {
  try {
    const group = JSON.parse(config[`${CONFIG_NAMESPACE}:aws`] ?? "{}") as { accountId?: unknown };
    return typeof group.accountId === "string" ? group.accountId : "123456789012";
  } catch {
    return "123456789012";
  }
}

export async function runStack(stack: string, options: RunStackOptions = {}): Promise<ProgramRun> {
  const file = await readStack(stack, options.stackFile);
  const config = { ...file.values, ...options.configOverrides };
  // The program checks its DigitalOcean team over HTTP before registering anything; offline, a
  // local stand-in answers, with the provider's own config keys pointing at it.
  const fake = await startFakeDigitalOceanApi(options.credentialsTeam ?? configuredTeam(config));
  try {
    return await runProgram({
      project: CONFIG_NAMESPACE,
      stack,
      program: () => import(pathToFileURL(PROGRAM_ENTRY).href),
      config: {
        ...config,
        "digitalocean:token": "offline-token",
        "digitalocean:apiEndpoint": fake.endpoint,
      },
      secretKeys: [...file.secretKeys, ...(options.secretOverrides ?? []), "digitalocean:token"],
      dryRun: options.dryRun ?? false,
      callerAccountId: options.credentialsAccount ?? configuredAccount(config),
      ...(options.lastOutputs === undefined ? {} : { lastOutputs: options.lastOutputs }),
      ...(options.world === undefined ? {} : { world: options.world }),
    });
  } finally {
    await fake.close();
  }
}

export interface RunBootstrapOptions {
  /** Another stack file than `bootstrap/Pulumi.identity.yaml`. */
  stackFile?: string;
  /** Replaces whole config keys (`platform-bootstrap:<key>` → Pulumi's string form). */
  configOverrides?: Record<string, string>;
  dryRun?: boolean;
}

/** Runs the bootstrap project under the mock runtime, with its real stack file. */
export async function runBootstrap(options: RunBootstrapOptions = {}): Promise<ProgramRun> {
  const file = await readStackFile(
    options.stackFile ?? BOOTSTRAP_STACK_FILE,
    BOOTSTRAP_NAMESPACE,
    (key) => `offline-secret-for-${key}`,
  );
  return runProgram({
    project: BOOTSTRAP_NAMESPACE,
    stack: BOOTSTRAP_STACK,
    program: () => import(pathToFileURL(BOOTSTRAP_ENTRY).href),
    config: { ...file.values, ...options.configOverrides },
    secretKeys: file.secretKeys,
    dryRun: options.dryRun ?? false,
  });
}
