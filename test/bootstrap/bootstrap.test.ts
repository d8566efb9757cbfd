// The bootstrap project under the mock runtime, with its real stack file and the platform's real
// stack files: three GitHub environments per stack and what each admits, a role per environment
// trusting exactly it and able to touch only its stack's resources and state, an OIDC provider per
// AWS account, the state backends, the rulesets on the branches and tags that deploy, and the
// config errors that stop it before anything is registered.
import { beforeAll, describe, expect, it } from "vitest";
import type { BootstrapOutputs } from "../../bootstrap/outputs.ts";
import { requiredChecks } from "../../bootstrap/required-checks.ts";
import { SERVICE_CATALOG } from "../../stacks/service-catalog.ts";
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { offlineRepositoryIds } from "../../tools/mock/provider-outputs.ts";
import { BOOTSTRAP_STACK, runBootstrap } from "../../tools/mock/run-stack.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { runStackInChild } from "../support/child-run.ts";
import { outputsOf, resourceNamed, resourcesOfType } from "../support/program.ts";

const T = {
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  policy:
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  bucket: "aws:s3/bucket:Bucket",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
} as const;

let run: ProgramRun;

beforeAll(async () => {
  run = await runBootstrap();
}, 60_000);

const outputs = () => (outputsOf(run) as { bootstrap: BootstrapOutputs }).bootstrap;

function variablesOf(environment: string): Record<string, unknown> {
  return Object.fromEntries(
    resourcesOfType(run, T.variable)
      .filter((variable) => variable.inputs.environment === environment)
      .map((variable) => [String(variable.inputs.variableName), variable.inputs.value]),
  );
}

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
}
const statementsOf = (policy: RecordedResource) =>
  (JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] }).Statement;

describe("the bootstrap under the mock runtime", () => {
  it("registers without errors", () => {
    expect(run.errors).toEqual([]);
  });
});

describe("the GitHub environments", () => {
  it("are three per stack, protected as the trunk flow says", () => {
    const environments = resourcesOfType(run, T.environment).map(({ inputs }) => ({
      name: inputs.environment,
      policy: inputs.deploymentBranchPolicy ?? null,
      reviewers: inputs.reviewers ?? null,
      preventSelfReview: inputs.preventSelfReview ?? null,
      canAdminsBypass: inputs.canAdminsBypass,
    }));
    const custom = { protectedBranches: false, customBranchPolicies: true };
    const team = [{ users: [], teams: [expect.any(Number)] }];
    expect(environments).toEqual(
      expect.arrayContaining([
        {
          name: "staging",
          policy: custom,
          reviewers: null,
          preventSelfReview: null,
          canAdminsBypass: false,
        },
        {
          name: "staging-preview",
          policy: null,
          reviewers: null,
          preventSelfReview: null,
          canAdminsBypass: false,
        },
        {
          name: "staging-drift",
          policy: custom,
          reviewers: null,
          preventSelfReview: null,
          canAdminsBypass: false,
        },
        {
          name: "production",
          policy: custom,
          reviewers: team,
          preventSelfReview: true,
          canAdminsBypass: false,
        },
        {
          name: "production-preview",
          policy: null,
          reviewers: team,
          preventSelfReview: true,
          canAdminsBypass: false,
        },
        {
          name: "production-drift",
          policy: custom,
          reviewers: null,
          preventSelfReview: null,
          canAdminsBypass: false,
        },
      ]),
    );
    expect(environments).toHaveLength(6);
  });

  it("ask GitHub first whether each reviewer can read the repository, which GitHub needs to keep them", () => {
    const asked = run.calls
      .filter((call) => call.token === "github:index/getRestApi:getRestApi")
      .map((call) => String(call.inputs.endpoint));
    expect(asked).toContain("orgs/acme/teams/platform-leads/repos/acme/platform");
    const reviewerTeams = new Set(
      outputs().environments.flatMap((environment) => environment.reviewers.teams),
    );
    for (const slug of reviewerTeams) {
      expect(asked).toContain(`orgs/acme/teams/${slug}/repos/acme/platform`);
    }
  });

  it("stop before creating an environment whose reviewer GitHub would drop", async () => {
    const child = runStackInChild(BOOTSTRAP_STACK, {
      configOverrides: {
        "platform-bootstrap:environments": JSON.stringify({
          staging: {},
          production: {
            reviewers: { teams: ["no-access-leads"] },
            previewReviewers: { teams: ["platform-leads"] },
          },
        }),
      },
    });
    // The environment's reviewers wait on the answer: the run fails while it serializes them,
    // before the environment is registered, naming the grant.
    await expect(child).rejects.toThrow(
      'error serializing property "reviewers": The team acme/no-access-leads cannot read acme/platform',
    );
    await expect(child).rejects.toThrow(
      "Grant the access (gh api -X PUT orgs/acme/teams/no-access-leads/repos/acme/platform -f permission=pull)",
    );
  });

  it("attest images where GitHub keeps the attestation: a public repository, or a private one the config says is on Enterprise Cloud", async () => {
    const attested = async (github: Record<string, unknown>) => {
      const child = await runStackInChild(BOOTSTRAP_STACK, {
        configOverrides: {
          "platform-bootstrap:github": JSON.stringify({
            owner: "acme",
            repository: "platform",
            releaseTeam: "release-managers",
            ...github,
          }),
        },
      });
      const manifest = JSON.parse(child.manifest) as Manifest;
      return manifest.resources.find((resource) => resource.name === "attest-images")?.inputs.value;
    };
    expect(await attested({})).toBe("false");
    expect(await attested({ attestImages: true })).toBe("true");
    // A public repository's are kept on every plan: attested unless the config says not.
    expect(await attested({ repository: "public-platform" })).toBe("true");
    expect(await attested({ repository: "public-platform", attestImages: false })).toBe("false");
  });

  it("admit main into staging and the drift checks, and release tags v* into production", () => {
    const policies = resourcesOfType(run, T.policy).map(({ inputs }) => inputs);
    expect(policies).toEqual(
      expect.arrayContaining([
        { repository: "platform", environment: "staging", branchPattern: "main" },
        { repository: "platform", environment: "production", tagPattern: "v*" },
        { repository: "platform", environment: "staging-drift", branchPattern: "main" },
        { repository: "platform", environment: "production-drift", branchPattern: "main" },
      ]),
    );
    expect(policies).toHaveLength(4);
  });

  it("tell each environment's jobs their role, region, stack and backend", () => {
    expect(variablesOf("production")).toEqual({
      AWS_ROLE_ARN: "arn:aws:iam::222222222222:role/platform-production-deploy",
      AWS_REGION: "eu-central-1",
      PULUMI_STACK: "production",
      PULUMI_BACKEND_URL: "s3://acme-pulumi-state-production?region=eu-central-1",
    });
    expect(variablesOf("staging-preview")).toEqual({
      AWS_ROLE_ARN: "arn:aws:iam::111111111111:role/platform-staging-preview",
      AWS_REGION: "eu-central-1",
      PULUMI_STACK: "staging",
      PULUMI_BACKEND_URL: "s3://acme-pulumi-state-staging?region=eu-central-1",
    });
  });
});

