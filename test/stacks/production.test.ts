import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { runStack } from "../../tools/mock/run-stack.ts";
import { outputsOf, resourceNamed } from "../support/program.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runStack("production");
});

describe("the production stack under the mock runtime", () => {
  it("runs to completion without errors", () => {
    expect(run.errors).toEqual([]);
    expect(run.resources.length).toBeGreaterThan(0);
  });

  it("files its resources under a DigitalOcean project labelled Production", () => {
    const component = resourceNamed(run, "platform:core:EnvironmentProject", "production");
    const project = resourceNamed(run, "digitalocean:index/project:Project", "production-project");
    expect(project.parent).toBe(component.urn);
    expect(project.inputs).toMatchObject({
      name: "platform-production",
      environment: "Production",
      purpose: "Web Application",
    });
  });

  it("exports the regions, hostnames and project an auditor reads", () => {
    const outputs = outputsOf(run);
    const project = resourceNamed(run, "digitalocean:index/project:Project", "production-project");
    expect(outputs).toEqual({
      platform: {
        environment: "production",
        regions: {
          primary: { datacenter: "fra1", appRegion: "fra" },
          secondary: { datacenter: "ams3", appRegion: "ams" },
        },
        hostnames: { app: "app.example.com", assets: "assets.example.com" },
        project: { id: project.id, name: "platform-production" },
        integrations: { sentry: false, logDrains: [], slackAlerts: false },
      },
    });
  });
});
