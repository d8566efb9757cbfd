import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration files spawn servers and hold database connections; two cores run two at a time.
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 20_000,
    globalSetup: ["test/global-setup.ts"],
  },
});
