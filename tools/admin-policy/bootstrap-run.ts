// The bootstrap's offline run for `pnpm admin-policy`, apart from the command line: loading the
// Pulumi SDK takes a second, which a usage error or `--help` need not wait for.
import { existsSync } from "node:fs";
import { Exit } from "../command-line.ts";
import type { ProgramRun } from "../mock/run-program.ts";
import { BOOTSTRAP_STACK_FILE, runBootstrap } from "../mock/run-stack.ts";
import { toolRun } from "../mock/tool-run.ts";

/** The bootstrap's run under the mock runtime, or an Exit naming what stopped it. */
export async function bootstrapRun(stackFile = BOOTSTRAP_STACK_FILE): Promise<ProgramRun> {
  if (!existsSync(stackFile)) {
    throw new Exit(1, `No stack file ${stackFile}. The bootstrap's is ${BOOTSTRAP_STACK_FILE}.`);
  }
  return toolRun(
    () => runBootstrap({ stackFile }),
    "The bootstrap failed under the mock runtime (pnpm plan bootstrap shows the same)",
  );
}