describe("the CI roles", () => {
  const ids = offlineRepositoryIds("acme", "platform");
  const prefix = `repo:acme@${String(ids.ownerId)}/platform@${String(ids.repositoryId)}`;

  it("let a deploy job hold its role for two hours, previews and drift checks for one", () => {
    const sessions = Object.fromEntries(
      resourcesOfType(run, T.role).map((role) => [role.name, role.inputs.maxSessionDuration]),
    );
    expect(sessions).toMatchObject({
      "ci-production-deploy-role": 7200,
      "ci-production-preview-role": 3600,
      "ci-production-drift-role": 3600,
      "ci-staging-deploy-role": 7200,
    });
  });

  it.each([
    ["ci-staging-deploy-role", "111111111111", "staging"],
    ["ci-staging-preview-role", "111111111111", "staging-preview"],
    ["ci-production-deploy-role", "222222222222", "production"],
    ["ci-production-drift-role", "222222222222", "production-drift"],
  ])("%s trusts GitHub's tokens for STS from environment %s only", (name, account, environment) => {
    const trust = JSON.parse(String(resourceNamed(run, T.role, name).inputs.assumeRolePolicy)) as {
      Statement: unknown[];
    };
    expect(trust.Statement).toEqual([
      {
        Sid: "GitHubActionsEnvironment",
        Effect: "Allow",
        Principal: {
          Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": `${prefix}:environment:${environment}`,
          },
        },
      },
    ]);
  });

  it("may touch only their own stack's buckets, object, state and key, and no IAM at all", () => {
    for (const stack of ["staging", "production"]) {
      const host = stack === "staging" ? "assets.example-staging.com" : "assets.example.com";
      for (const kind of ["deploy", "preview", "drift"]) {
        for (const statement of statementsOf(
          resourceNamed(run, T.rolePolicy, `ci-${stack}-${kind}-policy`),
        )) {
          for (const action of statement.Action) expect(action).toMatch(/^(s3|kms):/);
          for (const resource of statement.Resource) {
            expect(resource).toMatch(
              new RegExp(
                `^arn:aws:(s3:::(${host.replaceAll(".", "\\.")}(-logs|/healthz\\.txt)?|acme-pulumi-state-${stack}(/\\.pulumi/.*)?)|kms:eu-central-1:\\d{12}:key/.+)$`,
              ),
            );
          }
        }
      }
    }
  });

  it("let the read-only roles write nothing but the stack's lock", () => {
    for (const name of ["ci-production-preview-policy", "ci-production-drift-policy"]) {
      for (const statement of statementsOf(resourceNamed(run, T.rolePolicy, name))) {
        const writes = statement.Action.filter(
          (action) => !/^(s3:(Get|List)|kms:(Decrypt|DescribeKey))/.test(action),
        );
        if (writes.length === 0) continue;
        expect(writes).toEqual(["s3:PutObject", "s3:DeleteObject"]);
        expect(statement.Resource).toEqual([
          "arn:aws:s3:::acme-pulumi-state-production/.pulumi/locks/organization/platform/production/*",
        ]);
      }
    }
  });
});

