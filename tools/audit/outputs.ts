// The `platform` stack output as the report reads it: from the offline plan, or from a real
// deployment (`pulumi stack output --json`). The shapes are those of stacks/outputs.ts with every
// `Output<T>` resolved; a deployment of an older commit may lack whole sections, so each top-level
// key is optional and the report says when one is missing.
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformOutputs } from "../../stacks/outputs.ts";
import { REDACTED } from "../mock/secrets.ts";

/** `T` as JSON carries it: every `Output<U>` replaced by `U`. */
export type Plain<T> =
  T extends pulumi.Output<infer U>
    ? Plain<U>
    : T extends readonly (infer E)[]
      ? Plain<E>[]
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

export type PlatformFacts = Partial<Plain<PlatformOutputs>> & { environment: string };

/** A bad `--outputs` input: one line that names the file and the fix. */
export class OutputsError extends Error {
  override name = "OutputsError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const HOW_TO = (stack: string) => `pulumi stack output --json --stack ${stack}`;

/**
 * The `platform` object of `pulumi stack output --json`, checked for what every section needs:
 * an object whose `environment` is the stack. Other top-level outputs are ignored (never printed).
 */
export function parseStackOutputs(text: string, source: string, stack: string): PlatformFacts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // V8's message quotes the start of the input, which could be anything, a secret included:
    // the error names the source only.
    throw new OutputsError(
      `${source} is not JSON; pipe the stack's outputs in: ${HOW_TO(stack)} | pnpm audit-report ${stack} --outputs -`,
    );
  }
  // `pulumi stack output --json` wraps every output by name; `pulumi stack output platform --json`
  // (the form the README shows for reading the object) prints the object alone.
  const platform =
    isRecord(parsed) && isRecord(parsed.platform)
      ? parsed.platform
      : isRecord(parsed) && typeof parsed.environment === "string"
        ? parsed
        : undefined;
  if (platform === undefined) {
    throw new OutputsError(
      `${source} has no "platform" object: it is not the output of ${HOW_TO(stack)} for this project`,
    );
  }
  const { environment } = platform;
  if (environment !== stack) {
    // Named only when it looks like a stack name: the input is not ours to echo.
    const other =
      typeof environment === "string" && /^[a-z0-9-]{1,40}$/.test(environment)
        ? `stack "${environment}"`
        : "another stack";
    throw new OutputsError(
      `${source} holds the outputs of ${other}, not "${stack}": run ${HOW_TO(stack)}`,
    );
  }
  return platform as PlatformFacts;
}

/**
 * Paths (`platform.x.y`) where the offline plan has a secret output and `real` has a plaintext
 * value: outputs written with `--show-secrets`. The report refuses them rather than choose what to
 * hide, so a secret output can never reach an auditor's document.
 */
export function plaintextSecretPaths(offline: unknown, real: unknown, path = "platform"): string[] {
  if (offline === REDACTED) {
    return real === REDACTED || real === undefined || real === null ? [] : [path];
  }
  if (Array.isArray(offline) && Array.isArray(real)) {
    // A real list may be longer than the plan's (more replicas, more checks): items past the
    // plan's end are checked against its first item, which has the same shape.
    return real.flatMap((item, index) =>
      plaintextSecretPaths(offline[index] ?? offline[0], item, `${path}[${index}]`),
    );
  }
  if (isRecord(offline) && isRecord(real)) {
    return Object.keys(offline).flatMap((key) =>
      plaintextSecretPaths(offline[key], real[key], `${path}.${key}`),
    );
  }
  return [];
}
