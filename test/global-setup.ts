// Runs each of the three stacks this repository declares (production, staging, and the
// bootstrap's identity) once, with its real stack file, before any test file starts, and hands the
// records to the test files that only read them (test/support/plans.ts). A program run costs
// seconds (mostly loading the provider SDKs); a dozen files used to each run their own.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { PLANNED_STACKS } from "./support/planned-stacks.ts";
import { runStackInChild } from "./support/child-run.ts";

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), "plans-"));
  await Promise.all(
    PLANNED_STACKS.map(async (stack) => {
      const child = await runStackInChild(stack, {}, {}, true);
      await writeFile(path.join(dir, `${stack}.json`), JSON.stringify(child));
    }),
  );
  project.provide("plansDir", dir);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
