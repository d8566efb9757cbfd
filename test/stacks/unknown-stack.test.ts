import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/load.ts";
import { runStack, stackFilePath } from "../../tools/mock/run-stack.ts";

describe("a stack this program does not know", () => {
  it("is refused, not treated as staging, and registers nothing", async () => {
    const run = await runStack("dev", { stackFile: stackFilePath("staging") });
    expect(run.resources).toEqual([]);
    expect(run.errors).toHaveLength(1);
    const [error] = run.errors;
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        key: "stack name",
        found: '"dev" (a string)',
        allowed: "one of staging, production",
        fix: "pulumi stack select staging   (or create the stack: pulumi stack init production)",
      },
    ]);
  });
});
