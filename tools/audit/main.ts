// `pnpm audit-report <stack>`: a report for auditors of what the stack declares and deploys:
// inventory, policy results, data and who can reach it, encryption, deletion protection, secrets
// (names only), monitors and alert routes, the pipeline's controls, and what it costs a month.
//   --json                the same report as one JSON object
//   --outputs <file|->    `pulumi stack output --json` of the deployed stack (`-`: stdin): the
//                         deployment's facts replace the plan's simulated ones
//   --stack-file <path>   another stack file (tests, experiments)
// It runs the offline plan in every case: inventory, policy results, protection and secrets are
// what this commit declares; the pipeline's controls come from the bootstrap project's offline
// plan of this commit. It needs no credentials and never prints a secret value.
// Everything it touches is in `AuditIo`, so tests call it in-process; cli.ts wires the process.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { text } from "node:stream/consumers";
import { ENVIRONMENTS } from "../../stacks/config/catalog.ts";
import { StackFileError } from "../../stacks/config/stack-file.ts";
import {
  Exit,
  exitCodeOf,
  parseCommandLine,
  type ProgramRuns,
  STACK_TOOL_OPTIONS,
  type ToolProcess,
} from "../command-line.ts";
import { costContextOfStack } from "../cost/stack-context.ts";
import { readStack, REPOSITORY_ROOT, stackFilePath } from "../mock/run-stack.ts";
import { toolRun } from "../mock/tool-run.ts";
import { type Manifest, manifestOf } from "../plan/render.ts";
import { renderMarkdown } from "./markdown.ts";
import type { BootstrapOutputs } from "../../bootstrap/outputs.ts";
import type { BootstrapFacts } from "./operations.ts";
import {
  OutputsError,
  type Plain,
  platformFacts,
  platformOutput,
  plaintextSecretPaths,
} from "./outputs.ts";
import { buildReport, type OfflinePlan } from "./report.ts";
import { configSecretValues, leakedSecret, secretValuesOf } from "./secrets.ts";

/** What the other stack tools take from their process, plus stdin and the bootstrap's plan. */
export interface AuditIo extends Pick<ToolProcess, "argv" | "stdout" | "stderr"> {
  stdin: AsyncIterable<Uint8Array | string> & { isTTY?: boolean };
  /** The stack's program run under the mock runtime, which holds one program per process. */
  runs: Pick<ProgramRuns, "stack">;
  /** The bootstrap project's offline plan of this commit (`pnpm plan bootstrap --json`). */
  bootstrapPlan: () => Promise<Manifest>;
}

const usage =
  "usage: pnpm audit-report <staging|production> [--json] [--outputs <file|->] [--stack-file <path>]";

async function readOutputs(file: string, stack: string, stdin: AuditIo["stdin"]) {
  const hint = `pulumi stack output --json --stack ${stack}`;
  if (file !== "-") {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new OutputsError(
        `Cannot read --outputs ${file}: ${reason}. Write it with: ${hint} > ${file}`,
      );
    }
  }
  // Without a pipe, stdin is the terminal and the report would wait for typing.
  if (stdin.isTTY === true) {
    throw new OutputsError(
      `--outputs - reads stdin; pipe the outputs in: ${hint} | pnpm audit-report ${stack} --outputs -`,
    );
  }
  return text(stdin);
}

/** The deployment's `platform` output as read (to compare with the plan) and as validated. */
async function deployedOutputs(file: string, stack: string, stdin: AuditIo["stdin"]) {
  const source = file === "-" ? "stdin" : file;
  const raw = platformOutput(await readOutputs(file, stack, stdin), source, stack);
  return { raw, facts: platformFacts(raw, source) };
}