describe("the subject form GitHub gives the repository's tokens", () => {
  const trusts = async (repository: string) => {
    const child = await runStackInChild(BOOTSTRAP_STACK, {
      configOverrides: {
        "platform-bootstrap:github": JSON.stringify({
          owner: "acme",
          repository,
          releaseTeam: "release-managers",
        }),
      },
    });
    const manifest = JSON.parse(child.manifest) as Manifest;
    // The plan's outputs are plain JSON: each role's subject is text there.
    const { environments } = manifest.outputs.bootstrap as {
      environments: { awsRole: { trusts: string } }[];
    };
    return environments.map((environment) => environment.awsRole.trusts);
  };

  it("is trusted as GitHub reports it: by names for a repository that never took immutable ids", async () => {
    const ids = offlineRepositoryIds("acme", "legacy-platform");
    const trusted = await trusts("legacy-platform");
    expect(trusted).toContain("repo:acme/legacy-platform:environment:production");
    expect(trusted.join()).not.toContain(String(ids.repositoryId));
    // A repository created since then reports no opt-in, yet signs the ids: trusted with them.
    const created = offlineRepositoryIds("acme", "platform");
    expect(await trusts("platform")).toContain(
      `repo:acme@${String(created.ownerId)}/platform@${String(created.repositoryId)}:environment:production`,
    );
  });

  it("stops on a customized subject template, which no role could trust", async () => {
    await expect(trusts("custom-subject-platform")).rejects.toThrow(
      "The repository acme/custom-subject-platform does not use GitHub's default OIDC subject (repo, context)",
    );
  });
});

describe("the AWS accounts", () => {
  it("each get GitHub's OIDC provider once, protected and kept if the bootstrap goes", () => {
    const providers = resourcesOfType(run, T.oidc);
    expect(
      providers.map(({ name, protect, retainOnDelete }) => ({ name, protect, retainOnDelete })),
    ).toEqual([
      { name: "github-oidc-staging-provider", protect: true, retainOnDelete: true },
      { name: "github-oidc-production-provider", protect: true, retainOnDelete: true },
    ]);
    expect(
      outputs().oidcProviders.map(({ accountId, created }) => `${accountId} ${String(created)}`),
    ).toEqual(["111111111111 true", "222222222222 true"]);
  });

  it("each hold their stack's state bucket and secrets key, both protected", () => {
    expect(
      resourcesOfType(run, T.bucket).map(({ inputs, protect, retainOnDelete }) => ({
        bucket: inputs.bucket,
        protect,
        retainOnDelete,
      })),
    ).toEqual(
      expect.arrayContaining(
        ["staging", "production"].flatMap((stack) => [
          { bucket: `acme-pulumi-state-${stack}`, protect: true, retainOnDelete: true },
          { bucket: `acme-pulumi-state-${stack}-logs`, protect: true, retainOnDelete: true },
        ]),
      ),
    );
    for (const key of resourcesOfType(run, T.key)) {
      expect(key).toMatchObject({ protect: true, retainOnDelete: true });
      expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    }
    expect(
      outputs().stateBackends.map(({ environment, secretsProvider }) => [
        environment,
        secretsProvider,
      ]),
    ).toEqual([
      ["staging", "awskms://alias/platform-staging-secrets?region=eu-central-1"],
      ["production", "awskms://alias/platform-production-secrets?region=eu-central-1"],
    ]);
  });
});

