// The delivery tier: the GitHub side of the pipelines (this stack's environments, their
// variables and secrets, the default branch's ruleset when this stack owns it) and keyless AWS
// access for them (the OIDC provider when owned, a deployment role and a read-only preview role).
import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { CiRole } from "../infra/delivery/ci-role.ts";
import { deployPermissions, previewPermissions } from "../infra/delivery/ci-permissions.ts";
import { DefaultBranchRuleset } from "../infra/delivery/default-branch-ruleset.ts";
import {
  environmentSubject,
  type Repository,
  repositoryIdentityFrom,
  type SubjectForm,
  subjectPrefix,
} from "../infra/delivery/oidc-subject.ts";
import { GitHubOidcProvider } from "../infra/delivery/github-oidc.ts";
import { type DeployRef, PipelineEnvironment } from "../infra/delivery/pipeline-environment.ts";
import { requiredChecks } from "../infra/delivery/required-checks.ts";
import type { OriginLock } from "../infra/edge/origin-lock.ts";
import { ASSET_PROBE_KEY } from "../infra/storage/asset-bucket.ts";
import type { ComputeTier } from "./compute.ts";
import { CONFIG_NAMESPACE } from "./config/schema.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { Foundation } from "./foundation.ts";
import type { DeliveryOutput } from "./outputs.ts";

export interface DeliveryTier {
  outputs: DeliveryOutput;
}

export function deployRefOf(deployFrom: string): DeployRef {
  const [kind, ...rest] = deployFrom.split(":");
  const ref = rest.join(":");
  return kind === "tag" ? { tagPattern: ref } : { branch: ref };
}

/**
 * The subject prefix of `repository`'s tokens, spelt as GitHub spells the repository, with its ids
 * when the form needs them. Both forms look the repository up, so a wrong name fails the preview.
 */
function repositorySubjectPrefix(
  repository: Repository,
  form: SubjectForm,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  return github
    .getRestApiOutput({ endpoint: `repos/${repository.owner}/${repository.name}` }, opts)
    .apply((answer) => subjectPrefix(repositoryIdentityFrom(repository, answer), form));
}

export function buildDelivery(
  config: PlatformConfig,
  foundation: Foundation,
  compute: ComputeTier,
  originLock: OriginLock,
): DeliveryTier {
  const { environment } = config;
  const { owner, repository: name } = config.github;
  const repository = `${owner}/${name}`;
  // Resources land in the configured owner's repository, whatever account the token belongs to.
  const githubProvider = new github.Provider("github", { owner });
  const onGitHub = { provider: githubProvider };
  const onAws = { provider: foundation.awsProvider };

  const accountId = aws.getCallerIdentityOutput({}, onAws).accountId;
  const oidcProviderArn = new GitHubOidcProvider(
    "github-oidc",
    { owned: config.github.owns.oidcProvider, accountId },
    { providers: { aws: foundation.awsProvider } },
  ).arn;
  const rolePrefix = `${CONFIG_NAMESPACE}-${environment}-`;
  const buckets = [config.domain.assetsHost, `${config.domain.assetsHost}-logs`];
  const footprint = accountId.apply((accountId) => ({
    accountId,
    buckets,
    objects: [`${config.domain.assetsHost}/${ASSET_PROBE_KEY}`],
    rolePrefix,
    ownsOidcProvider: config.github.owns.oidcProvider,
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    stateBucket: config.github.stateBucket,
  }));

  const previewEnvironment = `${environment}-preview`;
  const tokenSubjectPrefix = repositorySubjectPrefix(
    { owner, name },
    config.github.oidcSubject,
    onGitHub,
  );
  const deploySubject = tokenSubjectPrefix.apply((prefix) =>
    environmentSubject(prefix, environment),
  );
  const previewSubject = tokenSubjectPrefix.apply((prefix) =>
    environmentSubject(prefix, previewEnvironment),
  );
  const deployRole = new CiRole(
    "ci-deploy",
    {
      roleName: `${rolePrefix}deploy`,
      oidcProviderArn,
      repository,
      environment,
      subject: deploySubject,
      permissions: footprint.apply(deployPermissions),
    },
    { providers: { aws: foundation.awsProvider } },
  );
  const previewRole = new CiRole(
    "ci-preview",
    {
      roleName: `${rolePrefix}preview`,
      oidcProviderArn,
      repository,
      environment: previewEnvironment,
      subject: previewSubject,
      permissions: footprint.apply(previewPermissions),
    },
    { providers: { aws: foundation.awsProvider } },
  );

  const reviewers = {
    users: config.github.reviewers.users.map((username) =>
      github.getUserOutput({ username }, onGitHub).id.apply(Number),
    ),
    teams: config.github.reviewers.teams.map((slug) =>
      github.getTeamOutput({ slug, summaryOnly: true }, onGitHub).id.apply(Number),
    ),
  };
  const shared = {
    AWS_REGION: config.assets.awsRegion,
    PULUMI_STACK: pulumi.getStack(),
  };
  const appUrl = `https://${config.domain.appHost}`;
  const originHosts = pulumi
    .all(compute.apps.map(({ app }) => app.ingressHost))
    .apply((hosts) => hosts.join(","));
  const deployVariables = {
    ...shared,
    AWS_ROLE_ARN: deployRole.arn,
    APP_URL: appUrl,
    ORIGIN_HOSTS: originHosts,
    REGISTRY_ENDPOINT: compute.outputs.registry.endpoint,
  };
  // Lets the smoke check ask each region's origin directly, past the load balancer, so a broken
  // secondary shows up right after the deployment that broke it.
  const deploySecrets = { ORIGIN_LOCK_SECRET: originLock.current };
  const previewVariables = { ...shared, AWS_ROLE_ARN: previewRole.arn };
  new PipelineEnvironment(
    "pipeline-deploy",
    {
      repository: name,
      environment,
      deployFrom: deployRefOf(config.github.deployFrom),
      reviewers,
      variables: deployVariables,
      secrets: deploySecrets,
    },
    { providers: { github: githubProvider } },
  );
  new PipelineEnvironment(
    "pipeline-preview",
    { repository: name, environment: previewEnvironment, variables: previewVariables },
    { providers: { github: githubProvider } },
  );

  const checks = config.github.owns.ruleset ? requiredChecks() : [];
  if (config.github.owns.ruleset) {
    new DefaultBranchRuleset(
      "default-branch",
      { repository: name, requiredReviews: config.github.requiredReviews, requiredChecks: checks },
      { providers: { github: githubProvider } },
    );
  }

  return {
    outputs: {
      repository,
      environments: [
        {
          name: environment,
          deployFrom: config.github.deployFrom,
          reviewers: config.github.reviewers,
          variables: Object.keys(deployVariables),
          secrets: Object.keys(deploySecrets),
          awsRole: { arn: deployRole.arn, trusts: deploySubject },
        },
        {
          name: previewEnvironment,
          deployFrom: "any branch (read-only)",
          reviewers: { users: [], teams: [] },
          variables: Object.keys(previewVariables),
          secrets: [],
          awsRole: { arn: previewRole.arn, trusts: previewSubject },
        },
      ],
      ruleset: config.github.owns.ruleset
        ? {
            owned: true,
            branch: config.github.defaultBranch,
            requiredReviews: config.github.requiredReviews,
            requiredChecks: checks,
          }
        : { owned: false },
      oidcProvider: { arn: oidcProviderArn, owned: config.github.owns.oidcProvider },
    },
  };
}
