// Delivery: production deploys and previews wait for a reviewer, deploys come from the agreed refs
// only, the branches and release tags that deploy are protected by rulesets, all of it declared by
// the bootstrap project alone, and CI's AWS roles trust exactly one repository and environment
// through GitHub's OIDC tokens.
import { policyDocumentsOf, statementsOf } from "../iam.ts";
import { ofType, referrers } from "../links.ts";
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { isBootstrap } from "../context.ts";
import { field, isRecord, numberOf, path, records, text, texts } from "../values.ts";
import { retainOnDeleteOf } from "./data.ts";

/** The GitHub environment every production deployment runs in. */
export const PRODUCTION_ENVIRONMENT = "production";
/** Where production's previews and drift checks run: they decrypt production's state. */
export const PRODUCTION_PREVIEW_ENVIRONMENT = "production-preview";

const ENVIRONMENT_TYPES = {
  deploymentPolicy:
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
} as const;

export const productionReviewers: PlatformRule = {
  id: "delivery-production-reviewers",
  description:
    "Production's environments, deploy and preview alike, wait for a reviewer, nobody approves their own run, and admins cannot bypass them.",
  remediation:
    "Set platform-bootstrap:environments.production.reviewers and .previewReviewers (users or teams) in bootstrap/Pulumi.identity.yaml; PipelineEnvironment sets preventSelfReview and canAdminsBypass: false.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.environment],
  checkResource: (args, _context, report) => {
    const name = field(args.props, "environment");
    if (name !== PRODUCTION_ENVIRONMENT && name !== PRODUCTION_PREVIEW_ENVIRONMENT) {
      args.notApplicable("reads production's environments only");
    }
    const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
    const reviewers = records(field(args.props, "reviewers")).reduce(
      (sum, entry) => sum + count(entry.users) + count(entry.teams),
      0,
    );
    if (reviewers === 0) report(`${String(name)} has no required reviewer`);
    if (field(args.props, "preventSelfReview") !== true) {
      report("preventSelfReview is not true: the author of a run may approve it");
    }
    // GitHub's default lets admins bypass the environment's protection rules.
    if (field(args.props, "canAdminsBypass") !== false) {
      report("canAdminsBypass is not false: admins may run without review");
    }
  },
};

export const productionDeployRefs: PlatformRule = {
  id: "delivery-production-deploy-refs",
  description:
    "Only the agreed refs may deploy to the production environment: a custom deployment policy names them.",
  remediation:
    "Keep the production PipelineEnvironment's deployFrom (bootstrap/config.ts deployRefs): it sets customBranchPolicies and adds the RepositoryEnvironmentDeploymentPolicy.",
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
        ENVIRONMENT_TYPES.deploymentPolicy,
        "environment",
        environment,
      );
      if (policies.length === 0) {
        report("production's custom deployment policy names no branch or tag", environment.urn);
      }
    }
  },
};

/** Why a deployment policy's pattern admits more than one branch or tag pattern, if it does. */
export function wideDeployRef(props: unknown): string | undefined {
  const branch = text(field(props, "branchPattern"));
  const tag = text(field(props, "tagPattern"));
  if (branch !== undefined && /[*?[\]]/.test(branch)) {
    return `branchPattern "${branch}" is a pattern: every matching branch could deploy`;
  }
  if (tag !== undefined && !/^[^*?[\]]/.test(tag)) {
    return `tagPattern "${tag}" starts with a wildcard: any tag anybody pushes could deploy`;
  }
  return undefined;
}

