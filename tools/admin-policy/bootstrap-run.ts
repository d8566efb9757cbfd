// The bootstrap's offline run for `pnpm admin-policy`, apart from the command line: loading the
// Pulumi SDK takes a second, which a usage error or `--help` need not wait for.
import { existsSync } from "node:fs";
import { ConfigError } from "../../stacks/config/load.ts";
import { StackFileError } from "../../stacks/config/stack-file.ts";
import { Exit } from "../command-line.ts";
import type { ProgramRun } from "../mock/run-program.ts";
import { BOOTSTRAP_STACK_FILE, runBootstrap } from "../mock/run-stack.ts";

/** The bootstrap's run under the mock runtime, or an Exit naming what stopped it. */
export async function bootstrapRun(stackFile = BOOTSTRAP_STACK_FILE): Promise<ProgramRun> {
  if (!existsSync(stackFile)) {
    throw new Exit(1, `No stack file ${stackFile}. The bootstrap's is ${BOOTSTRAP_STACK_FILE}.`);
  }
  let run;
  try {
    run = await runBootstrap({ stackFile });
  } catch (error) {
    if (error instanceof StackFileError) throw new Exit(1, error.message);
    throw error;
  }
  const configErrors = run.errors.filter((error) => error instanceof ConfigError);
  if (configErrors.length > 0) {
    throw new Exit(1, configErrors.map((error) => error.message).join("\n"));
  }
  if (run.errors.length > 0) {
    throw new Exit(
      1,
      `The bootstrap failed under the mock runtime (pnpm plan bootstrap shows the same):\n${run.errors.map(String).join("\n")}`,
    );
  }
  return run;
}
