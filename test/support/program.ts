// Finds what a program run recorded; resources register in dependency order, so tests look them
// up by type and name, never by position.
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { plainOutput } from "../../tools/plan/render.ts";

export function resourcesOfType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((resource) => resource.type === type);
}

export function resourceNamed(run: ProgramRun, type: string, name: string): RecordedResource {
  const found = run.resources.find((resource) => resource.type === type && resource.name === name);
  if (found === undefined) {
    const names = resourcesOfType(run, type).map((resource) => resource.name);
    throw new Error(`no ${type} named ${name}; recorded: ${names.join(", ") || "none"}`);
  }
  return found;
}

/** The stack outputs as `pulumi stack output --json --show-secrets=false` would print them. */
export function outputsOf(run: ProgramRun): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(run.outputs).map(([key, value]) => [key, plainOutput(value)]),
  );
}
