// `pnpm plan [stack]`: the offline preview. Runs the real program against the stack's real config
// under Pulumi's mock runtime, and prints what it would declare. Needs no credentials, so it also
// serves pull requests from forks. `pnpm plan bootstrap` plans the bootstrap project's stack
// (bootstrap/Pulumi.identity.yaml), which reads the platform's stack files too.
//   --json                 the manifest: every resource and its inputs, secret leaves masked
//   --details <name>       one resource in full
//   --diff <base.json>     Markdown of what changed since a base manifest (a fork's preview),
//                          and the monthly estimate before and after (pnpm cost)
//   --mermaid              the components and how they connect, as a Mermaid flowchart
//   --stack-file <path>    another stack file (tests, experiments)
//   --last-outputs <path>  `pulumi stack output --json` of the last deployment: plans the next run
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { ENVIRONMENTS } from "../../stacks/config/catalog.ts";
import { ConfigError } from "../../stacks/config/load.ts";
import { exampleValuesWarning, offlineExampleValues } from "../../stacks/config/placeholders.ts";
import { estimateCost } from "../../policy/cost/estimate.ts";
import type { ProgramRuns, ToolProcess } from "../command-line.ts";
import type { ProgramRun } from "../mock/run-program.ts";
import {
  BOOTSTRAP_STACK,
  BOOTSTRAP_STACK_FILE,
  readStack,
  stackFilePath,
} from "../mock/run-stack.ts";
import { StackFileError, type StackFileConfig } from "../../stacks/config/stack-file.ts";
import { renderCostDiffMarkdown } from "../cost/render.ts";
import { costContextOfStack } from "../cost/stack-context.ts";
import { renderDetails } from "./details.ts";
import { diffManifests, parseManifest, renderDiffMarkdown } from "./diff.ts";
import { renderMermaid } from "./mermaid.ts";
import { manifestOf, renderHuman, renderManifest } from "./render.ts";

const usage =
  "usage: pnpm plan [staging|production|bootstrap] [--json | --details <name> | --diff <base.json> | --mermaid] [--stack-file <path>] [--last-outputs <path>]";

/** The positional that names the bootstrap project rather than a stack of the platform. */
const BOOTSTRAP = "bootstrap";

class UsageError extends Error {}

function readJson(path: string, flag: string, hint: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `Cannot read ${flag} ${path}: ${(error as Error).message}. Write it with: ${hint}`,
    );
  }
}

/** `pnpm plan` with `tool`'s arguments, writing to its streams: the exit code. */
export async function main(tool: ToolProcess, runs: ProgramRuns): Promise<number> {
  const { stdout, stderr } = tool;
  const { values, positionals } = parseArgs({
    args: tool.argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      details: { type: "string" },
      diff: { type: "string" },
      mermaid: { type: "boolean", default: false },
      "stack-file": { type: "string" },
      "last-outputs": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    stdout.write(`${usage}\n`);
    return 0;
  }
  const modes = [values.json, values.details, values.diff, values.mermaid].filter(
    (mode) => mode !== undefined && mode !== false,
  );
  if (positionals.length > 1 || modes.length > 1) {
    stderr.write(`${usage}\n(one of --json, --details, --diff, --mermaid at a time)\n`);
    return 2;
  }
  const bootstrap = positionals[0] === BOOTSTRAP;
  const stack = bootstrap ? BOOTSTRAP_STACK : (positionals[0] ?? "staging");
  const stackFile =
    values["stack-file"] ?? (bootstrap ? BOOTSTRAP_STACK_FILE : stackFilePath(stack));
  if (!existsSync(stackFile)) {
    stderr.write(
      `No stack file ${stackFile}. Stacks of this project: ${ENVIRONMENTS.join(", ")} (pnpm plan production), and the bootstrap project's (pnpm plan ${BOOTSTRAP}).\n`,
    );
    return 1;
  }
  let lastOutputs: Record<string, unknown> | undefined;
  let base: ReturnType<typeof parseManifest> | undefined;
  try {
    const lastOutputsFile = values["last-outputs"];
    if (lastOutputsFile !== undefined) {
      const text = readJson(
        lastOutputsFile,
        "--last-outputs",
        `pulumi stack output --json > ${lastOutputsFile}`,
      );
      lastOutputs = JSON.parse(text) as Record<string, unknown>;
    }
    if (values.diff !== undefined) {
      const hint = `pnpm plan ${stack} --json > ${values.diff}   (on the base branch)`;
      base = parseManifest(readJson(values.diff, "--diff", hint), values.diff);
    }
  } catch (error) {
    stderr.write(`${(error as Error).message}\n`);
    return 1;
  }

  let run: ProgramRun;
  let stackConfig: StackFileConfig | undefined;
  try {
    // The platform's stack file is read first, so that a file that is not YAML stops the plan
    // before the program starts; the cost and the example-values warning read it too.
    stackConfig = bootstrap ? undefined : await readStack(stack, stackFile);
    run = bootstrap
      ? await runs.bootstrap({ stackFile })
      : await runs.stack(stack, {
          stackFile,
          ...(lastOutputs === undefined ? {} : { lastOutputs }),
        });
  } catch (error) {
    if (!(error instanceof StackFileError)) throw error;
    stderr.write(`${error.message}\n`);
    return 1;
  }
  const configErrors = run.errors.filter((error) => error instanceof ConfigError);
  if (configErrors.length > 0) {
    stderr.write(`${configErrors.map((error) => error.message).join("\n")}\n`);
    return 1;
  }
  if (run.errors.length > 0) {
    stderr.write(
      `The program failed under the mock runtime:\n${run.errors.map(String).join("\n")}\n`,
    );
    return 1;
  }
  if (values.json) {
    stdout.write(renderManifest(stack, run));
  } else if (values.details !== undefined) {
    const details = renderDetails(manifestOf(stack, run).resources, values.details);
    if (!details.ok) {
      stderr.write(`${details.error}\n`);
      return 1;
    }
    stdout.write(`${details.text}\n`);
  } else if (base !== undefined) {
    const head = manifestOf(stack, run);
    // The monthly estimate before and after, priced alike: this branch's table and assumptions.
    const cost = costContextOfStack(stackConfig ?? (await readStack(stack, stackFile)));
    stdout.write(`${renderDiffMarkdown(stack, diffManifests(base, head))}\n`);
    stdout.write(
      renderCostDiffMarkdown(
        stack,
        estimateCost(base.resources, cost),
        estimateCost(head.resources, cost),
      ),
    );
  } else if (values.mermaid) {
    stdout.write(renderMermaid(manifestOf(stack, run).resources));
  } else {
    stdout.write(`${renderHuman(stack, run)}\n`);
  }
  // A plan made on example values says so, once (a real run stops on them: placeholders.ts).
  if (stackConfig !== undefined) {
    const examples = offlineExampleValues(stackConfig);
    if (examples.length > 0) {
      stderr.write(`${exampleValuesWarning(relative(tool.cwd, stackFile), examples)}\n`);
    }
  }
  return 0;
}