export const narrowDeployRefs: PlatformRule = {
  id: "delivery-deploy-refs-narrow",
  description:
    "A deployment policy names one branch exactly, or one tag pattern with a literal prefix (v*), never a wildcard that admits every ref.",
  remediation:
    "Name the branch (branch:main) or a tag pattern such as v* (bootstrap config github.defaultBranch, stagingBranch, releaseTags).",
  enforcementLevel: "mandatory",
  resourceTypes: [ENVIRONMENT_TYPES.deploymentPolicy],
  checkResource: (args, _context, report) => {
    const problem = wideDeployRef(args.props);
    if (problem !== undefined) report(problem);
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
    "The bootstrap project declares the protected branches' ruleset active: reviewed pull requests with code owners' review, required checks, no force-push, no deletion.",
  remediation:
    "Keep BranchRuleset (infra/delivery/branch-ruleset.ts) in the bootstrap project (bootstrap/repository.ts).",
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
    if (path(rules, ["pullRequest", "requireCodeOwnerReview"]) !== true) {
      report("code owners' review is not required (requireCodeOwnerReview)");
    }
    if (records(path(rules, ["requiredStatusChecks", "requiredChecks"])).length === 0) {
      report("no status check is required");
    }
  },
  checkStack: (args, context, report) => {
    if (!isBootstrap(context)) {
      args.notApplicable("the bootstrap project owns the repository's rulesets");
    }
    const declared = ofType(args.resources, TYPES.repositoryRuleset).some((ruleset) =>
      targetsDefaultBranch(ruleset.props),
    );
    if (!declared) report("the bootstrap project declares no ruleset on the default branch");
  },
};

export const releaseTagsProtected: PlatformRule = {
  id: "delivery-release-tags-protected",
  description:
    "Tags that deploy production are covered by an active tag ruleset that only its bypass list (the release team) may create, move or delete.",
  remediation:
    "Set platform-bootstrap:github.releaseTeam; bootstrap/repository.ts then declares ReleaseTagRuleset for github.releaseTags.",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    const production = ofType(args.resources, TYPES.environment).filter(
      (environment) => field(environment.props, "environment") === PRODUCTION_ENVIRONMENT,
    );
    const tagPatterns = production.flatMap((environment) =>
      referrers(args.resources, ENVIRONMENT_TYPES.deploymentPolicy, "environment", environment)
        .map((policy) => text(field(policy.props, "tagPattern")))
        .filter((pattern): pattern is string => pattern !== undefined),
    );
    if (tagPatterns.length === 0) args.notApplicable("no tag deploys production");
    const tagRulesets = ofType(args.resources, TYPES.repositoryRuleset).filter(
      (ruleset) =>
        field(ruleset.props, "target") === "tag" &&
        field(ruleset.props, "enforcement") === "active",
    );
    for (const pattern of tagPatterns) {
      const covering = tagRulesets.filter((ruleset) =>
        texts(path(ruleset.props, ["conditions", "refName", "includes"])).includes(
          `refs/tags/${pattern}`,
        ),
      );
      const locked = covering.some((ruleset) => {
        const rules = field(ruleset.props, "rules");
        return (
          field(rules, "creation") === true &&
          field(rules, "update") === true &&
          field(rules, "deletion") === true &&
          records(field(ruleset.props, "bypassActors")).length > 0
        );
      });
      if (!locked) {
        report(
          `no active tag ruleset lets only its bypass list create, update and delete refs/tags/${pattern}, which deploys production`,
        );
      }
    }
  },
};

/** Types that decide who may deploy: they belong to the bootstrap project alone. */
const TRUST_TYPES: readonly string[] = [
  TYPES.environment,
  TYPES.repositoryRuleset,
  TYPES.role,
  TYPES.oidcProvider,
  ENVIRONMENT_TYPES.deploymentPolicy,
];

export const identityInBootstrap: PlatformRule = {
  id: "delivery-identity-in-bootstrap",
  description:
    "The platform's stacks declare no GitHub environment, deployment policy, ruleset, IAM role or OIDC provider: those decide who may deploy and belong to the bootstrap project, which no workflow runs.",
  remediation:
    "Move the resource into bootstrap/ (its CI roles and repository tiers); the platform only writes values into its environment (EnvironmentValues).",
  enforcementLevel: "mandatory",
  checkStack: (args, context, report) => {
    if (isBootstrap(context)) args.notApplicable("the bootstrap project owns them");
    for (const resource of args.resources) {
      if (TRUST_TYPES.includes(resource.type)) {
        report(
          `${resource.name} (${resource.type}) belongs in the bootstrap project`,
          resource.urn,
        );
      }
    }
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
    "What every stack relies on (the repository's rulesets, the AWS OIDC provider for GitHub) is protected and retained.",
  remediation:
    "Keep protect: true and retainOnDelete: true on BranchRuleset's and ReleaseTagRuleset's rulesets and GitHubOidcProvider's provider.",
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
  narrowDeployRefs,
  defaultBranchRuleset,
  releaseTagsProtected,
  identityInBootstrap,
  oidcSingleSubject,
  sharedResourcesRetained,
];
