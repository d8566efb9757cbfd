// `pnpm audit-report <stack>`: a report for auditors of what the stack declares and deploys:
// inventory, policy results, data and who can reach it, encryption, deletion protection, secrets
// (names only), monitors and alert routes, the pipeline's controls, and what it costs a month.
//   --json                the same report as one JSON object
//   --outputs <file|->    `pulumi stack output --json` of the deployed stack (`-`: stdin): the
//                         deployment's facts replace the plan's simulated ones
//   --stack-file <path>   another stack file (tests, experiments)
// It runs the offline plan in every case: inventory, policy results, protection and secrets are
// what this commit declares; the pipeline's controls come from the bootstrap project's offline
// plan of this commit (run in a process of its own). It needs no credentials and never prints a
// secret value.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { ENVIRONMENTS } from "../../stacks/config/catalog.ts";
import { Exit, exitCodeOf, parseCommandLine, STACK_TOOL_OPTIONS } from "../command-line.ts";
import { ConfigError } from "../../stacks/config/load.ts";
import { readStack, REPOSITORY_ROOT, runStack, stackFilePath } from "../mock/run-stack.ts";
import { StackFileError } from "../../stacks/config/stack-file.ts";
import { type Manifest, manifestOf } from "../plan/render.ts";
import { costContextOfStack } from "../cost/stack-context.ts";
import { renderMarkdown } from "./markdown.ts";
import type { BootstrapFacts } from "./operations.ts";
import type { PlatformFacts } from "./outputs.ts";
import { OutputsError, parseStackOutputs, plaintextSecretPaths } from "./outputs.ts";
import { evaluatePolicies } from "./policies.ts";
import { buildReport } from "./report.ts";
import {
  configSecretValues,
  databaseConnections,
  leakedSecret,
  secretsSection,
  secretValuesOf,
} from "./secrets.ts";

const usage =
  "usage: pnpm audit-report <staging|production> [--json] [--outputs <file|->] [--stack-file <path>]";

async function readOutputs(file: string, stack: string): Promise<string> {
  const hint = `pulumi stack output --json --stack ${stack}`;
  if (file === "-") {
    // Without a pipe, stdin is the terminal and the report would wait for typing.
    if (process.stdin.isTTY) {
      throw new OutputsError(
        `--outputs - reads stdin; pipe the outputs in: ${hint} | pnpm audit-report ${stack} --outputs -`,
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new OutputsError(
      `Cannot read --outputs ${file}: ${reason}. Write it with: ${hint} > ${file}`,
    );
  }
}

/** The commit the plan comes from, and whether the work tree differs from it. */
function commitOf(): { sha: string; dirty: boolean } | null {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: REPOSITORY_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  try {
    return {
      sha: git("rev-parse", "HEAD"),
      dirty: git("status", "--porcelain", "--untracked-files=no") !== "",
    };
  } catch {
    return null;
  }
}

interface Options {
  stack: string;
  stackFile: string;
  json: boolean;
  outputsFile: string | null;
}

function commandLine(): Options | "help" {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: { ...STACK_TOOL_OPTIONS, outputs: { type: "string" } },
    },
    usage,
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

/** The deployment's `platform` output, read before the plan runs so bad input fails at once. */
async function deployedFacts({ stack, outputsFile }: Options): Promise<PlatformFacts | null> {
  if (outputsFile === null) return null;
  try {
    const source = outputsFile === "-" ? "stdin" : outputsFile;
    return parseStackOutputs(await readOutputs(outputsFile, stack), source, stack);
  } catch (error) {
    if (error instanceof OutputsError) throw new Exit(1, error.message);
    throw error;
  }
}

async function offlinePlan({ stack, stackFile }: Options) {
  try {
    const config = await readStack(stack, stackFile);
    const run = await runStack(stack, { stackFile });
    if (run.errors.length > 0) {
      const configErrors = run.errors.filter((error) => error instanceof ConfigError);
      const messages =
        configErrors.length > 0 ? configErrors.map((e) => e.message) : run.errors.map(String);
      throw new Exit(
        1,
        `The stack's offline plan failed, so there is nothing to report:\n${messages.join("\n")}`,
      );
    }
    return {
      run,
      secretValues: configSecretValues(config.values, config.secretKeys),
      cost: costContextOfStack(config),
    };
  } catch (error) {
    if (error instanceof StackFileError) throw new Exit(1, error.message);
    throw error;
  }
}

/**
 * The bootstrap project's plan of this commit (`pnpm plan bootstrap --json`), in a process of its
 * own: Pulumi's mock runtime holds one program per process.
 */
function bootstrapPlan(): BootstrapFacts {
  const planCli = new URL("../plan/cli.ts", import.meta.url);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(
      execFileSync(process.execPath, [planCli.pathname, "bootstrap", "--json"], {
        cwd: REPOSITORY_ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as Manifest;
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Exit(
      1,
      `The bootstrap project's offline plan failed, so the pipeline's controls cannot be reported (pnpm plan bootstrap shows why):\n${typeof stderr === "string" ? stderr.trim() : String(error)}`,
    );
  }
  return {
    outputs: manifest.outputs.bootstrap as BootstrapFacts["outputs"],
    resources: manifest.resources,
  };
}

function reportText(
  options: Options,
  real: PlatformFacts | null,
  { run, secretValues, cost }: Awaited<ReturnType<typeof offlinePlan>>,
  bootstrap: BootstrapFacts,
): string {
  const { stack } = options;
  const manifest = manifestOf(stack, run);
  const offline = manifest.outputs.platform as PlatformFacts;
  const plaintext = real === null ? [] : plaintextSecretPaths(offline, real);
  if (plaintext.length > 0) {
    throw new Exit(
      1,
      `The outputs show secret values in plaintext (${plaintext.join(", ")}): they were written with --show-secrets. Run pulumi stack output --json --stack ${stack} without it.`,
    );
  }
  const policies = evaluatePolicies(stack, manifest.resources, undefined, cost);
  try {
    const report = buildReport({
      stack,
      commit: commitOf(),
      generatedAt: new Date().toISOString(),
      outputsFile: options.outputsFile,
      manifest,
      bootstrap,
      platform: real ?? offline,
      policies,
      secrets: secretsSection(run.resources, secretValues),
      connections: databaseConnections(run.resources),
      cost,
    });
    return options.json ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report);
  } catch (error) {
    // Outputs of another commit can have another shape inside a section; say so in one line
    // (a TypeError names properties, never values).
    if (real === null || !(error instanceof TypeError)) throw error;
    throw new Exit(
      1,
      `The outputs' platform object differs from stacks/outputs.ts of this commit (${error.message}); run the report from the commit the stack was deployed from.`,
    );
  }
}

async function main(): Promise<number> {
  const options = commandLine();
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const real = await deployedFacts(options);
  const plan = await offlinePlan(options);
  const text = reportText(options, real, plan, bootstrapPlan());
  // The last check before anything is printed: no value of a secret input or secret config
  // key of the plan may appear, whatever a section does.
  const leaked = leakedSecret(text, secretValuesOf(plan.run.resources, plan.secretValues));
  if (leaked !== null) {
    throw new Exit(
      1,
      `Refusing to print the report: it would contain the value of the secret ${leaked}. This is a bug in tools/audit.`,
    );
  }
  process.stdout.write(text);
  return 0;
}

process.exitCode = await exitCodeOf(main);
