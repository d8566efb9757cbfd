// `pnpm test:deployed`: the user's journeys against a deployed staging (E2E_BASE_URL), one browser,
// one file. Timeouts allow for the edge and a cold instance.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/deployed/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ["test/deployed/global-setup.ts"],
  },
});
