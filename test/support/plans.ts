// The three stacks' runs, made once per test run by test/global-setup.ts: each test file that only
// reads a plan takes it from here instead of running the program again. The files that run a
// stack in their own process (production.test.ts, staging.test.ts, bootstrap.test.ts) keep doing
// so: coverage counts only what runs in a test's process.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { inject } from "vitest";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import type { ChildRun } from "./child-run.ts";
import type { PlannedStack } from "./planned-stacks.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** Where test/global-setup.ts wrote each planned stack's run. */
    plansDir: string;
  }
}

export interface Planned {
  /** The run record, as `runStack` returns it (errors as text). */
  run: ProgramRun;
  /** `pnpm plan <stack> --json` of it, parsed. */
  manifest: Manifest;
  /** The same, as the CLI prints it. */
  manifestText: string;
  /** The run as `runStackInChild(stack)` answers it, for the tests that compare it with others. */
  child: ChildRun;
}

const cache = new Map<PlannedStack, Promise<Planned>>();

/**
 * Freezes `value` and everything in it: test files that share a process (vitest.config.ts) share
 * these records too, so a test that changed one would change it for every file after it. A test
 * that needs to change a plan changes its own copy (`structuredClone`).
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

async function load(stack: PlannedStack): Promise<Planned> {
  const child = JSON.parse(
    await readFile(path.join(inject("plansDir"), `${stack}.json`), "utf8"),
  ) as ChildRun;
  if (child.run === undefined) throw new Error(`the planned run of ${stack} has no record`);
  return deepFreeze({
    run: child.run,
    manifest: JSON.parse(child.manifest) as Manifest,
    manifestText: child.manifest,
    child,
  });
}

/** The planned run of `stack`, read once per test process, frozen. */
export function planned(stack: PlannedStack): Promise<Planned> {
  let found = cache.get(stack);
  if (found === undefined) {
    found = load(stack);
    cache.set(stack, found);
  }
  return found;
}
