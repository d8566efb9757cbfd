// The command lines of the stack tools (pnpm cost, pnpm audit-report), and how one ends early: a message on stderr and an exit code (1: bad input,
// 2: bad usage), thrown from anywhere in the tool and turned into both by its main.
import { parseArgs, type ParseArgsConfig } from "node:util";

export class Exit extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
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

/** Runs a tool's main: its exit code, or an Exit's message on stderr and its code. */
export async function exitCodeOf(
  main: () => Promise<number>,
  stderr: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  try {
    return await main();
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    stderr.write(`${error.message}\n`);
    return error.code;
  }
}