describe("the rulesets", () => {
  it("protect the default branch: code owners' review, the checks workflow's jobs, no force-push", () => {
    const ruleset = resourceNamed(run, T.ruleset, "protected-branches-ruleset");
    expect(ruleset).toMatchObject({ protect: true, retainOnDelete: true });
    expect(ruleset.inputs).toMatchObject({
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: { requiredApprovingReviewCount: 1, requireCodeOwnerReview: true },
        requiredStatusChecks: {
          requiredChecks: requiredChecks().map((context) => ({ context, integrationId: 15368 })),
        },
      },
    });
    // Every catalog service's image check, expanded from the catalog's matrix in checks.yml.
    const contexts = (
      ruleset.inputs.rules as { requiredStatusChecks: { requiredChecks: { context: string }[] } }
    ).requiredStatusChecks.requiredChecks.map((check) => check.context);
    for (const { name } of SERVICE_CATALOG) expect(contexts).toContain(`Image ${name}`);
  });

  it("let only the release team create, move or delete release tags", () => {
    const ruleset = resourceNamed(run, T.ruleset, "release-tags-ruleset");
    expect(ruleset.inputs).toMatchObject({
      target: "tag",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/tags/v*"], excludes: [] } },
      rules: { creation: true, update: true, deletion: true },
      bypassActors: [
        { actorType: "Team", actorId: expect.any(Number) as unknown, bypassMode: "always" },
      ],
    });
  });
});

describe("the branches flow", () => {
  let branches: Manifest;

  beforeAll(async () => {
    const child = await runStackInChild(BOOTSTRAP_STACK, {
      configOverrides: {
        "platform-bootstrap:github": JSON.stringify({
          owner: "acme",
          repository: "platform",
          flow: "branches",
        }),
      },
    });
    expect(child.errors).toEqual([]);
    branches = JSON.parse(child.manifest) as Manifest;
  }, 60_000);

  const inputsOf = (type: string) =>
    branches.resources.filter((resource) => resource.type === type).map(({ inputs }) => inputs);

  it("deploys staging from the staging branch and production from main", () => {
    expect(inputsOf(T.policy)).toEqual(
      expect.arrayContaining([
        { repository: "platform", environment: "staging", branchPattern: "staging" },
        { repository: "platform", environment: "production", branchPattern: "main" },
      ]),
    );
  });

  it("protects both branches, and tags only when a release team is named", () => {
    expect(inputsOf(T.ruleset)).toEqual([
      expect.objectContaining({
        conditions: {
          refName: { includes: ["~DEFAULT_BRANCH", "refs/heads/staging"], excludes: [] },
        },
      }),
    ]);
  });
});

describe("a bootstrap config that would open a way around review", () => {
  it("is refused with every problem, the key, what is allowed and the fix, before anything exists", async () => {
    const child = await runStackInChild(BOOTSTRAP_STACK, {
      configOverrides: {
        "platform-bootstrap:github": JSON.stringify({
          owner: "acme",
          repository: "platform",
          requiredReviews: 0,
          releaseTags: "*",
        }),
        "platform-bootstrap:environments": JSON.stringify({
          staging: {},
          production: { reviewers: { users: ["alice"] } },
        }),
      },
    });
    expect(child.options).toEqual([]);
    const [message = ""] = child.errors;
    expect(message).toContain(
      'platform-bootstrap:github.releaseTags\n     found:   "*"\n     allowed: one tag pattern that starts with a literal, such as v* (not * alone)',
    );
    expect(child.errors).toHaveLength(1);
  });

  it.each([
    [
      { releaseTeam: "release", requiredReviews: 0 },
      { production: { reviewers: { users: ["alice"] }, previewReviewers: { teams: ["leads"] } } },
      [
        "platform-bootstrap:environments.production.reviewers",
        "platform-bootstrap:github.requiredReviews",
      ],
    ],
    [
      { flow: "trunk" },
      { production: { reviewers: { teams: ["leads"] } } },
      [
        "platform-bootstrap:environments.production.previewReviewers",
        "platform-bootstrap:github.releaseTeam",
      ],
    ],
    [
      { flow: "branches", stagingBranch: "main" },
      { production: { reviewers: { teams: ["leads"] }, previewReviewers: { teams: ["leads"] } } },
      ["platform-bootstrap:github.stagingBranch"],
    ],
    [
      { flow: "branches", stagingBranch: "release/*" },
      { production: { reviewers: { teams: ["leads"] }, previewReviewers: { teams: ["leads"] } } },
      ["platform-bootstrap:github.stagingBranch"],
    ],
  ])("%j with %j: %j", async (github, environments, keys) => {
    const { validateBootstrapConfig } = await import("../../bootstrap/config.ts");
    const result = validateBootstrapConfig({
      github: JSON.stringify({ owner: "acme", repository: "platform", ...github }),
      environments: JSON.stringify({ staging: {}, ...environments }),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(({ key }) => key)).toEqual(keys);
    for (const problem of result.problems) {
      expect(problem.fix).toMatch(/^pulumi config (set|rm) --path '/);
    }
  });
});
