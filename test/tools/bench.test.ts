// `pnpm bench`'s registration floor (tools/bench/registration-floor.ts) registers every resource
// of a plan through the mock runtime, and fails unless it registered the plan's URNs: run on the
// production plan the test run made, so that a change to the plan cannot leave the benchmark
// measuring something else unnoticed.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planned } from "../support/plans.ts";
import { runCli } from "../support/tool-in-process.ts";

async function registrationFloor(manifest: unknown) {
  const file = join(await mkdtemp(join(tmpdir(), "bench-")), "plan.json");
  await writeFile(file, JSON.stringify(manifest));
  return runCli("tools/bench/registration-floor.ts", [file]);
}

describe("pnpm bench's registration floor", () => {
  it("registers the production plan's resources under the plan's URNs, and fails on any other", async () => {
    const manifest = JSON.parse((await planned("production")).manifestText) as {
      resources: { urn: string; parent: string | null }[];
    };
    expect(await registrationFloor(manifest)).toEqual({ code: 0, stdout: "", stderr: "" });

    // A resource recorded under another parent than its URN names cannot register as the plan has it.
    const child = manifest.resources.find((resource) => resource.parent !== null);
    if (child === undefined) throw new Error("the production plan has no child resource");
    const moved = manifest.resources.map((resource) =>
      resource === child ? { ...resource, parent: null } : resource,
    );
    const refused = await registrationFloor({ ...manifest, resources: moved });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `registered ${manifest.resources.length} of the plan's ${manifest.resources.length} resources, not ${child.urn}`,
    );
  });
});
