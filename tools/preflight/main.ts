// `pnpm preflight <stack>`: before the first `pulumi up`, and in every deploy job before `up`, asks
// each provider with this shell's real credentials what `up` would otherwise find out halfway:
// tokens and their scopes, the team and account the stack names, App Platform accepting the specs
// with their VPC, the registry name, the zone's plan and the Load Balancing add-on, rulesets to
// adopt (with the import), the GitHub plan against the bootstrap's environments, the backend.
// Read-only: it creates, changes and writes nothing (the import it prints is for you to run).
//   --json                 one object: {stack, ok, counts, checks: [{id, group, title, status,
//                          detail, fix}], importFile}
//   --stack-file <path>    another stack file than Pulumi.<stack>.yaml
// Exits 1 when any check failed, 2 on bad usage.
import { existsSync } from "node:fs";
import { ENVIRONMENTS } from "../../stacks/config/catalog.ts";
import {
  Exit,
  exitCodeOf,
  parseCommandLine,
  STACK_TOOL_OPTIONS,
  type ToolProcess,
} from "../command-line.ts";
import { stackFilePath } from "../mock/run-stack.ts";
import { renderText } from "./check.ts";
import { planBoth, type Plans } from "./plans.ts";
import { runPreflight } from "./preflight.ts";

const usage = "usage: pnpm preflight <staging|production> [--json] [--stack-file <path>]";

/** Where the offline plans come from: `planBoth` (two child processes), or a test's own. */
export type PlanSource = (stack: string, stackFile?: string) => Promise<Plans>;

async function preflight({ argv, env, stdout }: ToolProcess, plans: PlanSource): Promise<number> {
  const { values, positionals } = parseCommandLine(
    { args: argv, allowPositionals: true, options: STACK_TOOL_OPTIONS },
    usage,
  );
  if (values.help) {
    stdout.write(`${usage}\n`);
    return 0;
  }
  const [stack, ...rest] = positionals;
  if (stack === undefined || rest.length > 0) {
    throw new Exit(2, `${usage}\n(name the one stack to check: its accounts are real)`);
  }
  const stackFile = values["stack-file"] ?? stackFilePath(stack);
  if (!existsSync(stackFile)) {
    throw new Exit(
      1,
      `No stack file ${stackFile}. Stacks of this project: ${ENVIRONMENTS.join(", ")} (pnpm preflight staging).`,
    );
  }
  const report = await runPreflight({
    stack,
    stackFile,
    env,
    plans: () => plans(stack, values["stack-file"]),
  });
  stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return report.ok ? 0 : 1;
}

/** `pnpm preflight` with `tool`'s arguments, environment and streams: the exit code. */
export function main(tool: ToolProcess, plans: PlanSource = planBoth): Promise<number> {
  return exitCodeOf(() => preflight(tool, plans), tool.stderr);
}
