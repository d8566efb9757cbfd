import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The integration files start workers and processes against a real PostgreSQL server.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ["test/global-setup.ts"],
  },
});
