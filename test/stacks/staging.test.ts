import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { runStack } from "../../tools/mock/run-stack.ts";
import { outputsOf, resourceNamed } from "../support/program.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runStack("staging");
});

describe("the staging stack under the mock runtime", () => {
  it("runs to completion without errors", () => {
    expect(run.errors).toEqual([]);
  });

  it("labels its project Staging, apart from production", () => {
    const project = resourceNamed(run, "digitalocean:index/project:Project", "staging-project");
    expect(project.inputs).toMatchObject({ name: "platform-staging", environment: "Staging" });
  });

  it("runs in one region", () => {
    expect(outputsOf(run)).toMatchObject({
      platform: {
        environment: "staging",
        regions: { primary: { datacenter: "fra1", appRegion: "fra" }, secondary: null },
        hostnames: { app: "staging.example.com", assets: "assets-staging.example.com" },
      },
    });
  });
});
