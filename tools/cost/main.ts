// `pnpm cost [stack]`: the monthly estimate of a stack from its offline plan: line items
// (resource, charge, quantity, unit price, monthly amount) and the total; autoscaled services as a
// range. Needs no credentials.
//   --json                 one object: {stack, currency, monthly, items, unpriced, assumptions, …}
//   --diff <base.json>     Markdown of the estimate before (a base manifest, `pnpm plan --json`)
//                          and after this commit, and the difference: the pull request's review
//   --stack-file <path>    another stack file (tests, experiments)
// Exits 1 when the estimate is incomplete (a resource type or size the price table lacks).
import { existsSync, readFileSync } from "node:fs";
import { estimateCost, type Estimate } from "../../policy/cost/estimate.ts";
import { ENVIRONMENTS } from "../../stacks/config/catalog.ts";
import {
  Exit,
  exitCodeOf,
  parseCommandLine,
  STACK_TOOL_OPTIONS,
  type ProgramRuns,
  type ToolProcess,
} from "../command-line.ts";
import { readStack, stackFilePath } from "../mock/run-stack.ts";
import { toolRun } from "../mock/tool-run.ts";
import { StackFileError } from "../../stacks/config/stack-file.ts";
import { parseManifest } from "../plan/diff.ts";
import { manifestOf } from "../plan/render.ts";
import { costReport, renderCostDiffMarkdown, renderCostText } from "./render.ts";
import { costContextOfStack } from "./stack-context.ts";

const usage =
  "usage: pnpm cost [staging|production] [--json | --diff <base.json>] [--stack-file <path>]";

function commandLine(argv: string[]) {
  const { values, positionals } = parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      options: { ...STACK_TOOL_OPTIONS, diff: { type: "string" } },
    },
    usage,
  );
  if (values.help) return "help" as const;
  if (positionals.length > 1 || (values.json && values.diff !== undefined)) {
    throw new Exit(2, `${usage}\n(one of --json, --diff at a time)`);
  }
  const stack = positionals[0] ?? "staging";
  const stackFile = values["stack-file"] ?? stackFilePath(stack);
  if (!existsSync(stackFile)) {
    throw new Exit(
      1,
      `No stack file ${stackFile}. Stacks of this project: ${ENVIRONMENTS.join(", ")} (pnpm cost production).`,
    );
  }
  return { stack, stackFile, json: values.json, diff: values.diff };
}

function baseManifest(file: string, stack: string) {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Exit(
      1,
      `Cannot read --diff ${file}: ${(error as Error).message}. Write it with: pnpm plan ${stack} --json > ${file}   (on the base branch)`,
    );
  }
  try {
    return parseManifest(text, file);
  } catch (error) {
    throw new Exit(1, (error as Error).message);
  }
}

async function stackFileOf(stack: string, stackFile: string) {
  try {
    return await readStack(stack, stackFile);
  } catch (error) {
    if (error instanceof StackFileError) throw new Exit(1, error.message);
    throw error;
  }
}

async function plannedResources(runs: ProgramRuns, stack: string, stackFile: string) {
  const run = await toolRun(() => runs.stack(stack, { stackFile }));
  return manifestOf(stack, run).resources;
}

function incomplete(estimate: Estimate): string {
  return `The estimate is incomplete; add these to policy/cost/prices.ts with their source:\n${estimate.problems.map((problem) => `  - ${problem}`).join("\n")}\n`;
}

async function cost({ argv, stdout, stderr }: ToolProcess, runs: ProgramRuns): Promise<number> {
  const options = commandLine(argv);
  if (options === "help") {
    stdout.write(`${usage}\n`);
    return 0;
  }
  const { stack, stackFile } = options;
  const base = options.diff === undefined ? undefined : baseManifest(options.diff, stack);
  const context = costContextOfStack(await stackFileOf(stack, stackFile));
  const estimate = estimateCost(await plannedResources(runs, stack, stackFile), context);
  if (base !== undefined) {
    const before = estimateCost(base.resources, context);
    stdout.write(renderCostDiffMarkdown(stack, before, estimate));
  } else if (options.json) {
    stdout.write(`${JSON.stringify(costReport(stack, estimate), null, 2)}\n`);
  } else {
    stdout.write(renderCostText(stack, estimate));
  }
  if (estimate.problems.length > 0) {
    stderr.write(incomplete(estimate));
    return 1;
  }
  return 0;
}

/** `pnpm cost` with `tool`'s arguments, writing to its streams: the exit code. */
export function main(tool: ToolProcess, runs: ProgramRuns): Promise<number> {
  return exitCodeOf(() => cost(tool, runs), tool.stderr);
}
