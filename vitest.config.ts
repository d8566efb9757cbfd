import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Plans each stack once for the test files that only read it (test/support/plans.ts).
    globalSetup: ["test/global-setup.ts"],
    // The fault drill needs the web's build and its own PostgreSQL: vitest.drill.config.ts.
    exclude: [...configDefaults.exclude, "test/drill/**"],
    // Pulumi keeps its runtime state on `global`: each test file gets its own process.
    pool: "forks",
    isolate: true,
    // Vitest's default is one worker fewer than the cores: one on a 2-core runner, which then
    // idles while a test waits for the CLI or the program it started. Three keep both cores busy
    // (root tests on 2 cores: 169 s with two workers, 135 s with three).
    maxWorkers: 3,
    // A test that starts the plan CLI twice takes up to 14 s while three workers share two cores.
    testTimeout: 30_000,
    coverage: {
      provider: "v8",
      include: ["infra/**/*.ts", "stacks/**/*.ts", "bootstrap/**/*.ts"],
      reporter: ["text-summary", "lcov"],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
