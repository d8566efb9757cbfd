// AWS for CI, per environment, in the environment's own account: GitHub's OIDC provider (one per
// account), the state backend when the environment uses S3, and three roles, one per GitHub
// environment of the stack (deploy, preview, drift), each trusting exactly that environment's
// OIDC subject. The roles' grants come from the platform stack's own footprint and hold no IAM
// action at all: nothing CI assumes can change a role, its own included.
import { aws } from "../infra/sdk/aws.ts";
import type * as GitHub from "@pulumi/github";
import { github } from "../infra/sdk/github.ts";
import * as pulumi from "@pulumi/pulumi";
import {
  deployPermissions,
  previewPermissions,
  type StackFootprint,
} from "../infra/delivery/ci-permissions.ts";
import { CiRole } from "../infra/delivery/ci-role.ts";
import { GitHubOidcProvider } from "../infra/delivery/github-oidc.ts";
import {
  environmentSubject,
  type RepositoryIdentity,
  repositoryIdentityFrom,
  subjectFormFrom,
  subjectPrefix,
} from "../infra/delivery/oidc-subject.ts";
import { StateBackend } from "../infra/delivery/state-backend.ts";
import type { Environment } from "../stacks/config/catalog.ts";
import type { BootstrapConfig } from "./config.ts";
import type { PlatformStack } from "./platform-stacks.ts";
import { environmentPrefix } from "../infra/core/component.ts";

/**
 * The GitHub environments of a stack: `deploy` changes it, `preview` reads it for pull requests
 * (any branch), `drift` reads it for the scheduled drift check (the default branch only, so that
 * it needs no reviewer where previews do).
 */
export const ENVIRONMENT_KINDS = ["deploy", "preview", "drift"] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** The GitHub environment of a stack for one kind of job: `production`, `production-preview`, … */
export function githubEnvironment(environment: string, kind: EnvironmentKind): string {
  return kind === "deploy" ? environment : `${environment}-${kind}`;
}

export interface EnvironmentIdentity {
  environment: Environment;
  stack: PlatformStack;
  /** The role each of the stack's GitHub environments assumes, and the subject it trusts. */
  roles: Record<EnvironmentKind, { role: CiRole; subject: pulumi.Output<string> }>;
  /** The S3 backend's URL and secrets provider; undefined with Pulumi Cloud. */
  backend: { url: string; secretsProvider: pulumi.Output<string> } | undefined;
  oidcProvider: { accountId: string; arn: pulumi.Output<string>; created: boolean };
}

/**
 * How long each kind of job may hold its role: a deploy job runs up to two hours (a first
 * production `up` creates clusters and a replica one after the other), previews and drift checks
 * one; the workflows' `timeout-minutes` and `role-duration-seconds` match (a test holds them).
 */
export const SESSION_SECONDS: Record<EnvironmentKind, number> = {
  deploy: 7200,
  preview: 3600,
  drift: 3600,
};

/** `platform-<environment>-`: the names of an environment's CI roles start with it. */
export const rolePrefix = (environment: string) => `${environmentPrefix(environment)}-`;

/**
 * The repository as GitHub knows it: its ids and its names as GitHub spells them, which is how
 * the tokens' claims spell them (oidc-subject.ts), and whether it is public.
 */
export function repositoryOnGitHub(
  config: BootstrapConfig,
  githubProvider: GitHub.Provider,
): pulumi.Output<RepositoryIdentity> {
  const { owner, repository } = config.github;
  return github
    .getRestApiOutput({ endpoint: `repos/${owner}/${repository}` }, { provider: githubProvider })
    .apply((answer) => repositoryIdentityFrom({ owner, name: repository }, answer));
}

export function buildIdentity(
  config: BootstrapConfig,
  stacks: readonly PlatformStack[],
  repositoryIdentity: pulumi.Output<RepositoryIdentity>,
  githubProvider: GitHub.Provider,
): EnvironmentIdentity[] {
  const { owner, repository, oidcSubject } = config.github;
  // The form GitHub gives the repository's tokens, which the roles must trust to the letter.
  const template = github.getRestApiOutput(
    { endpoint: `repos/${owner}/${repository}/actions/oidc/customization/sub` },
    { provider: githubProvider },
  );
  const prefix = pulumi
    .all([repositoryIdentity, template])
    .apply(([found, answer]) => subjectPrefix(found, subjectFormFrom(found, oidcSubject, answer)));
  const oidcProviders = new Map<string, EnvironmentIdentity["oidcProvider"]>();

  return stacks.map((stack): EnvironmentIdentity => {
    const { environment, accountId, region } = stack;
    const settings = config.environments[environment];
    const aws_ = new aws.Provider(`aws-${environment}`, {
      region,
      allowedAccountIds: [accountId],
      defaultTags: { tags: { platform: "platform-bootstrap", environment } },
      ...(settings.awsProfile === undefined ? {} : { profile: settings.awsProfile }),
    });
    const onAws = { providers: { aws: aws_ } };

    // AWS refuses a second provider for one issuer in an account: the first environment of an
    // account creates it, the others trust the same one.
    let oidcProvider = oidcProviders.get(accountId);
    if (oidcProvider === undefined) {
      const created = !settings.existingOidcProvider;
      const component = new GitHubOidcProvider(
        `github-oidc-${environment}`,
        { owned: created, accountId },
        onAws,
      );
      oidcProvider = { accountId, arn: component.arn, created };
      oidcProviders.set(accountId, oidcProvider);
    }

    const stateBackend =
      settings.stateBucket === undefined
        ? undefined
        : new StateBackend(
            `state-${environment}`,
            {
              bucketName: settings.stateBucket,
              secretsKeyAlias: `${environmentPrefix(environment)}-secrets`,
              region,
            },
            onAws,
          );
    const footprint: pulumi.Output<StackFootprint> = pulumi
      .output(stateBackend?.secretsKeyArn)
      .apply((secretsKeyArn) => ({
        buckets: stack.buckets,
        objects: stack.objects,
        project: stack.project,
        stack: environment,
        backend:
          settings.stateBucket === undefined || secretsKeyArn === undefined
            ? undefined
            : { bucket: settings.stateBucket, secretsKeyArn },
      }));

    const role = (kind: EnvironmentKind) => {
      const name = githubEnvironment(environment, kind);
      const subject = prefix.apply((value) => environmentSubject(value, name));
      return {
        subject,
        role: new CiRole(
          `ci-${environment}-${kind}`,
          {
            roleName: `${rolePrefix(environment)}${kind}`,
            oidcProviderArn: oidcProvider.arn,
            repository: `${owner}/${repository}`,
            environment: name,
            subject,
            permissions: footprint.apply(
              kind === "deploy" ? deployPermissions : previewPermissions,
            ),
            maxSessionSeconds: SESSION_SECONDS[kind],
          },
          onAws,
        ),
      };
    };
    return {
      environment,
      stack,
      roles: { deploy: role("deploy"), preview: role("preview"), drift: role("drift") },
      backend:
        stateBackend === undefined || settings.stateBucket === undefined
          ? undefined
          : {
              url: `s3://${settings.stateBucket}?region=${region}`,
              secretsProvider: stateBackend.secretsProvider,
            },
      oidcProvider,
    };
  });
}
