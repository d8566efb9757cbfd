// `pnpm plan [stack] [--json]`: the offline preview. Runs the real program against the stack's
// real config under Pulumi's mock runtime, and prints what it would declare. Needs no credentials,
// so it also serves pull requests from forks.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ENVIRONMENTS } from "../../stacks/config/catalog.ts";
import { ConfigError } from "../../stacks/config/load.ts";
import { runStack, stackFilePath } from "../mock/run-stack.ts";
import { renderHuman, renderManifest } from "./render.ts";

const usage =
  "usage: pnpm plan [staging|production] [--json] [--stack-file <path>] [--last-outputs <path>]";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      "stack-file": { type: "string" },
      // `pulumi stack output --json` of the last deployment: plans the run that would follow it.
      "last-outputs": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const stack = positionals[0] ?? "staging";
  const stackFile = values["stack-file"] ?? stackFilePath(stack);
  if (!existsSync(stackFile)) {
    process.stderr.write(
      `No stack file ${stackFile}. Stacks of this project: ${ENVIRONMENTS.join(", ")} (pnpm plan production).\n`,
    );
    return 1;
  }
  const lastOutputsFile = values["last-outputs"];
  let lastOutputs: Record<string, unknown> | undefined;
  if (lastOutputsFile !== undefined) {
    try {
      lastOutputs = JSON.parse(readFileSync(lastOutputsFile, "utf8")) as Record<string, unknown>;
    } catch (error) {
      process.stderr.write(
        `Cannot read --last-outputs ${lastOutputsFile}: ${(error as Error).message}. Write it with: pulumi stack output --json > ${lastOutputsFile}\n`,
      );
      return 1;
    }
  }
  const run = await runStack(stack, {
    stackFile,
    ...(lastOutputs === undefined ? {} : { lastOutputs }),
  });

  const configErrors = run.errors.filter((error) => error instanceof ConfigError);
  if (configErrors.length > 0) {
    process.stderr.write(`${configErrors.map((error) => error.message).join("\n")}\n`);
    return 1;
  }
  if (run.errors.length > 0) {
    process.stderr.write(
      `The program failed under the mock runtime:\n${run.errors.map(String).join("\n")}\n`,
    );
    return 1;
  }
  process.stdout.write(values.json ? renderManifest(stack, run) : `${renderHuman(stack, run)}\n`);
  return 0;
}

process.exitCode = await main();
