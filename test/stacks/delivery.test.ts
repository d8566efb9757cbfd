// The delivery tier under the mock runtime: each stack writes only what it knows into its deploy
// environment (the bootstrap's), holds no trust decision of its own, and the two stacks' plans
// share no physical resource, also across the bootstrap's.
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { BOOTSTRAP_STACK } from "../../tools/mock/run-stack.ts";
import { type Manifest, manifestOf } from "../../tools/plan/render.ts";
import { planned } from "../support/plans.ts";
import { collisions } from "../support/physical-identity.ts";
import { resourceNamed, resourcesOfType } from "../support/program.ts";

const T = {
  variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  secret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  githubProvider: "pulumi:providers:github",
  values: "platform:delivery:EnvironmentValues",
} as const;

let production: ProgramRun;
let staging: Manifest;
let bootstrap: Manifest;

beforeAll(async () => {
  const [productionPlan, stagingPlan, identityPlan] = await Promise.all([
    planned("production"),
    planned("staging"),
    planned(BOOTSTRAP_STACK),
  ]);
  production = productionPlan.run;
  expect(stagingPlan.run.errors).toEqual([]);
  expect(identityPlan.run.errors).toEqual([]);
  staging = stagingPlan.manifest;
  bootstrap = identityPlan.manifest;
});

describe("production's deploy environment", () => {
  it("gets the stack's public URL, its origins and its registry, and the origin secret as a secret", () => {
    const variables = Object.fromEntries(
      resourcesOfType(production, T.variable).map((variable) => [
        String(variable.inputs.variableName),
        variable.inputs,
      ]),
    );
    expect(Object.keys(variables).sort()).toEqual(["APP_URL", "ORIGIN_HOSTS", "REGISTRY_ENDPOINT"]);
    for (const variable of Object.values(variables)) {
      expect(variable).toMatchObject({ repository: "platform", environment: "production" });
    }
    expect(variables.APP_URL?.value).toBe("https://app.example.com");
    expect(variables.ORIGIN_HOSTS?.value).toMatch(
      /^platform-production-fra-\w+\.ondigitalocean\.app,platform-production-ams-\w+\.ondigitalocean\.app$/,
    );
    expect(variables.REGISTRY_ENDPOINT?.value).toBe("registry.digitalocean.com/acme-platform");
    const secret = resourceNamed(production, T.secret, "pipeline-deploy-secret-origin_lock_secret");
    expect(secret.secretInputs).toEqual(["value"]);
    expect(secret.inputs).toMatchObject({
      environment: "production",
      secretName: "ORIGIN_LOCK_SECRET",
    });
  });

  it("is written by a component that keeps the values its predecessor wrote", () => {
    const [values, ...others] = resourcesOfType(production, T.values);
    expect(others).toEqual([]);
    expect(values?.name).toBe("pipeline-deploy");
  });

  it("manages the configured owner's repository, whatever account the token belongs to", () => {
    const [provider] = resourcesOfType(production, T.githubProvider);
    expect(provider?.inputs.owner).toBe("acme");
  });

  it("says where the pipeline's controls are declared, and exports the names it writes", () => {
    const delivery = (
      manifestOf("production", production).outputs.platform as { delivery: unknown }
    ).delivery;
    expect(delivery).toEqual({
      repository: "acme/platform",
      environment: "production",
      variables: ["APP_URL", "ORIGIN_HOSTS", "REGISTRY_ENDPOINT"],
      secrets: ["ORIGIN_LOCK_SECRET"],
      controlsFrom: "bootstrap",
    });
  });
});

describe("physical resources across the two stacks and the bootstrap", () => {
  it("are created by exactly one of them", () => {
    const productionPlan = manifestOf("production", production).resources;
    expect(collisions(productionPlan, staging.resources)).toEqual([]);
    expect(collisions(productionPlan, bootstrap.resources)).toEqual([]);
    expect(collisions(staging.resources, bootstrap.resources)).toEqual([]);
  });

  it("collide when two would write the same value (the check can fail)", () => {
    const writesFlow = bootstrap.resources.filter((resource) => resource.name === "delivery-flow");
    expect(collisions(writesFlow, bootstrap.resources)).toEqual([
      "platform variable DELIVERY_FLOW",
    ]);
  });
});
