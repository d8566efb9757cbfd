// Rotating the origin lock: `edge.originLockGeneration` goes up by one. The apps must accept the
// new secret and the previous one, and the edge must send the new one only after the apps.
import { beforeAll, describe, expect, it } from "vitest";
import { providerState } from "../../tools/mock/provider-outputs.ts";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { runStack } from "../../tools/mock/run-stack.ts";
import {
  appSpecOf,
  envOf,
  outputsOf,
  resourceNamed,
  resourcesOfType,
  serviceOf,
  TYPES,
} from "../support/program.ts";
import { patchedConfig } from "../support/stack-overrides.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runStack("production", {
    configOverrides: await patchedConfig("production", { edge: { originLockGeneration: 2 } }),
  });
});

const secret = (generation: number) => {
  const password = resourceNamed(
    run,
    TYPES.randomPassword,
    `origin-lock-secret-${String(generation)}`,
  );
  return String(providerState(password.type, password.name, password.inputs, password.id).result);
};

describe("the origin lock's second generation", () => {
  it("keeps the first secret and adds a second", () => {
    expect(run.errors).toEqual([]);
    expect(
      resourcesOfType(run, TYPES.randomPassword)
        .map((password) => password.name)
        .sort(),
    ).toEqual(["origin-lock-secret-1", "origin-lock-secret-2"]);
    expect(secret(1)).not.toBe(secret(2));
  });

  it("lets both services accept the new secret and the previous one", () => {
    for (const app of resourcesOfType(run, TYPES.app)) {
      for (const name of ["web", "api"]) {
        expect(envOf(serviceOf(appSpecOf(app), name), "ORIGIN_LOCK_SECRETS")?.value).toBe(
          `${secret(2)},${secret(1)}`,
        );
      }
    }
  });

  it("has the edge and the monitors send the new secret only", () => {
    const ruleset = resourceNamed(run, TYPES.ruleset, "edge-rules-origin-lock");
    expect(JSON.stringify(ruleset.inputs.rules)).toContain(secret(2));
    expect(JSON.stringify(ruleset.inputs.rules)).not.toContain(secret(1));
    for (const monitor of resourcesOfType(run, TYPES.monitor)) {
      expect((monitor.inputs.header as Record<string, string[]>)["x-origin-lock"]).toEqual([
        secret(2),
      ]);
    }
    expect(outputsOf(run)).toMatchObject({
      platform: { edge: { originLock: { generation: 2, acceptedGenerations: [2, 1] } } },
    });
  });
});
