// An IAM role that one GitHub Actions environment of one repository assumes with its OIDC token,
// and nothing else can: the trust names the repository and the environment exactly (the
// subject's form: oidc-subject.ts).
import { aws } from "../sdk/aws.ts";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_OIDC_ISSUER, STS_AUDIENCE } from "./github-oidc.ts";
import { PlatformComponent } from "../core/component.ts";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

export interface CiRoleArgs {
  /** IAM role name, e.g. `platform-production-deploy`. */
  roleName: string;
  oidcProviderArn: pulumi.Input<string>;
  /** `owner/repository`, for the role's description. */
  repository: string;
  /** The GitHub environment whose jobs may assume the role. */
  environment: string;
  /** That environment's `sub` claim, e.g. `repo:acme/platform:environment:staging`. */
  subject: pulumi.Input<string>;
  /** What the role may do; every statement names its resources. */
  permissions: pulumi.Input<PolicyStatement[]>;
  /**
   * The longest session a job may ask for, in seconds: at least its job's `timeout-minutes`, so
   * that no credential expires under a running `pulumi up` (its state writes would fail halfway).
   */
  maxSessionSeconds: number;
}

/**
 * The trust policy: the token must come from GitHub's issuer, be meant for STS, and carry the
 * subject of a job that runs in one environment of one repository (GitHub docs, "About security
 * hardening with OpenID Connect", example subject claims); StringEquals, not StringLike, so no
 * other repository, branch or environment matches.
 */
export function githubTrustPolicy(
  oidcProviderArn: string,
  subject: string,
): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActionsEnvironment",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_ISSUER}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_ISSUER}:sub`]: subject,
          },
        },
      },
    ],
  };
}

export class CiRole extends PlatformComponent {
  readonly arn: pulumi.Output<string>;
  readonly roleName: string;

  constructor(name: string, args: CiRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "CiRole", name, opts);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: `GitHub Actions, ${args.repository} environment ${args.environment}`,
        assumeRolePolicy: pulumi
          .all([args.oidcProviderArn, args.subject])
          .apply(([arn, subject]) => JSON.stringify(githubTrustPolicy(arn, subject))),
        maxSessionDuration: args.maxSessionSeconds,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        policy: pulumi
          .output(args.permissions)
          .apply((statements) => JSON.stringify({ Version: "2012-10-17", Statement: statements })),
      },
      { parent: this },
    );
    this.arn = role.arn;
    this.roleName = args.roleName;
    this.registerOutputs({ arn: this.arn });
  }
}
