import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The journeys against a deployed staging: `pnpm test:deployed` (vitest.deployed.config.ts).
    exclude: [...configDefaults.exclude, "test/deployed/**"],
    // One browser, one web server, one api: the end-to-end file runs alone.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["test/global-setup.ts"],
  },
});
