// App Platform kills a worker the grace period after SIGTERM (termination.grace_period_seconds);
// the processor's own wait for the jobs in hand must end first, or a deploy kills jobs mid-run.
import { describe, expect, it } from "vitest";
import { WORKER_GRACE_PERIOD_SECONDS } from "../../infra/compute/app-spec.ts";
import { loadConfig } from "../../services/processor/src/config.ts";

describe("a worker's shutdown", () => {
  it("waits for its jobs less long than App Platform waits for it", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://processor@127.0.0.1:5432/app" });
    expect(config.SHUTDOWN_TIMEOUT_MS).toBeLessThan(WORKER_GRACE_PERIOD_SECONDS * 1000);
  });
});
