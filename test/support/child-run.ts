import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import type { RunBootstrapOptions, RunStackOptions } from "../../tools/mock/run-stack.ts";

export interface ChildRun {
  errors: string[];
  /** `pnpm plan --json` of the run, secrets redacted. */
  manifest: string;
  options: {
    type: string;
    name: string;
    ignoreChanges: string[];
    dependsOn: string[];
    replacementTrigger: unknown;
    protect: boolean;
    retainOnDelete: boolean;
  }[];
  /** The whole run record, when asked for (`full`); its errors as text. */
  run?: ProgramRun;
}

const script = fileURLToPath(new URL("./stack-in-child.ts", import.meta.url));

/**
 * Runs a stack under the mock runtime in a process of its own, with `env` added to its
 * environment; `identity` is the bootstrap project's stack.
 */
export async function runStackInChild(
  stack: string,
  options: RunStackOptions | RunBootstrapOptions = {},
  env: Record<string, string> = {},
  full = false,
): Promise<ChildRun> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [script, JSON.stringify({ stack, options, full })],
    { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
  );
  return JSON.parse(stdout) as ChildRun;
}

export function ignoreChangesOf(run: ChildRun, type: string, name: string): string[] {
  const found = run.options.find((resource) => resource.type === type && resource.name === name);
  if (found === undefined) throw new Error(`no ${type} named ${name} in the child run`);
  return found.ignoreChanges;
}
