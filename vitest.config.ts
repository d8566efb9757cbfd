import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Plans each stack once for the test files that only read it (test/support/plans.ts).
    globalSetup: ["test/global-setup.ts"],
    // Pulumi keeps its runtime state on `global`: each test file gets its own process.
    pool: "forks",
    isolate: true,
    testTimeout: 20_000,
    coverage: {
      provider: "v8",
      include: ["infra/**/*.ts", "stacks/**/*.ts", "bootstrap/**/*.ts"],
      reporter: ["text-summary", "lcov"],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
