// Runs a stack tool's main (pnpm plan, pnpm cost, pnpm preflight) in the test's own process, as its
// cli.ts runs it, with the stack's run taken from the runs test/global-setup.ts made once for the
// whole test run (test/support/plans.ts): no child process, no second program run. A tool whose
// input is not one of those runs (another stack file, a last deployment's outputs) stops with an
// error that says to run its cli.ts in a child instead, so no test silently plans the wrong input.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ProgramRuns, ToolProcess } from "../../tools/command-line.ts";
import {
  BOOTSTRAP_STACK,
  BOOTSTRAP_STACK_FILE,
  REPOSITORY_ROOT,
  stackFilePath,
  type RunBootstrapOptions,
  type RunStackOptions,
} from "../../tools/mock/run-stack.ts";
import { planned } from "./plans.ts";
import { PLANNED_STACKS, type PlannedStack } from "./planned-stacks.ts";

/** What a tool ended with: its exit code and everything it wrote. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

function isPlannedStack(stack: string): stack is PlannedStack {
  return (PLANNED_STACKS as readonly string[]).includes(stack);
}

function notPlanned(what: string): Error {
  return new Error(
    `${what} is not a run test/global-setup.ts made: run the tool's cli.ts in a child process (runCli) for it`,
  );
}

/** The standard stacks' runs, made once per test run; anything else is refused. */
export const PLANNED_RUNS: ProgramRuns = {
  async stack(stack: string, options: RunStackOptions) {
    const { stackFile, ...rest } = options;
    const standard = stackFile === undefined || stackFile === stackFilePath(stack);
    if (!isPlannedStack(stack) || !standard || Object.keys(rest).length > 0) {
      throw notPlanned(`stack ${stack} with ${JSON.stringify(options)}`);
    }
    return (await planned(stack)).run;
  },
  async bootstrap(options: RunBootstrapOptions) {
    const { stackFile, ...rest } = options;
    const standard = stackFile === undefined || stackFile === BOOTSTRAP_STACK_FILE;
    if (!standard || Object.keys(rest).length > 0) {
      throw notPlanned(`the bootstrap with ${JSON.stringify(options)}`);
    }
    return (await planned(BOOTSTRAP_STACK)).run;
  },
};

/**
 * Calls a tool's main with `argv`, in the repository's root like `pnpm <tool>`, and collects what
 * it writes. `env` replaces the environment (the process's own by default).
 */
export async function runMain(
  main: (tool: ToolProcess) => Promise<number>,
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<ToolResult> {
  let stdout = "";
  let stderr = "";
  const code = await main({
    argv,
    cwd: REPOSITORY_ROOT,
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Runs a tool's cli.ts (`tools/plan/cli.ts`, say) in a process of its own, from the root. */
export async function runCli(
  script: string,
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...argv], {
      cwd: REPOSITORY_ROOT,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as ToolResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
