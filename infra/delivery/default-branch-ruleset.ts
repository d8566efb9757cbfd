// The default branch's ruleset: changes arrive by reviewed pull requests whose checks passed, and
// the branch is never force-pushed or deleted. One per repository, so one stack owns it.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_ACTIONS_APP_ID } from "./required-checks.ts";

export interface DefaultBranchRulesetArgs {
  repository: string;
  requiredReviews: number;
  /** Check run names, as `requiredChecks()` reads them from the checks workflow. */
  requiredChecks: string[];
}

export class DefaultBranchRuleset extends pulumi.ComponentResource {
  constructor(
    name: string,
    args: DefaultBranchRulesetArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("platform:delivery:DefaultBranchRuleset", name, {}, opts);
    if (args.requiredChecks.length === 0) {
      throw new Error(
        `DefaultBranchRuleset ${name}: requiredChecks is empty; the checks workflow has no job`,
      );
    }
    new github.RepositoryRuleset(
      `${name}-ruleset`,
      {
        repository: args.repository,
        name: "default-branch",
        target: "branch",
        enforcement: "active",
        // `~DEFAULT_BRANCH` follows a rename of the default branch (GitHub REST "Create a
        // repository ruleset", conditions.ref_name.include).
        conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
        rules: {
          deletion: true,
          nonFastForward: true,
          pullRequest: {
            requiredApprovingReviewCount: args.requiredReviews,
            dismissStaleReviewsOnPush: true,
            requireLastPushApproval: true,
            requiredReviewThreadResolution: true,
          },
          requiredStatusChecks: {
            // Bound to GitHub Actions: a commit status of the same name posted by anything else
            // does not satisfy it.
            requiredChecks: args.requiredChecks.map((context) => ({
              context,
              integrationId: GITHUB_ACTIONS_APP_ID,
            })),
            strictRequiredStatusChecksPolicy: true,
          },
        },
      },
      // Deleting the stack that owns it must not unprotect the branch the others deploy from.
      { parent: this, protect: true, retainOnDelete: true },
    );
    this.registerOutputs({});
  }
}
