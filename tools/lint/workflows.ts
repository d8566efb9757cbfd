// The workflow lint: over every .github/workflows/*.yml, actionlint's checks, shellcheck on each
// `run:` script and the repository's hardening rules (tools/lint/workflow-rules.ts); over
// .github/scripts/*.sh, shellcheck. Any finding fails; a missing shellcheck fails too.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  actionlint,
  runLines,
  shellcheckFiles,
  shellcheckRunScripts,
  shellcheckVersion,
  stepKey,
} from "./actionlint.ts";
import {
  checkWorkflow,
  describeStep,
  parseWorkflow,
  stepsOf,
  ungatedPulumiLines,
} from "./workflow-rules.ts";

export interface LintOptions {
  /** The repository root: `.github/workflows` and `.github/scripts` are read below it. */
  root: string;
  /** The shellcheck executable. */
  shellcheck: string;
}

export interface LintReport {
  /** One line per finding, `file:line:column: message [kind]`. */
  findings: string[];
  workflows: number;
  runScripts: number;
  scripts: number;
  shellcheck: string;
}

function filesIn(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

export async function lintWorkflows({ root, shellcheck }: LintOptions): Promise<LintReport> {
  // First, so a machine without shellcheck fails before anything else is reported.
  const version = shellcheckVersion(shellcheck);
  const findings: string[] = [];
  let runScripts = 0;

  const workflows = filesIn(path.join(root, ".github/workflows"), /\.ya?ml$/);
  for (const file of workflows) {
    const shown = path.relative(root, file);
    const text = readFileSync(file, "utf8");
    for (const finding of await actionlint(text, shown)) {
      findings.push(
        `${shown}:${String(finding.line)}:${String(finding.column)}: ${finding.message} [${finding.kind}]`,
      );
    }
    let source;
    try {
      source = parseWorkflow(shown, text);
    } catch (error) {
      // actionlint has reported the syntax error already; the rules need a parsed workflow.
      findings.push(`${shown}:0:0: ${(error as Error).message} [syntax]`);
      continue;
    }
    const lines = runLines(text, source.workflow);
    for (const finding of shellcheckRunScripts(shellcheck, source.workflow)) {
      const line = lines.get(stepKey(finding.step)) ?? 0;
      findings.push(
        `${shown}:${String(line)}:0: ${describeStep(finding.step)}: shellcheck SC${String(finding.code)} (${finding.level}) at line ${String(finding.line)} column ${String(finding.column)} of the script: ${finding.message} [shellcheck]`,
      );
    }
    runScripts += stepsOf(source.workflow).filter(
      ({ step }) => typeof step.run === "string",
    ).length;
    for (const problem of checkWorkflow(source)) {
      findings.push(`${shown}:0:0: ${problem.where}: ${problem.message} [${problem.rule}]`);
    }
  }

  const scripts = filesIn(path.join(root, ".github/scripts"), /\.sh$/);
  for (const file of scripts) {
    for (const line of ungatedPulumiLines(readFileSync(file, "utf8"))) {
      findings.push(
        `${path.relative(root, file)}:0:0: "${line}" runs without --policy-pack policy [policy-pack-gate]`,
      );
    }
  }
  for (const finding of shellcheckFiles(shellcheck, scripts)) {
    findings.push(
      `${path.relative(root, finding.file)}:${String(finding.line)}:${String(finding.column)}: SC${String(finding.code)} (${finding.level}): ${finding.message} [shellcheck]`,
    );
  }
  return {
    findings,
    workflows: workflows.length,
    runScripts,
    scripts: scripts.length,
    shellcheck: version,
  };
}
