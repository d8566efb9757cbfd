// A run that changes nothing plans nothing, on any later day. The program holds nothing that
// follows the calendar (the registry's push credentials used to carry `replacementTrigger: <today>`,
// so every preview on a new UTC day planned their replacement and the daily drift check never came
// back clean): run on two dates a week apart, each with the same last deployment, it registers
// identical resources, inputs and options, in a preview as in an update.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../tools/plan/render.ts";
import { type ChildRun, runStackInChild } from "../support/child-run.ts";

const clock = fileURLToPath(new URL("../support/fake-clock.ts", import.meta.url));

/** The stack run in a child whose clock reads `now`. */
const runOn = (now: string, options: Parameters<typeof runStackInChild>[1]) =>
  runStackInChild("production", options, {
    FAKE_NOW: now,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${clock}`.trim(),
  });

const resourcesOf = (run: ChildRun) => (JSON.parse(run.manifest) as Manifest).resources;

let deployed: Manifest;
let runs: Record<"preview" | "update", [ChildRun, ChildRun]>;

beforeAll(async () => {
  const first = await runOn("2026-12-01T09:00:00Z", {});
  expect(first.errors).toEqual([]);
  deployed = JSON.parse(first.manifest) as Manifest;
  const lastOutputs = deployed.outputs;
  const [previewSoon, previewLater, updateSoon, updateLater] = await Promise.all([
    runOn("2026-12-02T05:23:00Z", { lastOutputs, dryRun: true }),
    runOn("2026-12-09T05:23:00Z", { lastOutputs, dryRun: true }),
    runOn("2026-12-02T05:23:00Z", { lastOutputs }),
    runOn("2026-12-09T23:59:00Z", { lastOutputs }),
  ]);
  runs = { preview: [previewSoon, previewLater], update: [updateSoon, updateLater] };
}, 120_000);

describe.each(["preview", "update"] as const)("the same stack a week later, in a %s", (mode) => {
  it("registers the same resources with the same inputs", () => {
    const [soon, later] = runs[mode];
    expect(soon.errors).toEqual([]);
    expect(later.errors).toEqual([]);
    expect(resourcesOf(later)).toEqual(resourcesOf(soon));
  });

  it("registers them with the same options, replacement triggers included", () => {
    const [soon, later] = runs[mode];
    expect(later.options).toEqual(soon.options);
    // Nothing of the platform asks to be replaced on a schedule.
    expect(
      soon.options.filter(({ replacementTrigger }) => replacementTrigger !== undefined),
    ).toEqual([]);
  });
});

describe("the children's clock", () => {
  it("reads the day each run is given", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        `--import=${clock}`,
        "-e",
        "process.stdout.write(new Date().toISOString() + ' ' + Date.now())",
      ],
      { env: { ...process.env, FAKE_NOW: "2026-12-09T05:23:00Z" } },
    );
    expect(stdout).toBe(`2026-12-09T05:23:00.000Z ${String(Date.parse("2026-12-09T05:23:00Z"))}`);
  });
});

describe("the registry's push credentials", () => {
  it("are no resource of the stack: each update is issued its own short-lived login", () => {
    expect(
      deployed.resources.filter(({ type }) =>
        type.startsWith("digitalocean:index/containerRegistryDockerCredentials"),
      ),
    ).toEqual([]);
    expect((deployed.outputs.platform as { registry: unknown }).registry).toMatchObject({
      pushCredentials: { issued: "per update", lifetimeSeconds: 7200 },
    });
  });
});
