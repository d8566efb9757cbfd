// The command lines of the stack tools (pnpm plan, pnpm cost, pnpm preflight, pnpm audit-report),
// and how one ends early: a message on stderr and an exit code (1: bad input, 2: bad usage),
// thrown from anywhere in the tool and turned into both by its main.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { RunBootstrapOptions, RunStackOptions } from "./mock/run-stack.ts";
import type { ProgramRun } from "./mock/run-program.ts";

export class Exit extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** Where a tool writes: `process.stdout` and `process.stderr` in its cli.ts, strings in a test. */
export interface Output {
  write(text: string): unknown;
}

/**
 * What a tool's main takes from the process it runs in. Only the tool's cli.ts reads `process`;
 * a test calls the same main with its own arguments and streams, in its own process.
 */
export interface ToolProcess {
  /** The arguments after the script's path. */
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: Output;
  stderr: Output;
}

/**
 * How a tool obtains a program run under the mock runtime: `runStack` and `runBootstrap` in its
 * cli.ts; in a test, the run made once for the whole test run when the stack is a standard one.
 */
export interface ProgramRuns {
  stack(stack: string, options: RunStackOptions): Promise<ProgramRun>;
  bootstrap(options: RunBootstrapOptions): Promise<ProgramRun>;
}

/** The flags every stack tool takes: `--json`, `--stack-file <path>` and `--help`. */
export const STACK_TOOL_OPTIONS = {
  json: { type: "boolean", default: false },
  "stack-file": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/**
 * `parseArgs`, with an unknown flag or a missing value as exit 2 and the usage.
 * @param args what follows the script on the command line; `process.argv`'s when absent
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
  usage: string,
  args?: string[],
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(args === undefined ? config : { ...config, args });
  } catch (error) {
    throw new Exit(2, `${(error as Error).message}\n${usage}`);
  }
}

/**
 * Runs a tool's main: its exit code, or an Exit's message on `stderr` and its code.
 * @default stderr the process's
 */
export async function exitCodeOf(
  main: () => Promise<number>,
  stderr: Output = process.stderr,
): Promise<number> {
  try {
    return await main();
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    stderr.write(`${error.message}\n`);
    return error.code;
  }
}
