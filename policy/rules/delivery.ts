// Delivery: production deploys wait for a reviewer and come from the agreed refs only, the
// default branch is protected by a ruleset, and CI's AWS roles trust exactly one repository and
// environment through GitHub's OIDC tokens.
import { policyDocumentsOf, statementsOf } from "../iam.ts";
import { ofType, referrers } from "../links.ts";
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, isRecord, numberOf, path, records, texts } from "../values.ts";
import { retainOnDeleteOf } from "./data.ts";

/** The GitHub environment every production deployment runs in. */
export const PRODUCTION_ENVIRONMENT = "production";

export const productionReviewers: PlatformRule = {
  id: "delivery-production-reviewers",
  description:
    "The production environment waits for a reviewer, nobody approves their own run, and admins cannot bypass it.",
  remediation:
    "Set platform:github.reviewers (users or teams) in Pulumi.production.yaml; PipelineEnvironment then sets preventSelfReview and canAdminsBypass: false.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.environment],
  checkResource: (args, _context, report) => {
    if (field(args.props, "environment") !== PRODUCTION_ENVIRONMENT) {
      args.notApplicable("reads the production environment only");
    }
    const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
    const reviewers = records(field(args.props, "reviewers")).reduce(
      (sum, entry) => sum + count(entry.users) + count(entry.teams),
      0,
    );
    if (reviewers === 0) report("production has no required reviewer");
    if (field(args.props, "preventSelfReview") !== true) {
      report("preventSelfReview is not true: the author of a run may approve it");
    }
    // GitHub's default lets admins bypass the environment's protection rules.
    if (field(args.props, "canAdminsBypass") !== false) {
      report("canAdminsBypass is not false: admins may deploy without review");
    }
  },
};

export const productionDeployRefs: PlatformRule = {
  id: "delivery-production-deploy-refs",
  description:
    "Only the agreed refs (release tags) may deploy to the production environment: a custom deployment policy names them.",
  remediation:
    "Set platform:github.deployFrom (e.g. tag:v*); PipelineEnvironment sets customBranchPolicies and adds the RepositoryEnvironmentDeploymentPolicy.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.environment],
  checkResource: (args, _context, report) => {
    if (field(args.props, "environment") !== PRODUCTION_ENVIRONMENT) {
      args.notApplicable("reads the production environment only");
    }
    const policy = field(args.props, "deploymentBranchPolicy");
    if (
      field(policy, "customBranchPolicies") !== true &&
      field(policy, "protectedBranches") !== true
    ) {
      report("production admits runs from any branch (no deploymentBranchPolicy)");
    }
  },
  checkStack: (args, _context, report) => {
    for (const environment of ofType(args.resources, TYPES.environment)) {
      if (field(environment.props, "environment") !== PRODUCTION_ENVIRONMENT) continue;
      if (path(environment.props, ["deploymentBranchPolicy", "customBranchPolicies"]) !== true) {
        continue;
      }
      const policies = referrers(
        args.resources,
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
        "environment",
        environment,
      );
      if (policies.length === 0) {
        report("production's custom deployment policy names no branch or tag", environment.urn);
      }
    }
  },
};

/** Whether a ruleset targets the default branch (`~DEFAULT_BRANCH` follows a rename). */
function targetsDefaultBranch(props: unknown): boolean {
  return (
    field(props, "target") === "branch" &&
    texts(path(props, ["conditions", "refName", "includes"])).includes("~DEFAULT_BRANCH")
  );
}

export const defaultBranchRuleset: PlatformRule = {
  id: "delivery-default-branch-ruleset",
  description:
    "The stack that owns the default branch's ruleset declares it active: reviewed pull requests, required checks, no force-push, no deletion.",
  remediation:
    "Keep DefaultBranchRuleset in the stack whose config sets github.owns.ruleset: true (exactly one stack; staging in this repository).",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.repositoryRuleset],
  checkResource: (args, _context, report) => {
    if (!targetsDefaultBranch(args.props))
      args.notApplicable("reads the default branch's ruleset only");
    const rules = field(args.props, "rules");
    if (field(args.props, "enforcement") !== "active") report("the ruleset is not active");
    if (field(rules, "deletion") !== true) report("the default branch may be deleted");
    if (field(rules, "nonFastForward") !== true) report("the default branch may be force-pushed");
    const reviews = numberOf(path(rules, ["pullRequest", "requiredApprovingReviewCount"])) ?? 0;
    if (reviews < 1) report("no pull request review is required");
    if (records(path(rules, ["requiredStatusChecks", "requiredChecks"])).length === 0) {
      report("no status check is required");
    }
  },
  checkStack: (args, context, report) => {
    const declared = ofType(args.resources, TYPES.repositoryRuleset).some((ruleset) =>
      targetsDefaultBranch(ruleset.props),
    );
    if (context.ownsDefaultBranchRuleset === false) {
      args.notApplicable("another stack owns the ruleset (github.owns.ruleset is false)");
    }
    if (context.ownsDefaultBranchRuleset === undefined && !declared) {
      args.notApplicable(
        "the stack's config is not at hand to say whether it owns the ruleset; checked across stacks",
      );
    }
    if (!declared) report("this stack owns the default branch's ruleset but declares none");
  },
};