const git = (...args: string[]) =>
  execFileSync("git", args, {
    cwd: REPOSITORY_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();

/** The commit the plan comes from, and whether the work tree differs from it. */
function commitOf(): { sha: string; dirty: boolean } | null {
  try {
    return {
      sha: git("rev-parse", "HEAD"),
      dirty: git("status", "--porcelain", "--untracked-files=no") !== "",
    };
  } catch {
    return null;
  }
}

function commandLine(argv: string[]) {
  const { values, positionals } = parseCommandLine(
    { allowPositionals: true, options: { ...STACK_TOOL_OPTIONS, outputs: { type: "string" } } },
    usage,
    argv,
  );
  if (values.help) return "help";
  const [stack] = positionals;
  if (stack === undefined || positionals.length > 1) throw new Exit(2, usage);
  const stackFile = values["stack-file"] ?? stackFilePath(stack);
  if (!existsSync(stackFile)) {
    throw new Exit(
      1,
      `No stack file ${stackFile}. Stacks of this project: ${ENVIRONMENTS.join(", ")} (pnpm audit-report production).`,
    );
  }
  return { stack, stackFile, json: values.json, outputsFile: values.outputs ?? null };
}

async function offlinePlan(stack: string, stackFile: string, io: AuditIo): Promise<OfflinePlan> {
  const config = await readStack(stack, stackFile);
  const run = await toolRun(
    () => io.runs.stack(stack, { stackFile }),
    "The stack's offline plan failed, so there is nothing to report",
  );
  const secretValues = configSecretValues(config.values, config.secretKeys);
  return { run, manifest: manifestOf(stack, run), secretValues, cost: costContextOfStack(config) };
}

async function bootstrapFacts(plan: AuditIo["bootstrapPlan"]): Promise<BootstrapFacts> {
  try {
    const { outputs, resources, simulated } = await plan();
    return { outputs: outputs.bootstrap as Plain<BootstrapOutputs>, resources, simulated };
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Exit(
      1,
      `The bootstrap project's offline plan failed, so the pipeline's controls cannot be reported (pnpm plan bootstrap shows why):\n${typeof stderr === "string" ? stderr.trim() : String(error)}`,
    );
  }
}

async function report(io: AuditIo): Promise<number> {
  const options = commandLine(io.argv);
  if (options === "help") {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  const { stack, stackFile, outputsFile } = options;
  try {
    // The deployment's outputs are read and checked before the plan runs: bad input fails at once.
    const deployed =
      outputsFile === null ? null : await deployedOutputs(outputsFile, stack, io.stdin);
    // The bootstrap's plan runs in its own process meanwhile; the stack's failure is told first.
    const bootstrap = bootstrapFacts(io.bootstrapPlan);
    bootstrap.catch(() => undefined);
    const plan = await offlinePlan(stack, stackFile, io);
    const offline = plan.manifest.outputs.platform;
    const plaintext = deployed === null ? [] : plaintextSecretPaths(offline, deployed.raw);
    if (plaintext.length > 0) {
      throw new Exit(
        1,
        `The outputs show secret values in plaintext (${plaintext.join(", ")}): they were written with --show-secrets. Run pulumi stack output --json --stack ${stack} without it.`,
      );
    }
    const audit = buildReport({
      stack,
      commit: commitOf(),
      generatedAt: new Date().toISOString(),
      outputsFile,
      plan,
      bootstrap: await bootstrap,
      platform: deployed?.facts ?? platformFacts(offline, "the offline plan"),
    });
    const text = options.json ? `${JSON.stringify(audit, null, 2)}\n` : renderMarkdown(audit);
    // The last check before anything is printed: no value of a secret input or secret config
    // key of the plan may appear, whatever a section does.
    const leaked = leakedSecret(text, secretValuesOf(plan.run.resources, plan.secretValues));
    if (leaked !== null) {
      throw new Exit(
        1,
        `Refusing to print the report: it would contain the value of the secret ${leaked}. This is a bug in tools/audit.`,
      );
    }
    io.stdout.write(text);
    return 0;
  } catch (error) {
    if (error instanceof OutputsError || error instanceof StackFileError)
      throw new Exit(1, error.message);
    throw error;
  }
}

/** The report's exit code: 0, 1 for bad input (with the reason on stderr), 2 for bad usage. */
export const auditReport = (io: AuditIo): Promise<number> =>
  exitCodeOf(() => report(io), io.stderr);
