// The delivery tier: what this stack alone knows and its deploy workflow reads, written into its
// GitHub environment (`<stack>`): the public URL, each region's origin, the registry, and the
// origin lock's secret for the smoke check. Everything that decides who may deploy (the
// environments and their reviewers and deployment policies, the CI roles, the OIDC provider, the
// rulesets) is the bootstrap project's (`bootstrap/`), applied by an administrator: nothing a
// deployment runs can change it.
import { github } from "../infra/sdk/github.ts";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentValues } from "../infra/delivery/environment-values.ts";
import type { OriginLock } from "../infra/edge/origin-lock.ts";
import type { ComputeTier } from "./compute.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { DeliveryOutput } from "./outputs.ts";

export interface DeliveryTier {
  outputs: DeliveryOutput;
}

/** What the delivery tier builds on. */
export interface DeliveryDependencies {
  compute: ComputeTier;
  originLock: OriginLock;
}

export function buildDelivery(
  config: PlatformConfig,
  { compute, originLock }: DeliveryDependencies,
): DeliveryTier {
  const { environment } = config;
  const { owner, repository: name } = config.github;
  // Resources land in the configured owner's repository, whatever account the token belongs to.
  const githubProvider = new github.Provider("github", { owner });

  const originHosts = pulumi
    .all(compute.apps.map(({ app }) => app.ingressHost))
    .apply((hosts) => hosts.join(","));
  const variables = {
    APP_URL: `https://${config.domain.appHost}`,
    ORIGIN_HOSTS: originHosts,
    REGISTRY_ENDPOINT: compute.outputs.registry.endpoint,
  };
  // Lets the smoke check ask each region's origin directly, past the load balancer, so a broken
  // secondary shows up right after the deployment that broke it.
  const secrets = { ORIGIN_LOCK_SECRET: originLock.current };
  new EnvironmentValues(
    "pipeline-deploy",
    { repository: name, environment, variables, secrets },
    {
      providers: { github: githubProvider },
      // The same variables and secret, written before by the component that also created the
      // environment (now the bootstrap project's): kept, not replaced.
      aliases: [{ type: "platform:delivery:PipelineEnvironment" }],
    },
  );

  return {
    outputs: {
      repository: `${owner}/${name}`,
      environment,
      variables: Object.keys(variables),
      secrets: Object.keys(secrets),
      controlsFrom: "bootstrap",
    },
  };
}
