import { enableCompileCache } from "node:module";
import { configDefaults, defineConfig } from "vitest/config";
import { COMPILE_CACHE_DIR } from "./tools/compile-cache.ts";

// Node's compile cache, as the CLIs keep it (tools/compile-cache.ts), for this process, every test
// worker and every child they start (they inherit the variable): each of them loads the SDKs, and
// with the cache skips compiling them again (3 stack test files: 8.1 -> 5.6 CPU-s).
enableCompileCache(COMPILE_CACHE_DIR);
process.env.NODE_COMPILE_CACHE ??= COMPILE_CACHE_DIR;

// The test files that start Pulumi's runtime in their own process (setMocks, a program run, a
// component or an Output outside a program; test/support/stack-overrides.ts' cleanManifest runs
// the program), or change the process's environment. Pulumi keeps
// its runtime state on `global`, so each of these gets a process of its own.
const OWN_PROCESS = [
  "test/bootstrap/bootstrap.test.ts",
  "test/bootstrap/identity.test.ts",
  "test/config/load.test.ts",
  "test/config/placeholders.test.ts",
  "test/infra/apm-monitors-preview.test.ts",
  "test/infra/app-spec.test.ts",
  "test/infra/components.test.ts",
  "test/stacks/apm-datadog.test.ts",
  "test/stacks/apm-newrelic.test.ts",
  "test/stacks/config-errors.test.ts",
  "test/stacks/integrations.test.ts",
  "test/stacks/origin-lock-rotation.test.ts",
  "test/stacks/production.test.ts",
  "test/stacks/service-env.test.ts",
  "test/stacks/staging.test.ts",
  "test/stacks/team.test.ts",
  "test/stacks/unknown-stack.test.ts",
  "test/tools/audit-report.test.ts",
  "test/tools/preflight-providers.test.ts",
  "test/tools/preflight.test.ts",
];

// The fault drill needs the web's build and its own PostgreSQL: vitest.drill.config.ts.
const NOT_HERE = [...configDefaults.exclude, "test/drill/**"];

// A test that starts the plan CLI twice takes up to 14 s while three workers share two cores.
const testTimeout = 30_000;

export default defineConfig({
  test: {
    // Plans each stack once for the test files that only read it (test/support/plans.ts). It is
    // the root's: both projects below read what it provides, and it runs once.
    globalSetup: ["test/global-setup.ts"],
    // Vitest's default is one worker fewer than the cores: one on a 2-core runner, which then
    // idles while a test waits for the CLI or the program it started. Three keep both cores busy
    // (root tests on 2 cores: 169 s with two workers, 135 s with three). With the tools' mains
    // in-process, the projects below, the compile cache and Istanbul's coverage: 39 s on 2 cores
    // (/usr/bin/time pnpm test:unit).
    maxWorkers: 3,
    testTimeout,
    projects: [
      {
        test: {
          name: "own-process",
          include: OWN_PROCESS,
          exclude: NOT_HERE,
          pool: "forks",
          isolate: true,
          testTimeout,
        },
      },
      {
        // Every other file only reads: config tables, policy rules, workflows, the shared plans,
        // tools run in children or called as functions. They share their workers' processes
        // (`isolate: false`), so each worker loads vitest and the modules once instead of once a
        // file. A file here that starts Pulumi's runtime fails (the set-up file below checks the
        // runtime's global state after each file); to check the files do not depend on their order,
        // run them all in one process, shuffled:
        //   pnpm exec vitest run --project shared --maxWorkers 1 --sequence.shuffle
        test: {
          name: "shared",
          include: ["test/**/*.test.ts"],
          exclude: [...NOT_HERE, ...OWN_PROCESS],
          pool: "forks",
          isolate: false,
          setupFiles: ["test/support/shared-process-guard.ts"],
          testTimeout,
        },
      },
    ],
    coverage: {
      // Istanbul instruments only the files measured (`include`), as Vite transforms them. V8's
      // precise coverage counts blocks in every function the process runs, the provider SDKs
      // included, which took a third of the suite's CPU time: `pnpm test:unit` 52 s wall, 101
      // CPU-s with "v8"; 38 s, 73 CPU-s with "istanbul"; 35 s, 69 CPU-s without coverage (2 cores).
      provider: "istanbul",
      include: ["infra/**/*.ts", "stacks/**/*.ts", "bootstrap/**/*.ts"],
      reporter: ["text-summary", "lcov"],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
