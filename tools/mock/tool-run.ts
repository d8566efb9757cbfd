// A program run for a command-line tool (`pnpm cost`, `pnpm admin-policy`): the run, or an Exit
// that prints what stopped it — the stack file, the config problems, or the program's errors.
import { ConfigError } from "../../stacks/config/load.ts";
import { StackFileError } from "../../stacks/config/stack-file.ts";
import { Exit } from "../command-line.ts";
import type { ProgramRun } from "./run-program.ts";

export async function toolRun(
  start: () => Promise<ProgramRun>,
  failed = "The program failed under the mock runtime",
): Promise<ProgramRun> {
  let run;
  try {
    run = await start();
  } catch (error) {
    if (error instanceof StackFileError) throw new Exit(1, error.message);
    throw error;
  }
  const configErrors = run.errors.filter((error) => error instanceof ConfigError);
  if (configErrors.length > 0) {
    throw new Exit(1, configErrors.map((error) => error.message).join("\n"));
  }
  if (run.errors.length > 0) {
    throw new Exit(1, `${failed}:\n${run.errors.map(String).join("\n")}`);
  }
  return run;
}
