// What a resource is outside Pulumi: the name its provider's API knows it by. Two stacks that
// would create resources with the same identity collide (the second create fails, or both fight
// over one object), so the test of shared ownership compares them across stacks.
import type { ManifestResource } from "../../tools/plan/render.ts";

type Identify = (inputs: Record<string, unknown>) => string | undefined;

const field = (inputs: Record<string, unknown>, key: string): string => String(inputs[key]);

/** Identity per resource type, for every type whose objects are named by the caller. */
const IDENTITIES: Record<string, Identify> = {
  "github:index/repositoryRuleset:RepositoryRuleset": (i) =>
    `${field(i, "repository")} ruleset ${field(i, "name")}`,
  "github:index/repositoryEnvironment:RepositoryEnvironment": (i) =>
    `${field(i, "repository")} environment ${field(i, "environment")}`,
  "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": (i) =>
    `${field(i, "repository")} environment ${field(i, "environment")} policy ${String(i.branchPattern ?? i.tagPattern)}`,
  "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": (i) =>
    `${field(i, "repository")} environment ${field(i, "environment")} variable ${field(i, "variableName")}`,
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": (i) =>
    `${field(i, "repository")} environment ${field(i, "environment")} secret ${field(i, "secretName")}`,
  "github:index/actionsVariable:ActionsVariable": (i) =>
    `${field(i, "repository")} variable ${field(i, "variableName")}`,
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (i) => `oidc provider ${field(i, "url")}`,
  "aws:iam/role:Role": (i) => `iam role ${field(i, "name")}`,
  "aws:s3/bucket:Bucket": (i) => `bucket ${field(i, "bucket")}`,
  "digitalocean:index/project:Project": (i) => `project ${field(i, "name")}`,
  "digitalocean:index/vpc:Vpc": (i) => `vpc ${field(i, "name")}`,
  "digitalocean:index/databaseCluster:DatabaseCluster": (i) => `database ${field(i, "name")}`,
  "digitalocean:index/containerRegistry:ContainerRegistry": (i) => `registry ${field(i, "name")}`,
  "digitalocean:index/app:App": (i) =>
    `app ${String((i.spec as { name?: unknown } | undefined)?.name)}`,
  "cloudflare:index/ruleset:Ruleset": (i) =>
    `zone ${field(i, "zoneId")} phase ${field(i, "phase")}`,
  "cloudflare:index/zoneSetting:ZoneSetting": (i) =>
    `zone ${field(i, "zoneId")} setting ${field(i, "settingId")}`,
  "cloudflare:index/dnsRecord:DnsRecord": (i) =>
    `zone ${field(i, "zoneId")} record ${field(i, "name")}`,
  "cloudflare:index/loadBalancer:LoadBalancer": (i) =>
    `zone ${field(i, "zoneId")} load balancer ${field(i, "name")}`,
  "cloudflare:index/loadBalancerPool:LoadBalancerPool": (i) =>
    `account ${field(i, "accountId")} pool ${field(i, "name")}`,
};

export function physicalIdentities(resources: readonly ManifestResource[]): Map<string, string> {
  const identities = new Map<string, string>();
  for (const resource of resources) {
    const identity = IDENTITIES[resource.type]?.(resource.inputs);
    if (identity !== undefined) identities.set(identity, resource.name);
  }
  return identities;
}

/** Identities both plans would create. */
export function collisions(
  first: readonly ManifestResource[],
  second: readonly ManifestResource[],
): string[] {
  const theirs = physicalIdentities(second);
  return [...physicalIdentities(first).keys()].filter((identity) => theirs.has(identity)).sort();
}
