import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/load.ts";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { runStack } from "../../tools/mock/run-stack.ts";
import { patchedConfig } from "../support/stack-overrides.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runStack("production", {
    configOverrides: {
      ...(await patchedConfig("production", { regions: { primary: "fra2" } })),
      "platform:sentryDsn": "https://key@o1.ingest.sentry.io/2",
    },
  });
});

describe("a stack with bad config", () => {
  it("registers nothing", () => {
    expect(run.resources).toEqual([]);
  });

  it("fails with one ConfigError that lists every problem", () => {
    expect(run.errors).toHaveLength(1);
    const [error] = run.errors;
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((problem) => problem.key)).toEqual([
      "platform:regions.primary",
      "platform:sentryDsn",
    ]);
    expect(message).toMatch(
      /^Stack "production" has 2 config problems \(Pulumi\.production\.yaml\):\n/,
    );
    expect(message).toContain('  1. platform:regions.primary\n     found:   "fra2" (a string)\n');
    expect(message).toMatch(/Nothing was registered\. Fix the values above and run again\.$/);
  });
});
