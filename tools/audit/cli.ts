// Entry of `pnpm audit-report`, and the one place that touches the process: its arguments, streams
// and exit code, the stack's program run in this process, and the bootstrap's plan in a child
// (Pulumi's mock runtime holds one program per process). Node's compile cache keeps the compiled
// SDK modules between runs (as for `pnpm plan`), so it is switched on before anything is imported.
import { execFile } from "node:child_process";
import { enableCompileCache } from "node:module";
import { promisify } from "node:util";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";
import type { Manifest } from "../plan/render.ts";

enableCompileCache(COMPILE_CACHE_DIR);
const { auditReport } = await import("./main.ts");
const { REPOSITORY_ROOT, runStack } = await import("../mock/run-stack.ts");

const planCli = new URL("../plan/cli.ts", import.meta.url).pathname;

process.exitCode = await auditReport({
  argv: process.argv.slice(2),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  runs: { stack: runStack },
  bootstrapPlan: async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [planCli, "bootstrap", "--json"],
      { cwd: REPOSITORY_ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(stdout) as Manifest;
  },
});
