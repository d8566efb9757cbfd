// GitHub for the pipelines: per platform stack a deploy environment (entered only from the refs
// that deploy it, after its reviewers approve), a preview environment (any branch's pull request,
// read-only credentials, and in production a reviewer first) and a drift environment (the default
// branch's scheduled check, read-only), each told which AWS role its jobs assume; the
// repository's delivery flow; and the rulesets that protect the branches and the release tags
// that deploy.
import type * as GitHub from "@pulumi/github";
import { github } from "../infra/sdk/github.ts";
import * as pulumi from "@pulumi/pulumi";
import { BranchRuleset } from "../infra/delivery/branch-ruleset.ts";
import { reviewerAccessFrom, teamIdFrom } from "../infra/delivery/github-team.ts";
import { type DeployRef, PipelineEnvironment } from "../infra/delivery/pipeline-environment.ts";
import { ReleaseTagRuleset } from "../infra/delivery/release-tag-ruleset.ts";
import type { RepositoryIdentity } from "../infra/delivery/oidc-subject.ts";
import { type BootstrapConfig, deployRefs } from "./config.ts";
import {
  ENVIRONMENT_KINDS,
  type EnvironmentIdentity,
  type EnvironmentKind,
  githubEnvironment,
} from "./identity.ts";
import type { EnvironmentOutput, RulesetOutput } from "./outputs.ts";
import { requiredChecks } from "./required-checks.ts";

interface People {
  users: string[];
  teams: string[];
}

export interface RepositoryTier {
  environments: EnvironmentOutput[];
  rulesets: RulesetOutput[];
}

export function buildRepository(
  config: BootstrapConfig,
  identities: readonly EnvironmentIdentity[],
  githubProvider: GitHub.Provider,
  onGitHubAs: pulumi.Output<RepositoryIdentity>,
): RepositoryTier {
  const { owner, repository } = config.github;
  const onGitHub = { provider: githubProvider };
  const teamIds = new Map<string, pulumi.Output<number>>();
  const teamId = (slug: string) => {
    let id = teamIds.get(slug);
    if (id === undefined) {
      id = github
        .getRestApiOutput({ endpoint: `orgs/${owner}/teams/${slug}` }, onGitHub)
        .apply((answer) => teamIdFrom(owner, slug, answer));
      teamIds.set(slug, id);
    }
    return id;
  };
  const fullName = `${owner}/${repository}`;
  const confirmed = new Map<string, pulumi.Output<number>>();
  /** `id` once GitHub confirms the reviewer can read the repository (reviewerAccessFrom). */
  const once = (id: pulumi.Output<number>, reviewer: string, endpoint: string, grant: string) => {
    let checked = confirmed.get(endpoint);
    if (checked === undefined) {
      checked = pulumi
        .all([id, github.getRestApiOutput({ endpoint }, onGitHub)])
        .apply(([value, answer]) => {
          reviewerAccessFrom(reviewer, fullName, grant, answer);
          return value;
        });
      confirmed.set(endpoint, checked);
    }
    return checked;
  };
  const ids = ({ users, teams }: People) => ({
    users: users.map((username) =>
      once(
        github.getUserOutput({ username }, onGitHub).id.apply(Number),
        `The user ${username}`,
        `repos/${fullName}/collaborators/${username}`,
        `gh api -X PUT repos/${fullName}/collaborators/${username} -f permission=pull`,
      ),
    ),
    teams: teams.map((slug) =>
      once(
        teamId(slug),
        `The team ${owner}/${slug}`,
        `orgs/${owner}/teams/${slug}/repos/${fullName}`,
        `gh api -X PUT orgs/${owner}/teams/${slug}/repos/${fullName} -f permission=pull`,
      ),
    ),
  });
  const refs = deployRefs(config.github);
  const describeRef = (ref: DeployRef) =>
    "branch" in ref ? `branch:${ref.branch}` : `tag:${ref.tagPattern}`;

  const environments = identities.flatMap((identity) => {
    const { environment, stack } = identity;
    const settings = config.environments[environment];
    const protection: Record<
      EnvironmentKind,
      { deployFrom: DeployRef | undefined; reviewers: People }
    > = {
      deploy: { deployFrom: refs[environment], reviewers: settings.reviewers },
      preview: { deployFrom: undefined, reviewers: settings.previewReviewers },
      drift: {
        deployFrom: { branch: config.github.defaultBranch },
        reviewers: { users: [], teams: [] },
      },
    };
    return ENVIRONMENT_KINDS.map((kind): EnvironmentOutput => {
      const name = githubEnvironment(environment, kind);
      const { role, subject } = identity.roles[kind];
      const { deployFrom, reviewers } = protection[kind];
      const variables = {
        AWS_ROLE_ARN: role.arn,
        AWS_REGION: stack.region,
        PULUMI_STACK: environment,
        ...(identity.backend === undefined ? {} : { PULUMI_BACKEND_URL: identity.backend.url }),
      };
      new PipelineEnvironment(
        `env-${name}`,
        {
          repository,
          environment: name,
          ...(deployFrom === undefined ? {} : { deployFrom }),
          reviewers: ids(reviewers),
          variables,
        },
        { providers: { github: githubProvider } },
      );
      return {
        name,
        kind,
        stack: environment,
        deployFrom: deployFrom === undefined ? "any branch" : describeRef(deployFrom),
        reviewers,
        variables: Object.keys(variables),
        awsRole: { arn: role.arn, trusts: subject },
      };
    });
  });

  // The workflows read it to pick the jobs that match the environments' deployment policies.
  new github.ActionsVariable(
    "delivery-flow",
    { repository, variableName: "DELIVERY_FLOW", value: config.github.flow },
    onGitHub,
  );
  // The deploy jobs attest their images' provenance only where GitHub will keep it: unless the
  // config says, where the repository is public (private ones need Enterprise Cloud).
  const { attestImages } = config.github;
  new github.ActionsVariable(
    "attest-images",
    {
      repository,
      variableName: "ATTEST_IMAGES",
      value:
        attestImages === undefined
          ? onGitHubAs.apply((found) => String(found.isPublic))
          : String(attestImages),
    },
    onGitHub,
  );

  const { flow, stagingBranch, requiredReviews, releaseTags, releaseTeam } = config.github;
  const checks = requiredChecks();
  const otherBranches = flow === "branches" ? [`refs/heads/${stagingBranch}`] : [];
  new BranchRuleset(
    "protected-branches",
    { repository, otherBranches, requiredReviews, requiredChecks: checks },
    { providers: { github: githubProvider } },
  );
  const rulesets: RulesetOutput[] = [
    {
      name: "protected-branches",
      target: "branch",
      refs: ["~DEFAULT_BRANCH", ...otherBranches],
      rules: [
        `${requiredReviews} approving review(s), code owners' included; the last push approved by someone else`,
        "no force-push, no deletion",
        `required checks (GitHub Actions only): ${checks.join(", ")}`,
      ],
    },
  ];
  if (releaseTeam !== undefined) {
    new ReleaseTagRuleset(
      "release-tags",
      { repository, tagPattern: releaseTags, releaseTeamId: teamId(releaseTeam) },
      { providers: { github: githubProvider } },
    );
    rulesets.push({
      name: "release-tags",
      target: "tag",
      refs: [`refs/tags/${releaseTags}`],
      rules: [`only team ${owner}/${releaseTeam} may create, update or delete them`],
    });
  }
  return { environments, rulesets };
}
