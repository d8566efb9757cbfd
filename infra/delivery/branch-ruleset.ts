// The protected branches' ruleset: changes arrive by reviewed pull requests whose checks passed,
// the owners of what changed (CODEOWNERS) among the reviewers, and no branch it covers is ever
// force-pushed or deleted. One per repository, owned by the bootstrap project.
import { github } from "../sdk/github.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

/**
 * The GitHub Actions app. A ruleset's required check bound to it (`integrationId`) is satisfied only
 * by a check run of a workflow job, never by a commit status that any token with `statuses: write`
 * can post under the same name. Its id, 15368, is the `app.id` of every Actions check run
 * (rust-lang/team#2200 binds its rulesets the same way).
 */
export const GITHUB_ACTIONS_APP_ID = 15368;

/** `~DEFAULT_BRANCH` follows a rename of the default branch (GitHub REST "Create a repository ruleset", conditions.ref_name.include). */
export const DEFAULT_BRANCH_REF = "~DEFAULT_BRANCH";

export interface BranchRulesetArgs {
  repository: string;
  /**
   * Other branches that deploy, as full refs (`refs/heads/staging`); the default branch is always
   * covered.
   * @default []
   */
  otherBranches?: string[];
  requiredReviews: number;
  /** Check run names, as `requiredChecks()` reads them from the checks workflow. */
  requiredChecks: string[];
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function branchRulesetArgsProblems(args: BranchRulesetArgs): string[] {
  const problems: string[] = [];
  if (args.requiredChecks.length === 0) {
    problems.push("requiredChecks is empty; the checks workflow has no job");
  }
  if (args.requiredReviews < 1) {
    problems.push(
      `requiredReviews is ${String(args.requiredReviews)}; with 0, anyone who can push merges unreviewed (set 1 or more)`,
    );
  }
  return problems;
}

export class BranchRuleset extends PlatformComponent {
  constructor(name: string, args: BranchRulesetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "BranchRuleset", name, opts);
    this.checkArgs(branchRulesetArgsProblems(args));
    new github.RepositoryRuleset(
      `${name}-ruleset`,
      {
        repository: args.repository,
        name: "protected-branches",
        target: "branch",
        enforcement: "active",
        conditions: {
          refName: { includes: [DEFAULT_BRANCH_REF, ...(args.otherBranches ?? [])], excludes: [] },
        },
        rules: {
          deletion: true,
          nonFastForward: true,
          pullRequest: {
            requiredApprovingReviewCount: args.requiredReviews,
            // The owners named in .github/CODEOWNERS for what a pull request changes approve it.
            requireCodeOwnerReview: true,
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
      // Removing it from the bootstrap project must not unprotect the branches that deploy.
      { parent: this, protect: true, retainOnDelete: true },
    );
    this.registerOutputs({});
  }
}
