// The short fault drill (test/drill), apart from the unit run: it needs the web's production build
// and PostgreSQL's server binaries, and `pnpm test:services` (which builds the web) runs it last.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/drill/**/*.test.ts"],
    pool: "forks",
    testTimeout: 20_000,
    // The drill itself runs in beforeAll: about 35 s on two busy cores.
    hookTimeout: 120_000,
  },
});
