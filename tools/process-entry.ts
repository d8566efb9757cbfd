// What a stack tool's cli.ts hands its main: this process's arguments, directory, environment
// and streams, and program runs under the mock runtime in this process. The tools' mains touch
// none of these themselves, so a test can call them in its own process with its own.
import type { ProgramRuns, ToolProcess } from "./command-line.ts";
import { runBootstrap, runStack } from "./mock/run-stack.ts";

/** Runs `main` on this process and sets its exit code. */
export async function runInThisProcess(
  main: (tool: ToolProcess, runs: ProgramRuns) => Promise<number>,
): Promise<void> {
  process.exitCode = await main(
    {
      argv: process.argv.slice(2),
      cwd: process.cwd(),
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    },
    { stack: runStack, bootstrap: runBootstrap },
  );
}
