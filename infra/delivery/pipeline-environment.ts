// A GitHub Actions environment of the repository and its protection: who may deploy through it
// (a deployment policy naming the one branch or tag pattern), who approves each job, and the
// identity variables its jobs read (the AWS role they assume, where the state is). Owned by the
// bootstrap project: the stacks that deploy through the environment only add their own values
// (EnvironmentValues), with tokens that cannot change any of this.
import { github } from "../sdk/github.ts";
import type * as pulumi from "@pulumi/pulumi";
import { EnvironmentValues } from "./environment-values.ts";
import { PlatformComponent } from "../core/component.ts";

export type DeployRef = { branch: string } | { tagPattern: string };

export interface PipelineEnvironmentArgs {
  repository: string;
  /** Environment name, e.g. `production` or `production-preview`. */
  environment: string;
  /**
   * The only ref whose runs may use the environment; undefined admits every branch (previews run
   * on pull requests' branches, with read-only credentials).
   */
  deployFrom?: DeployRef;
  /** GitHub user and team ids whose approval each job in the environment waits for. */
  reviewers?: { users: pulumi.Input<number>[]; teams: pulumi.Input<number>[] };
  /** Plain configuration the jobs read as `vars.<NAME>`. */
  variables: Record<string, pulumi.Input<string>>;
}

export class PipelineEnvironment extends PlatformComponent {
  readonly environment: pulumi.Output<string>;

  constructor(name: string, args: PipelineEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "PipelineEnvironment", name, opts);
    const reviewers = args.reviewers;
    const hasReviewers =
      reviewers !== undefined && reviewers.users.length + reviewers.teams.length > 0;
    const environment = new github.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository: args.repository,
        environment: args.environment,
        // Nobody approves their own run, and admins wait like everyone else.
        ...(hasReviewers ? { reviewers: [reviewers], preventSelfReview: true } : {}),
        canAdminsBypass: false,
        // `customBranchPolicies` admits exactly the refs of the deployment policies below
        // (GitHub REST "Create or update an environment": protected_branches and
        // custom_branch_policies are exclusive, and one must be true when a policy is set).
        ...(args.deployFrom === undefined
          ? {}
          : { deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } }),
      },
      { parent: this },
    );
    if (args.deployFrom !== undefined) {
      new github.RepositoryEnvironmentDeploymentPolicy(
        `${name}-deploy-from`,
        {
          repository: args.repository,
          environment: environment.environment,
          ...("branch" in args.deployFrom
            ? { branchPattern: args.deployFrom.branch }
            : { tagPattern: args.deployFrom.tagPattern }),
        },
        { parent: this },
      );
    }
    new EnvironmentValues(
      `${name}-values`,
      {
        repository: args.repository,
        environment: environment.environment,
        variables: args.variables,
      },
      { parent: this },
    );
    this.environment = environment.environment;
    this.registerOutputs({ environment: this.environment });
  }
}