const GITHUB_ISSUER = "token.actions.githubusercontent.com";
const SUBJECT = /^repo:[^/*?:]+\/[^/*?:]+:environment:[^*?]+$/;

/** The single string of a condition value (`"x"` or `["x"]`), or undefined. */
function single(value: unknown): string | undefined {
  const list = texts(value);
  return list.length === 1 && (typeof value === "string" || Array.isArray(value))
    ? list[0]
    : undefined;
}

export const oidcSingleSubject: PlatformRule = {
  id: "delivery-oidc-single-subject",
  description:
    "An AWS role that trusts GitHub's OIDC tokens trusts one repository and one environment exactly (StringEquals sub) for the sts.amazonaws.com audience.",
  remediation:
    "Use githubTrustPolicy (infra/delivery/ci-role.ts): StringEquals on token.actions.githubusercontent.com:sub = repo:<owner>[@<id>]/<repo>[@<id>]:environment:<name> and :aud = sts.amazonaws.com.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.role],
  checkResource: (args, _context, report) => {
    const trust = policyDocumentsOf(args.type, args.props).find((entry) => entry.kind === "trust");
    const statements = trust?.document === undefined ? [] : statementsOf(trust.document);
    const github = statements.filter((statement) =>
      (statement.principals.Federated ?? []).some((arn) =>
        arn.endsWith(`oidc-provider/${GITHUB_ISSUER}`),
      ),
    );
    if (github.length === 0) args.notApplicable("the role trusts no GitHub OIDC provider");
    for (const statement of github) {
      const where = `assumeRolePolicy statement ${statement.label}`;
      if (statement.effect !== "Allow") continue;
      if (statement.notAction || statement.actions.join() !== "sts:AssumeRoleWithWebIdentity") {
        report(
          `${where} allows ${statement.actions.join(", ") || "NotAction"}, not sts:AssumeRoleWithWebIdentity alone`,
        );
      }
      const equals = field(statement.condition, "StringEquals");
      const aud = single(field(equals, `${GITHUB_ISSUER}:aud`));
      const sub = single(field(equals, `${GITHUB_ISSUER}:sub`));
      if (aud !== "sts.amazonaws.com")
        report(`${where} does not require aud = sts.amazonaws.com (StringEquals)`);
      if (sub === undefined || !SUBJECT.test(sub)) {
        report(
          `${where} does not require one exact sub repo:<owner>[@<id>]/<repo>[@<id>]:environment:<name> (StringEquals)`,
        );
      }
      const others = Object.entries(statement.condition ?? {}).filter(
        ([operator, claims]) =>
          operator !== "StringEquals" && isRecord(claims) && `${GITHUB_ISSUER}:sub` in claims,
      );
      for (const [operator] of others) report(`${where} also matches sub with ${operator}`);
    }
  },
};

export const sharedResourcesRetained: PlatformRule = {
  id: "delivery-shared-resources-retained",
  description:
    "What every stack relies on (the default branch's ruleset, the AWS OIDC provider for GitHub) is protected and retained, in any stack.",
  remediation:
    "Keep protect: true and retainOnDelete: true on DefaultBranchRuleset's ruleset and GitHubOidcProvider's provider.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.repositoryRuleset, TYPES.oidcProvider],
  checkResource: (args, _context, report) => {
    if (!args.opts.protect)
      report(`${args.name} is not protected: destroying its stack deletes it`);
    if (retainOnDeleteOf(args.opts) === false) {
      report(
        `${args.name} is not retainOnDelete: removing it from its stack deletes it for every stack`,
      );
    }
  },
};

export const DELIVERY_RULES: readonly PlatformRule[] = [
  productionReviewers,
  productionDeployRefs,
  defaultBranchRuleset,
  oidcSingleSubject,
  sharedResourcesRetained,
];
